"""Emergency recall on unseen wording (issue 2, round d): the rules added for it and the
check file written before they were.

The sentences below are written for these tests, not taken from any example or evaluation file.
"""

from __future__ import annotations

import re

import pytest

from intents import EmergencyKind, Intent, UNSURE_BELOW, classifier, classify
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-d.jsonl"


def test_check_file_is_emergency_heavy_and_never_trained_on(check_rows: list[dict]) -> None:
    """Written before the tuning of this round and kept out of training, so it still says how
    new wording is read (figures before and after in docs/intents.md)."""
    assert len(check_rows) >= 150
    assert sum(row["intent"] == "emergency" for row in check_rows) >= 90
    assert not trained_copies(check_rows)


# A change of subject: the danger after 另外 / also is read on its own, so the thanks or the
# past event before it does not make it look over.
SUBJECT_CHANGES = [
    ("上周报修的门锁师傅修好了 谢谢 另外 地下室门口有烟往外冒", EmergencyKind.FIRE),
    ("Thanks for fixing my tap last week. Also, there's water pouring out of the riser cupboard on floor 9", EmergencyKind.FLOOD),
]


@pytest.mark.parametrize(("text", "kind"), SUBJECT_CHANGES)
def test_danger_after_a_change_of_subject(text: str, kind: EmergencyKind) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, kind)
    assert result.confidence >= UNSURE_BELOW
    assert "danger_after_change_of_subject" in result.evidence


@pytest.mark.parametrize(("text", "kind"), SUBJECT_CHANGES)
def test_without_the_subject_split_the_same_messages_are_missed(
    text: str, kind: EmergencyKind, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The split is what catches them: the thanks and "last week" otherwise win."""
    monkeypatch.setattr(classifier, "_TOPIC_SHIFT", re.compile(r"(?!)"))
    assert classify(text).intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "另外 上次楼道着火的事谢谢你们",
        "Also, thanks for getting us out of the lift yesterday",
        "想问下停车卡怎么续 另外 楼下装修太吵了",
    ],
)
def test_a_calm_or_past_part_after_a_change_of_subject_stays_calm(text: str) -> None:
    assert classify(text).intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    ("text", "intent", "kind"),
    [
        # A leak inferred from a bill is a question; a smell now is a leak whatever the bill.
        ("燃气费怎么突然涨了这么多 是不是漏气了", None, None),
        ("水费翻了一倍 是不是哪里爆管了", None, None),
        ("燃气费刚交完 现在厨房一股煤气味", Intent.EMERGENCY, EmergencyKind.GAS),
        # Two different weak signs count even in a fault report; one does not.
        ("我家地漏在往外冒水 越冒越多 已经流到客厅了 是不是堵了", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("地漏有点返水 是不是堵了", Intent.REPAIR, None),
        # Someone at the door at night, saying nothing; noise at night is a grumble.
        ("半夜三点有人一直敲我家门 问是谁也不出声", Intent.EMERGENCY, EmergencyKind.SECURITY),
        ("凌晨有人在门口转来转去 还往里看", Intent.EMERGENCY, EmergencyKind.SECURITY),
        ("半夜楼上一直有动静 吵得睡不着", Intent.COMPLAINT, None),
        # A smell denied to be gas.
        ("燃气灶点不着 也没闻到煤气味 是不是没气了", Intent.REPAIR, None),
        # A call for help outweighs wording unlike the examples' emergencies.
        ("消防警报在响 楼道里真的有烟 不是演练", Intent.EMERGENCY, EmergencyKind.FIRE),
        # An empty lift: the model's reading of the wording no longer makes it a page.
        ("the lift door keeps opening and closing by itself, no one inside", None, None),
        # Cantonese: 水喉 is a pipe, 差啲 a near miss.
        ("屋企水喉爆咗 水射到周围都系", Intent.EMERGENCY, EmergencyKind.FLOOD),
        ("清洁阿姨拖完地不放牌 我阿爸差啲跌亲", None, None),
        # 前两天 is past; hyperbole (冻得不行了) is no collapse.
        ("前两天楼上漏水把我家淹了 现在赔偿怎么算", None, None),
        ("暖气什么时候来 家里老人冻得不行了", None, None),
    ],
)
def test_round_d_rules(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    assert_reading(text, intent, kind)
