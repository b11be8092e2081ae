"""Round k (session 5): what the fifth and sixth blind sets taught, once they were opened.

- English words that are correctly spelt are never "typo-folded" into a lexicon word that looks
  like them ("raining" is not "training", "strange" is not "stranger").
- Water that keeps pouring, streaming or spraying is a flood, however ordinary the fitting it
  comes from; a pinhole in a garden hose is not.
- Staff who do nothing about a fire or someone bleeding now do not make it a mere complaint;
  help that came late (才到, took ages) still does, and so does a theft they ignored.
- A report the resident takes back (搞错了, false alarm, 不用派人) is no emergency.
- A neighbour unseen for days with no answer at the door is a medical emergency.
"""

from __future__ import annotations

import re

import pytest

from intents import classifier, classify
from intents.classifier import LEXICON
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(
    ("word", "not_folded_to"),
    [("raining", "training"), ("strange", "stranger"), ("streaming", "screaming"), ("hiss", "his"), ("playing", "paying")],
)
def test_correctly_spelt_english_words_are_not_folded(word: str, not_folded_to: str) -> None:
    assert LEXICON._fold_word(word) == word != not_folded_to


def test_real_typos_are_still_folded() -> None:
    assert LEXICON._fold_word("leakng") == "leaking"
    result = classify("my son is stuck in the elevater between floors")
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, EmergencyKind.ELEVATOR)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("water keeps streaming down the wall from the flat above and the floor is covered", EmergencyKind.FLOOD),
        ("it is raining water from my kitchen ceiling, really pouring now", EmergencyKind.FLOOD),
        ("洗衣机的水管脱开了 水一直往外喷 我关不上阀门", EmergencyKind.FLOOD),
        ("阳台那根水管断了 水一直冒 地上已经好深了", EmergencyKind.FLOOD),
        ("楼上下来的水是一股一股往下冲的 吊顶都鼓起来了", EmergencyKind.FLOOD),
        ("strange smell in the corridor like the gas stove, my eyes water", EmergencyKind.GAS),
        ("两个人翻墙进来了 背着大包往地库跑", EmergencyKind.SECURITY),
        ("a man just jumped over the back fence and is trying the bike shed lock", EmergencyKind.SECURITY),
    ],
)
def test_pouring_water_and_other_plain_signs_are_emergencies(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_a_pinhole_in_a_garden_hose_is_a_repair() -> None:
    result = classify("草坪上的浇水管破了个小孔 一直呲水 麻烦找人换一下")
    assert result.intent is Intent.REPAIR


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("物业也不管 垃圾站那边的纸箱子烧起来了 火越来越大", EmergencyKind.FIRE),
        ("保安都不管 门口有个外卖小哥被车撞了 头上在流血", EmergencyKind.MEDICAL),
    ],
)
def test_a_danger_staff_ignore_is_still_an_emergency_now(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        "上周电梯困人 你们半小时才到 太慢了吧",  # help came late: over
        "车库那次漏水泡了我的车 谁赔",  # a bill for the damage
        "保安看见有人偷电动车也不管",  # a theft they ignored: as often over
    ],
)
def test_late_help_and_ignored_theft_are_complaints(text: str) -> None:
    assert classify(text).intent is Intent.COMPLAINT


@pytest.mark.parametrize(
    "text",
    [
        "我搞错了 是我家自己跳闸 不是整栋没电 不用派人了",
        "sorry, false alarm, the smoke was my toast, window is open now",
        "刚才说闻到燃气味是我以为的 其实是楼下在煮臭豆腐 不用来了",
    ],
)
def test_a_report_taken_back_is_no_emergency(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(
    "text",
    [
        "三楼那个独居的爷爷好几天没见了 敲门一点动静都没有",
        "haven't seen my elderly neighbour for days, nobody answers her door and the lights stay on",
    ],
)
def test_a_neighbour_unseen_for_days_is_a_medical_emergency(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.MEDICAL)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("地库充电区那几辆电动车在冒黑烟 还有爆裂的响声 这种情况我们能做什么", EmergencyKind.FIRE),
        ("电梯卡在两层之间不上不下 里面就我和孩子 这种情况能自己扒门吗", EmergencyKind.ELEVATOR),
        ("how do I turn off the gas? the whole kitchen smells of gas and my eyes sting", EmergencyKind.GAS),
    ],
)
def test_asking_what_to_do_about_a_danger_told_now_is_an_emergency(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        "电梯停了人在里面 这种情况应该先做什么 想提前了解一下",
        "how to use the fire extinguisher in the corridor? just want to know",
        "楼上漏水淹了我家 这种情况物业怎么协调",
    ],
)
def test_asking_what_to_do_in_general_is_an_inquiry(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize("text", ["7栋停电了", "block 9 has no power", "3单元没水了", "blk 2 all dark!!"])
def test_a_cut_told_of_a_building_with_no_flat_is_an_outage(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.OUTAGE)


@pytest.mark.parametrize(
    "text",
    [
        "7栋1203停电了",  # one flat named: a repair
        "7栋的楼道灯全灭了",  # the stairwell lights: a repair
        "7栋明天停水吗",  # a planned cut asked about
    ],
)
def test_a_flat_a_lamp_or_a_planned_cut_is_not_a_building_outage(text: str) -> None:
    assert_reading(text, None, None)


def test_scope_words_with_no_utility_named_are_no_outage() -> None:
    result = classify("somebody let off firecrackers at 3am and the whole block woke up")
    assert result.emergency is not EmergencyKind.OUTAGE


def test_a_lift_door_that_closed_again_is_no_daily_nuisance() -> None:
    result = classify("two of us inside the lift, the door opened a crack then closed again, we can't get out")
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, EmergencyKind.ELEVATOR)


PAST_THEN_NOW = [
    ("上个月报修的水管修好了 谢谢 刚才我下车库 看到充电桩那边冒黑烟", EmergencyKind.FIRE),
    ("对门上周说全家出去旅游了 刚才有个人在撬他家的锁", EmergencyKind.SECURITY),
]


@pytest.mark.parametrize(("text", "kind"), PAST_THEN_NOW)
def test_a_past_matter_then_a_danger_told_now_is_an_emergency(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(("text", "kind"), PAST_THEN_NOW)
def test_without_the_later_now_the_past_word_wins(
    text: str, kind: EmergencyKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier, "_LATER_NOW", re.compile(r"(?!)"))
    assert_reading(text, None, None)


def test_a_past_danger_told_with_today_is_still_past() -> None:
    assert classify("上周地库进水 今天才有人来抽水 太慢了").intent is not Intent.EMERGENCY
