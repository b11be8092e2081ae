"""`suggest`: entries offered as choices ("maybe one of these?") when `answer` declines.

The quality figures are measured on the development handbooks, as the floor was chosen
(docs/knowledge.md, "Suggestions"); the bounds leave room for tuning but catch a floor that
suggests nothing useful, or suggests something for most questions the handbook does not cover.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import knowledge
from knowledge import Handbook, load_handbook
from tests.knowledge.conftest import DATA

DEVELOPMENT = {
    "furongli": (DATA / "questions-furongli.jsonl", DATA / "furongli-handbook"),
    "yuelan": (DATA / "questions-yuelan.jsonl", DATA / "yuelan-handbook"),
    "other": (DATA / "questions-other.jsonl", DATA / "other-handbook"),
}


def _questions(path: Path) -> list[tuple[str, str | None]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["question"], row["section"]) for row in rows]


@pytest.mark.parametrize("name", sorted(DEVELOPMENT))
def test_suggestions_find_declined_entries_and_spare_out_of_scope_questions(name: str) -> None:
    questions, folder = DEVELOPMENT[name]
    handbook = load_handbook(folder)
    declined = suggested_right = out_of_scope = out_of_scope_suggested = 0
    for question, section in _questions(questions):
        if section is None:
            out_of_scope += 1
            # An answered out-of-scope question is a wrong answer, not a suggestion: counted as spared.
            out_of_scope_suggested += handbook.answer(question) is None and bool(handbook.suggest(question))
        elif handbook.answer(question) is None:
            declined += 1
            suggested_right += handbook.by_title(section) in handbook.suggest(question)
    assert out_of_scope_suggested / out_of_scope < 0.5, "most out-of-scope questions must get no suggestion"
    if declined >= 20:   # `other` was learned from and declines too few in-scope questions to measure
        assert suggested_right / declined >= 0.5


def test_suggestions_are_distinct_entries_of_the_handbook_best_first(mini: Handbook) -> None:
    question = "装修押金"
    ranked = [entry for _, entry in mini._matcher.scores(question)]
    suggested = mini.suggest(question, limit=2)
    assert 1 <= len(suggested) <= 2
    assert list(suggested) == ranked[:len(suggested)]
    assert len(set(suggested)) == len(suggested)
    assert all(entry in mini.entries for entry in suggested)


@pytest.mark.parametrize("question", ["", "   ", "的", "12345", "asdkjh qwe zzz", "x" * 100_000, None, 42])
def test_nothing_to_match_gets_no_suggestion(mini: Handbook, question) -> None:
    assert mini.suggest(question) == ()


def test_no_suggestion_below_the_floor_of_a_question_the_handbook_lacks(write_handbook) -> None:
    handbook = load_handbook(write_handbook({"a.md": (
        "# 收费\n## 物业费怎么交?\n在服务中心或者APP缴纳物业费。\n"
        "## 停车费多少钱?\n地面车位每月150元。\n"
        "# 维修\n## 怎么报修?\n拨打服务热线报修。\n"
    )}))
    assert handbook.suggest("今天股市行情怎么样，推荐一只基金") == ()
    assert handbook.suggest("物业费怎么交", limit=0) == ()


def test_the_module_helper_uses_the_bundled_handbook_by_default() -> None:
    question = "我们这种大户型每个月要给物业多少"
    assert knowledge.suggest(question) == knowledge.bundled_handbook().suggest(question)
    assert len(knowledge.suggest(question, limit=1)) <= 1
