"""Round g (issue 2): sudden building-wide power or water cuts happening now, against their
look-alikes (a planned cut asked about, one flat only, a tripped breaker, a notice
acknowledged, a cut that is over, a grievance about past cuts).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent, classifier, classify
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-outage-g.jsonl"


def test_check_file_is_balanced_and_never_trained_on(check_rows: list[dict]) -> None:
    """Written before round g changed anything; its first score is the round's honest measure."""
    outages = [row for row in check_rows if row["intent"] == "emergency"]
    assert len(outages) >= 85
    assert {row["emergency"] for row in outages} == {EmergencyKind.OUTAGE.value}
    assert len(check_rows) - len(outages) >= 85
    assert {"inquiry", "repair", "other", "complaint"} <= {row["intent"] for row in check_rows}
    assert not trained_copies(check_rows)


@pytest.mark.parametrize(
    "text",
    [
        # Asked, not told: a question about a cut happening now with a building-wide cue.
        "are all the flats without electricity? my lamp and the hallway went off together",
        "the building's water has gone in every flat, how long until it's back? my father needs dialysis",
        "咱楼是不是停电了 楼道里黑的 按电梯也没反应",
        # Inferred from the shared parts of the building and from the neighbours.
        "家里突然没电 楼道灯也灭了 电梯也停了",
        "拧开龙头只有气 楼上楼下都这样 刚才还有水",
        "整栋楼水压一下子没了 一滴水都没 刚停的",
        # Heard in the group chat, but the resident has it too.
        "业主群里说全小区都停电了 我家也是 刚刚没的",
        # Told as a grievance, but happening now.
        "又停电了 我们这栋全黑 你们到底管不管",
        # Someone at home depends on the power.
        "整栋楼突然停电 我妈在家吸氧 制氧机停了",
    ],
)
def test_a_building_wide_cut_now_is_an_outage(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.OUTAGE)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # One flat only: a repair, whatever the model makes of the wording.
        ("我家刚刚突然没电了 隔壁有电 对门也有电", Intent.REPAIR),
        ("our unit only has no power, next door has lights", Intent.REPAIR),
        # A notice acknowledged, or a planned cut asked about.
        ("好的 全楼停电的通知收到了", Intent.OTHER),
        ("周四整栋楼停水检修 几点能来水", Intent.INQUIRY),
        # A grievance about past cuts, not a cut now.
        ("前天整栋停电 物业电话没人接 也不通知", Intent.COMPLAINT),
    ],
)
def test_look_alikes_of_a_building_wide_cut(text: str, intent: Intent) -> None:
    assert_reading(text, intent, None)


@pytest.mark.parametrize(
    "text",
    [
        # "没收到通知" says no notice came: no acknowledgement, the cut is sudden.
        "我们整个单元都停电了 一点都没收到通知",
        # "也不提前通知" is a grievance about the notice, not a planned cut.
        "整栋楼突然停水 也不提前通知一下",
    ],
)
def test_no_notice_is_no_plan_and_no_acknowledgement(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.OUTAGE)


def test_trapped_at_home_in_the_dark_is_no_lift_emergency() -> None:
    """被困在家里 in a blackout names no one in a lift: the cut is the emergency."""
    assert_reading("整栋楼停电了 电梯也没电 我们被困在家里 什么都看不见", Intent.EMERGENCY, EmergencyKind.OUTAGE)


def test_a_family_member_using_a_ventilator_is_no_intruder() -> None:
    """家里有人在用呼吸机 is someone at risk, not 家里有人 (someone in the home at night)."""
    result = classify("整个单元都停电了 家里有人在用呼吸机")
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, EmergencyKind.OUTAGE)


def test_a_wide_cut_asked_about_keeps_its_strength_where_the_model_finds_no_emergency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The model's counterweight (wording unlike any emergency) is not taken off a building-wide
    cut asked about now; it still is off a building-wide cut with no question and no "sudden"."""
    monkeypatch.setattr(classifier, "MODEL_AGAINST_BELOW", 1.1)  # the counterweight always applies
    monkeypatch.setattr(classifier, "MODEL_EMERGENCY_LIKELY", 1.1)  # and the model never adds
    monkeypatch.setattr(classifier, "MODEL_SURE", None)  # nor has the last word
    assert classify("hey is the whole building without water? how long will this take").intent is Intent.EMERGENCY
    assert classify("整栋楼都没电了").intent is not Intent.EMERGENCY


def test_the_model_alone_names_no_outage_that_no_word_mentions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scope words without a cut ("吵醒了整栋楼") are not an outage, however the model reads them."""
    monkeypatch.setattr(classifier, "_model_kind", lambda feats: EmergencyKind.OUTAGE)
    for knob in ("MODEL_ALONE_LIKELY", "MODEL_CALM_ALONE_LIKELY", "MODEL_EMERGENCY_LIKELY"):
        monkeypatch.setattr(classifier, knob, 0.0)  # the model alone always decides
    assert classify("半夜放鞭炮 吵醒了整栋楼").intent is not Intent.EMERGENCY
    assert_reading("停电了", Intent.EMERGENCY, EmergencyKind.OUTAGE)
