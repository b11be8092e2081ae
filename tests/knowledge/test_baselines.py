"""The two reference matchers issue 3 quotes, used to say how hard a question set is."""

from __future__ import annotations

import pytest

from knowledge import Handbook
from knowledge.baselines import REFERENCE_DECLINED, Bm25, TitleWRatio, bigrams, main, measure
from knowledge.evaluate import Case

from .conftest import DATA


def test_bigrams_stay_inside_runs_of_text() -> None:
    assert bigrams("物业费, ＡＢ") == ["物业", "业费", "ab"]  # NFKC and lower case; no bigram across ", "
    assert bigrams("水") == ["水"]  # a lone character is its own term
    assert bigrams(" ,。") == []


def test_bm25_reads_the_whole_entry(mini: Handbook) -> None:
    # 押金 and 退 appear in the answer and title of the refund entry, not only in its title.
    bm25 = Bm25(mini.entries)
    score, entry = bm25.best("押金什么时候能退回来")
    assert entry is mini.by_title("装修押金怎么退?")
    assert bm25.best("今天天气怎么样 hello")[0] < score
    assert bm25.best("???") == (0.0, None)


def test_title_wratio_matches_titles_and_aliases_only(mini: Handbook) -> None:
    score, entry = TitleWRatio(mini.entries).best("物业费怎么交")
    assert entry is mini.by_title("物业费怎么交?")
    assert score > 90


def test_measure_reads_top1_and_wrong_at_the_issues_decline_rate(mini: Handbook) -> None:
    right = mini.by_title("停车费多少钱?")
    other = mini.by_title("物业费怎么交?")
    scores = {  # question -> (score, entry) the stand-in reference returns
        "a": (9.0, right), "b": (7.0, other), "c": (2.0, right),  # in scope
        **{f"o{i}": (float(i), other) for i in range(10)},  # out of scope: 0 … 9
    }
    cases = [Case("a", right.title, 1), Case("b", right.title, 2), Case("c", right.title, 3)]
    cases += [Case(f"o{i}", None, 4 + i) for i in range(10)]
    figures = measure(lambda q: scores[q], cases, mini)
    # 72 % of ten out-of-scope questions: the bar is the 8th lowest score (7.0); answer above it.
    assert figures.declined == pytest.approx(0.8)
    assert figures.declined >= REFERENCE_DECLINED
    assert figures.rank1 == pytest.approx(2 / 3)
    assert figures.top1 == pytest.approx(1 / 3)  # only "a" (9.0) is above the bar
    assert figures.wrong == pytest.approx(0.0)  # "b" (7.0) is not above it


def test_command_prints_a_row_per_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "questions-other.jsonl")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("(issue 3: the unseen set)")
    row = out[2].split()
    assert row[0] == "other"
    rank1, top1, wrong, declined = (float(v) for v in row[1:5])
    assert 0 < top1 <= rank1 <= 1 and 0 <= wrong <= 1 and declined >= REFERENCE_DECLINED

