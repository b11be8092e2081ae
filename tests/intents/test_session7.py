"""Session 7: what a training file of second-language writers and regional varieties taught.

Held out, ``examples-more-k15`` scored emergency recall 0.824, the lowest of any helper file. Its misses
came in a few general kinds:

- Chinese spaced word by word (learners, some voice input) had every space read as a clause break,
  so no phrase could span two words.
- Korean and Russian put a space between words, which was read the same way, and the lexicon
  had no word of Korean, Russian, Japanese or Indonesian.
- A few look-alikes: a drill denied ("not drill"), a smoke detector's name (烟雾探测器), a
  device's flat battery (应该是没电), 没有味 containing 有味, "not a thief".

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents.labels import EmergencyKind, Intent
from intents.normalize import normalize
from tests.intents.conftest import assert_reading


def test_chinese_spaced_word_by_word_keeps_its_words_together() -> None:
    assert normalize("厕所 的 水管 爆 了 , 水 一直 在 喷").cjk == "厕所的水管爆了,水一直在喷"
    # Clauses spaced as usual still break: phrases never join across them.
    assert normalize("电梯坏了 里面没人 明天再修").cjk == "电梯坏了|里面没人|明天再修"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("厕所 的 水管 爆 了 , 水 一直 在 喷 , 客厅 也 有 水 了 , 9栋 301", EmergencyKind.FLOOD),
        ("我们 这 栋 楼 突然 全部 没 电 了 , 楼道 也 黑 , 邻居 也 是 , 3栋", EmergencyKind.OUTAGE),
    ],
)
def test_a_danger_spaced_word_by_word_is_read(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_korean_and_russian_words_are_parted_not_clauses() -> None:
    assert "|" not in normalize("지하 주차장 에서 불이 났어요").cjk
    assert "|" not in normalize("в подвале пахнет газом").cjk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("지하 주차장에서 불이 났어요 빨리 와 주세요 3동", EmergencyKind.FIRE),
        ("В подвале сильно пахнет газом, 4栋", EmergencyKind.GAS),
        ("エレベーターが止まって中に母がいます 2号楼", EmergencyKind.ELEVATOR),
        ("Pak, kakek pingsan di lobi tower 5, tolong cepat", EmergencyKind.MEDICAL),
    ],
)
def test_a_danger_told_in_the_residents_own_language_pages(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        "가스 요금이 너무 많이 나왔어요 확인해 주세요",  # a gas bill, not a smell
        "лифт сегодня работает?",  # asking whether the lift works
    ],
)
def test_the_same_words_without_a_danger_do_not_page(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(
    "text",
    [
        "走廊的烟雾探测器一直闪红灯 没有烟也没有味 应该是没电了 5栋",
        "the guy at the gate was the new cleaner, not a thief, all fine now, sorry",
    ],
)
def test_look_alikes_of_a_danger_are_not_one(text: str) -> None:
    assert_reading(text, None, None)


def test_a_drill_denied_in_learner_english_is_a_fire() -> None:
    assert_reading("alarm is ringing and smoke come out from room 1203 block 2, is real fire not drill", Intent.EMERGENCY,
                   EmergencyKind.FIRE)
