"""Round e (issue 2): the blind check file written before the round, and the general miss
classes fixed in it (Cantonese 成日, 虚惊一场, a bare 还有, a range of floors, pinyin phrases).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent, classifier, classify
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-e.jsonl"


def test_check_file_covers_every_kind_and_is_never_trained_on(check_rows: list[dict]) -> None:
    """Written before round e changed anything; its first score is the round's honest measure."""
    assert len(check_rows) >= 200
    kinds = [row["emergency"] for row in check_rows if row["intent"] == "emergency"]
    assert len(kinds) >= 100
    assert set(kinds) == {kind.value for kind in EmergencyKind}
    assert not trained_copies(check_rows)


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # Cantonese 成日 is "every day": a recurring nuisance, unless it is still going on now.
        ("隔篱成日喺走廊度烧香 啲烟攻晒入屋", Intent.COMPLAINT, None),
        ("有个男人成日喺停车场度兜圈 而家仲喺度 撬紧人哋车门", Intent.EMERGENCY, EmergencyKind.SECURITY),
        # 虚惊一场: the scare is over.
        ("楼道里那股煤气味原来是有人在熬中药 虚惊一场", None, None),
        # A range of floors is a building-wide scope.
        ("五到十二楼全没电了 怎么回事", Intent.EMERGENCY, EmergencyKind.OUTAGE),
        ("从一楼到顶楼都没水了 突然停的", Intent.EMERGENCY, EmergencyKind.OUTAGE),
        # Whole danger phrases typed in spaced pinyin.
        ("zheng ge xiao qu tu ran mei dian le", Intent.EMERGENCY, EmergencyKind.OUTAGE),
        ("wo ba shuai dao le qi bu lai 6 dong men kou", Intent.EMERGENCY, EmergencyKind.MEDICAL),
        ("you xiao tou zai qiao suo 9 dong 3 lou", Intent.EMERGENCY, EmergencyKind.SECURITY),
    ],
)
def test_round_e_general_fixes(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    assert_reading(text, intent, kind)


BARE_STILL = "上周报修的热水器师傅修好了 谢谢 还有 刚才路过2栋 看见地下室门口往外冒水 越冒越多"


def test_a_bare_still_as_its_own_clause_changes_the_subject() -> None:
    result = classify(BARE_STILL)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, EmergencyKind.FLOOD)
    assert "danger_after_change_of_subject" in result.evidence


def test_without_the_bare_still_the_thanks_before_it_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    without = classifier._topic_shift_pattern(bare_still=False)
    assert without.pattern != classifier._TOPIC_SHIFT.pattern
    monkeypatch.setattr(classifier, "_TOPIC_SHIFT", without)
    assert classify(BARE_STILL).intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        # 还有 inside a clause ("there is still …") is no change of subject.
        "谢谢师傅把水管修好了 就是墙上还有点水印",
        "还有多久来电 通知说下午四点",
    ],
)
def test_still_inside_a_clause_is_no_change_of_subject(text: str) -> None:
    result = classify(text)
    assert result.intent is not Intent.EMERGENCY
    assert "danger_after_change_of_subject" not in result.evidence


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # A drip that grows is no mild drip; the same drip without it stays a repair.
        ("天花板往下滴水 水一直往下淌 越来越大", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("天花板往下滴水 水一直往下淌", Intent.REPAIR, None),
        # A letter held down in alarm is folded to the lexicon word.
        ("heeelp theres smoke in the stairwell block 2", Intent.EMERGENCY, EmergencyKind.FIRE),
        ("floooding in the basement car park, water up to the wheels", Intent.EMERGENCY, EmergencyKind.FLOOD),
        # Asking whether a cut happening now was planned is no plan.
        ("the whole block just lost power, is this planned? no one told us", Intent.EMERGENCY, EmergencyKind.OUTAGE),
        # Danger told inside a question or a complaint about a past repair (examples-more-e).
        ("my neighbour is slumped on the stairs and we can't wake him", Intent.EMERGENCY, EmergencyKind.MEDICAL),
        ("燃气阀门拧不紧了 气一直往外冒 一股味", Intent.EMERGENCY, EmergencyKind.GAS),
        ("the pipe they replaced last week just burst, water everywhere in the hallway", Intent.EMERGENCY, EmergencyKind.FLOOD),
    ],
)
def test_round_e_lexicon(text: str, intent: Intent, kind: EmergencyKind | None) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (intent, kind), result.evidence
