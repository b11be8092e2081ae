"""The data files a property manager edits: they load, and they say what they mean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intents.classifier import example_files
from intents.evaluate import read_labelled
from intents.lexicon import _compile, load_lexicon
from intents.normalize import DATA, normalize
from tests.intents.conftest import HELDOUT


def test_every_group_names_its_rule_and_has_phrases() -> None:
    lexicon = load_lexicon()
    names = [g.name for g in lexicon.groups]
    assert len(names) == len(set(names)), "duplicate group names"
    for group in lexicon.groups:
        assert group.rule, group.name
        assert group.phrases, group.name


def test_no_phrase_is_evidence_of_two_emergency_kinds() -> None:
    """Like Rasa's keyword-overlap warning: a phrase pointing at two kinds is ambiguous data."""
    owner: dict[str, str] = {}
    for group in load_lexicon().groups:
        if group.kind is None:
            continue
        for phrase in group.phrases:
            assert owner.setdefault(phrase, group.kind.value) == group.kind.value, (phrase, group.name)


def test_phrases_are_written_in_normalised_form() -> None:
    """Phrases are matched against normalised text; one that normalisation changes can never match."""
    for group in load_lexicon().groups:
        for phrase in group.phrases + group.excepts:
            body = phrase.rstrip("*")
            assert normalize(body).text == body, (group.name, phrase)


def test_except_phrases_can_cancel_something() -> None:
    """An except phrase that cannot overlap any phrase of its group does nothing: a mistake in the data."""
    useless = []
    for group in load_lexicon().groups:
        needles = [_compile(0, p).needle.strip() for p in group.phrases]
        for phrase in group.excepts:
            # A 没~通知 phrase can cancel through any of its parts.
            parts = [_compile(0, part).needle.strip() for part in phrase.split("~") if part]
            if not any(n in t or t in n or _overlaps(n, t) for n in needles for t in parts):
                useless.append((group.name, phrase))
    assert not useless


def _overlaps(a: str, b: str) -> bool:
    """True when a suffix of one is a prefix of the other (the two can overlap in a message)."""
    return any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))


def _training_texts() -> set[str]:
    """Every training message (all data/examples*.jsonl), normalised."""
    rows = [row for path in example_files() for row in read_labelled(path.read_text(encoding="utf-8"))]
    return {normalize(row["text"]).cjk for row in rows}


def test_the_model_trains_on_every_example_file() -> None:
    names = [path.name for path in example_files()]
    assert names == sorted(names) and {"examples.jsonl", "examples-more-a.jsonl", "examples-more-b.jsonl", "examples-more-c.jsonl", "examples-more-d.jsonl", "examples-more-e.jsonl"} <= set(names)


@pytest.mark.parametrize("path", [*sorted(DATA.glob("examples*.jsonl")), HELDOUT], ids=lambda p: p.name)
def test_example_files_are_valid_labels(path: Path) -> None:
    rows = read_labelled(path.read_text(encoding="utf-8"))
    # The focused files (-c: short alarms, floods by their effect, pinyin; -e: dangers told inside
    # a complaint, a repair request or a question; -g: building-wide cuts and their look-alikes)
    # are small on purpose.
    sizes = {"examples-more-c.jsonl": 40, "examples-more-e.jsonl": 150, "examples-more-g.jsonl": 140, "examples-more-h-tuner.jsonl": 20, "examples-more-i-tuner.jsonl": 20,
             "examples-more-k20-tuner.jsonl": 20}
    assert len(rows) >= sizes.get(path.name, 200)
    for row in rows:
        assert (row["intent"] == "emergency") == (row.get("emergency") is not None), row


def test_training_and_heldout_do_not_overlap() -> None:
    train = _training_texts()
    held = {normalize(r["text"]).cjk for r in read_labelled(HELDOUT.read_text(encoding="utf-8"))}
    # The example files were written independently of the held-out set: chance coincidences
    # of trivial chit-chat ("lol", "？？？", "祝大家周末愉快") are expected, sentences are not.
    assert not [text for text in train & held if len(text) >= 8]


def test_examples_are_not_copies_of_the_shared_dev_set(dev_rows: list[dict]) -> None:
    """Written independently: no shared sentence beyond chance coincidences like "你好" or "OK"."""
    ours = _training_texts()
    shared = ours & {normalize(r["text"]).cjk for r in dev_rows}
    assert not [text for text in shared if len(text) >= 8]


def test_folding_table_traditional_and_typos() -> None:
    assert normalize("電梯壞了").text == "电梯坏了"
    assert normalize("电悌困人 压金").text == "电梯困人 押金"
    assert normalize("ＡＢＣ１２３？").text == "abc123?"
    json.dumps(normalize("\ud800x").text, ensure_ascii=False).encode("utf-8")


def test_lexicon_matching_rules(tmp_path: Path) -> None:
    """Chinese substrings, English whole words and prefixes, ~ gaps, and except phrases that overlap."""
    (tmp_path / "lex.toml").write_text(
        '[[group]]\nname = "g"\nrule = "test"\nintent = "repair"\nweight = 1.0\n'
        'phrases = ["着火", "水管~爆", "leak*", "gas"]\nexcept = ["没着火", "gas bill"]\n',
        encoding="utf-8",
    )
    lexicon = load_lexicon(tmp_path / "lex.toml")
    assert lexicon.match(normalize("楼下着火了")) == {"g": ("着火",)}
    assert lexicon.match(normalize("楼下没着火")) == {}
    assert lexicon.match(normalize("水管好像爆了")) == {"g": ("水管~爆",)}
    assert lexicon.match(normalize("水管没问题 爆米花")) == {}  # a clause break stops the gap
    assert lexicon.match(normalize("the tap is LEAKING")) == {"g": ("leak*",)}
    assert lexicon.match(normalize("gasoline")) == {}
    assert lexicon.match(normalize("my gas bill")) == {}
    assert lexicon.match(normalize("gas smell and a gas bill")) == {"g": ("gas",)}
