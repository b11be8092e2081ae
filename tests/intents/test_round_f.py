"""Round f (issue 2): the blind check file written before the round, and the general rules added
for what it showed (a danger that had already begun and is worse now, a correction "not a fire,
it's gas", the cause of an injury as the kind, a bang beside a building-wide cut, politeness,
second-hand news about a building of ours, a smell gone, a lift that started again by itself).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import re

import pytest

from intents import EmergencyKind, Intent, classifier, classify
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-f.jsonl"


def test_check_file_covers_every_kind_and_is_never_trained_on(check_rows: list[dict]) -> None:
    """Written before round f changed anything; its first score is the round's honest measure."""
    assert len(check_rows) >= 200
    kinds = [row["emergency"] for row in check_rows if row["intent"] == "emergency"]
    assert len(kinds) >= 110
    assert set(kinds) == {kind.value for kind in EmergencyKind}
    assert len(check_rows) - len(kinds) >= 90
    assert not trained_copies(check_rows)


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # A correction keeps what it is instead; a plain denial of fire leaves nothing.
        ("不是着火 是水管爆了 水喷得到处都是", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("it's not a fire, it's gas, the whole stairwell smells of it", Intent.EMERGENCY, EmergencyKind.GAS),
        ("没着火 就是有点焦味 可能是谁家炒菜", None, None),
        # 是不是着火了 asks whether there is a fire: no denial. 还没着火 但是冒烟 is smoking already.
        ("走廊有烟 是不是着火了", Intent.EMERGENCY, EmergencyKind.FIRE),
        ("还没着火 但是电表箱一直在冒烟", Intent.EMERGENCY, EmergencyKind.FIRE),
    ],
)
def test_a_correction_keeps_what_it_is_instead(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    assert_reading(text, intent, kind)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # The cause of the harm is the kind: it sends the responder who stops it.
        ("厨房一股石油气味 我仲有啲头晕", EmergencyKind.GAS),
        ("厨房燃气表那里有股气味 我妈晕倒在地上了", EmergencyKind.GAS),
        ("车库两个人打起来了 有一个满头是血", EmergencyKind.SECURITY),
        ("楼道着火了 有个老人被烟呛晕了", EmergencyKind.FIRE),
    ],
)
def test_the_cause_of_an_injury_is_the_kind(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_without_the_cause_rule_a_smell_at_the_gas_meter_and_a_collapse_read_as_medical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(classifier, "CAUSE_KINDS", ())
    assert classify("厨房燃气表那里有股气味 我妈晕倒在地上了").emergency is EmergencyKind.MEDICAL


def test_an_injury_with_a_lone_sign_of_someone_at_the_door_stays_medical() -> None:
    """"一个人在家" is a weak sign of a threat, not a cause: the fever and the fit are the emergency."""
    assert_reading("孩子高烧抽搐了 我一个人在家 谁能帮忙下楼接救护车", Intent.EMERGENCY, EmergencyKind.MEDICAL)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("配电房那边轰的一声巨响 然后整栋楼都停电了 应该是爆炸了", EmergencyKind.OUTAGE),
        ("配电房爆炸了 冒黑烟 整栋楼都停电了", EmergencyKind.FIRE),
    ],
)
def test_a_bang_beside_a_building_wide_cut_is_the_cut_unless_there_is_smoke(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # It had already begun and is worse now: no drip, no past event.
        ("刚才就有点渗水 现在那根水管直接喷了 地上全湿了", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("刚才就闻到了 现在更浓了 楼道那股煤气味", Intent.EMERGENCY, EmergencyKind.GAS),
        # …but not when it is gone now.
        ("刚才就闻到一点煤气味 后来发现是隔壁在炖汤 现在没味了", None, None),
    ],
)
def test_a_danger_that_had_begun_and_is_worse_now(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    assert_reading(text, intent, kind)


def test_without_the_escalation_rule_the_early_drip_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "刚才就有点渗水 现在那根水管直接喷了"  # no further sign (地上全湿了 is one of its own since session 5)
    assert classify(text).intent is Intent.EMERGENCY
    monkeypatch.setattr(classifier, "_ESCALATION", re.compile(r"(?!)"))
    assert classify(text).intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # Second-hand news naming a building of ours is here; news of another community is not.
        ("业主群里说 6栋地下室着火了 有人发了视频", Intent.EMERGENCY, EmergencyKind.FIRE),
        ("看到新闻说隔壁小区着火了 我们小区的消防设施检查过吗", None, None),
        # A smell gone, a lift that started again by itself: over.
        ("早上闻到一股煤气味 开窗通风以后味道散了", None, None),
        ("电梯卡了一下 我在里面 后来自己好了 你们还是来检查一下吧", None, None),
        # Pierced by drilling: a burst pipe. Cantonese 嘈 is noisy, 隔篱 the neighbour.
        ("隔壁装修把水管钻穿了 水一直往我家墙里灌", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("隔篱又装修 好嘈", Intent.COMPLAINT, None),
        ("someone is trying to open my door right now, block 4 flat 1203", Intent.EMERGENCY, EmergencyKind.SECURITY),
    ],
)
def test_round_f_lexicon(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    assert_reading(text, intent, kind)


def test_politeness_is_no_grumble() -> None:
    """不好意思 (excuse me) once matched the complaint word 好意思 and made a polite report look calm."""
    assert "complaint_words" not in " ".join(classify("不好意思 楼道里好像有点烟 有点呛").evidence)
    assert classify("不好意思 打扰一下 请问物业电话多少").intent is Intent.INQUIRY
