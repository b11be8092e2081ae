"""Round j (issue 2): gas told as a complaint about a smell, a repair request or a question, and
building-wide cuts told as repair requests or grumbles (Cantonese 无晒电, 整个片区), with the
look-alikes of the same shape kept calm (a drain that smells of rotten eggs, a small stove flame,
a gas bill or inspection, a planned cut, one flat's breaker, a past near miss).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-j.jsonl"


def test_check_file_is_balanced_and_never_trained_on(check_rows: list[dict]) -> None:
    """Written blind before round j changed anything; its first score is the round's honest measure."""
    emergencies = [row for row in check_rows if row["intent"] == "emergency"]
    assert len(emergencies) >= 150
    assert len(check_rows) - len(emergencies) >= 90
    # The blind writer happened to write one everyday repair that a training file already holds
    # word for word (no emergency figure depends on it); the file is kept as written.
    assert trained_copies(check_rows) == ["阳台的晾衣杆掉了一根"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A gas smell grumbled about: staff who walked past it do not make it over.
        ("地下室燃气味很冲 一上午了 门卫看了一眼也不管 投诉", EmergencyKind.GAS),
        ("又是一股液化气的味道 在楼梯间 浓得呛人 4栋", EmergencyKind.GAS),
        # Gas coming out, told as a repair request (Cantonese 熄唔到, 有气出).
        ("报修 灶头旋钮坏了关不上 一直有气味出来 2栋", EmergencyKind.GAS),
        ("個爐頭熄唔到 一直有氣出 快啲嚟", EmergencyKind.GAS),
        ("please fix the hob, the knob is stuck and gas keeps coming out", EmergencyKind.GAS),
        # A question asking whom to call about it now is not a "what if".
        ("楼道里一股煤气味 越来越浓 这种情况找谁 9栋", EmergencyKind.GAS),
        # A cut told as a grumble; a near miss in the lift beside it is about what the cut nearly did.
        ("成个屋苑无晒电 点解冇人理", EmergencyKind.OUTAGE),
        ("整栋楼突然黑了 电梯差点关人 你们物业在干嘛", EmergencyKind.OUTAGE),
        # A neighbour who always answers does not today.
        ("楼下阿姨平时都会应门 今天敲了好久一直不应 有点担心", EmergencyKind.MEDICAL),
        ("someone is trying every door handle in our corridor, building 2", EmergencyKind.SECURITY),
    ],
)
def test_gas_and_cuts_told_as_complaints_repairs_or_questions(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        # A drain or sewer that smells of rotten eggs, with no gas word.
        "卫生间地漏返臭味 像臭鸡蛋一样 能来看看吗",
        "楼下下水道一股烂鸡蛋味 天天这样",
        # A small stove flame, no smell; a gas bill, an inspection, a meter that does not leak.
        "燃气灶火很小 也没有味道 是不是该清洗了",
        "这个月燃气费怎么这么高 物业也不管",
        "燃气公司下周入户安检 几点来",
        "燃气表屏幕看不清了 没漏气 能换一个吗",
        # A planned cut, one flat's breaker, a past near miss.
        "下周三整栋计划停电 电梯会停吗",
        "就我家跳闸了 邻居都有电",
        "昨天整栋停电 电梯里差点有人被关 你们要给个说法",
        # Cooking, barbecue and paint smells; a rubbish smell walked past.
        "隔壁天天炒辣椒 味道很冲",
        "楼上刷油漆 味道很大 熏得头晕 每天都刷",
        "垃圾站臭得很 保安走过去也不管",
    ],
)
def test_look_alikes_of_the_same_shape_stay_calm(text: str) -> None:
    assert_reading(text, None, None)
