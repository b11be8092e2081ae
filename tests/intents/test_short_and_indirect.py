"""Emergencies written tersely, by their effect, as a question or in pinyin; and their look-alikes.

Wording here is not in any example file: it checks the rules, not memory of the examples.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent, classify
from intents.normalize import normalize


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("火！12栋", EmergencyKind.FIRE),
        ("着了！！", EmergencyKind.FIRE),
        ("smoke!! 8F", EmergencyKind.FIRE),
        ("燃气！3单元", EmergencyKind.GAS),
        ("gas! lobby", EmergencyKind.GAS),
        ("水越来越深了 都到小腿了", EmergencyKind.FLOOD),
        ("储藏室的水还在涨", EmergencyKind.FLOOD),
        ("the water is still rising in the garage", EmergencyKind.FLOOD),
        ("我们这栋一点光都没有 是不是跳闸了?", EmergencyKind.OUTAGE),
        ("ting dian le zheng dong lou dou hei le", EmergencyKind.OUTAGE),
        ("wo ba yun dao le kuai lai", EmergencyKind.MEDICAL),
        ("you ren zai qiao men", EmergencyKind.SECURITY),
    ],
)
def test_caught(text: str, kind: EmergencyKind) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, kind), result.evidence


@pytest.mark.parametrize(
    "text",
    [
        "火锅店开了吗!",
        "燃气费在哪交?",
        "gas bill!",
        "烟味!",
        "房价越涨越高 物业费也要涨吗",
        "拖地拖不完 好累",
        "我们单元楼道灯坏了 全黑",
        "management keeps raising the fees",
        "上个月整栋停电是跳闸了吗",
        "fire drill!",
    ],
)
def test_look_alikes_are_not_emergencies(text: str) -> None:
    result = classify(text)
    assert result.intent is not Intent.EMERGENCY, result.evidence


def test_spaces_in_pinyin_do_not_break_clauses_but_spaces_in_chinese_do() -> None:
    assert "|" not in normalize("dian ti li you ren chu bu lai").cjk
    assert normalize("电梯坏了 里面没人").cjk == "电梯坏了|里面没人"


def test_a_long_message_with_one_danger_hint_is_not_terse() -> None:
    """The terse rule is for a lone shouted word, not for one hint inside a calm sentence."""
    result = classify("楼下那家烧烤店的烟每天晚上都飘到我家阳台!")
    assert result.intent is not Intent.EMERGENCY, result.evidence
