"""The classifier's fast paths (session 7) read exactly what the plain forms they replace read.

Each shortcut skips work a message cannot need: a regex gated on a literal it requires, an
index that finds a lexicon group's ``except`` phrases with its phrases, a pattern opened by the
class of its first characters. If a gate or an index were wrong, a message would silently lose a
place, a phrase or an exception; these tests compare each shortcut with the plain form on the
project's own message files and on random strings built from the characters that matter.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from intents import classifier, places
from intents.lexicon import Group, Lexicon
from intents.model import _PLACE_NUMBER
from intents.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]


def _message_texts() -> list[str]:
    files = [
        *sorted((ROOT / "intents" / "data").glob("examples*.jsonl")),
        *sorted((ROOT / "benchmarks" / "data").glob("places-*.jsonl")),
        ROOT / "tests" / "intents" / "data" / "heldout.jsonl",
    ]
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                texts.append(json.loads(line)["text"])
    return texts


TEXTS = _message_texts()


def _random_strings(alphabet: str, count: int = 20_000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))) for _ in range(count)]


GATED = [(name, value) for name, value in vars(places).items() if isinstance(value, places._Gated)]


def test_the_place_patterns_are_gated() -> None:
    assert {name for name, _ in GATED} >= {"_BUILDING_ZH", "_UNIT_ZH", "_DASHED", "_ROOM_SUFFIX", "_ROOM_EN"}


@pytest.mark.parametrize(("name", "gated"), GATED, ids=[name for name, _ in GATED])
def test_a_place_pattern_matches_only_where_its_gate_lets_it(name: str, gated: places._Gated) -> None:
    texts = [normalize(text).text for text in TEXTS]
    texts += _random_strings("12 5-0栋幢座号楼单元室房间#abflatroomrmaptunitsuiteblkbuildingtowerentrance. ")
    missed = [text for text in texts if gated.pattern.search(text) and not gated.possible(text)]
    assert missed == [], f"{name} matches where its gate says it cannot: {missed[:3]}"
    assert any(gated.possible(text) for text in texts)  # the gate is not simply closed


def test_a_number_starts_where_a_run_of_letters_and_digits_starts() -> None:
    # The lookbehind in model._PLACE_NUMBER only saves time: the same text is taken out.
    plain = re.compile(_PLACE_NUMBER.pattern.removeprefix(r"(?<![0-9a-z])"))
    assert plain.pattern != _PLACE_NUMBER.pattern
    views = [normalize(text).cjk for text in TEXTS] + _random_strings("ab5f9座栋号楼层单元 -x中")
    assert [_PLACE_NUMBER.sub(" ", v) for v in views] == [plain.sub(" ", v) for v in views]


def test_a_change_of_subject_marker_added_to_the_list_is_found() -> None:
    pattern = classifier._topic_shift_pattern(phrases=("话说回来",), english=("meanwhile",), bare_still=False)
    assert pattern.search("水费的事就这样 话说回来 地库在冒烟")
    assert pattern.search("thanks for the parcel. meanwhile the corridor is full of smoke")
    assert not pattern.search("水费的事就这样 地库在冒烟")
    assert not pattern.search("还有 地库在冒烟")  # the bare 还有 left out, as asked


def test_the_change_of_subject_pattern_finds_what_each_marker_alone_finds() -> None:
    texts = [normalize(text).text for text in TEXTS]
    for marker in (*classifier._TOPIC_SHIFT_PHRASES, *classifier._TOPIC_SHIFT_ENGLISH):
        alone = re.compile(re.escape(marker) if marker[0] > "\x7f" else rf"\b{re.escape(marker)}\b")
        for text in texts:
            if alone.search(text):
                assert classifier._TOPIC_SHIFT.search(text), (marker, text)


def _lexicon(phrases: tuple[str, ...], excepts: tuple[str, ...]) -> Lexicon:
    group = Group(name="g", rule="", weights={}, kind=None, kind_weight=0.0, phrases=phrases, excepts=excepts)
    return Lexicon(groups=(group,))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼道着火了", ("着火",)),
        ("昨天着火演练 很吵", None),  # the only 着火 is inside the exception
        ("着火演练结束了 但是三楼真的着火了", ("着火",)),  # one occurrence outside it still counts
        ("the fire drill is at ten", None),  # an English exception of whole words
        ("a fire in the hall", ("fire",)),
        ("smoke coming out", ("smok*",)),
        ("smokers again on the stairs", None),  # an English prefix exception
    ],
)
def test_exceptions_are_found_through_the_same_indexes_as_phrases(text: str, expected: tuple[str, ...] | None) -> None:
    lexicon = _lexicon(("着火", "fire", "smok*"), ("着火演练", "fire drill", "smoker*"))
    assert lexicon.match(normalize(text)).get("g") == expected


def test_a_prefix_phrase_of_one_letter_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two letters"):
        _lexicon(("s*",), ())
