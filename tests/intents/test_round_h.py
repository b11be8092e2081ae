"""Round h (issue 2): emergency recall on unseen wording, building-wide cuts first, with the
hard look-alikes kept out (a lamp broken, a film, a joke about a drill, flyers, a fault told
with a denial).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-h.jsonl"


def test_check_file_is_balanced_and_never_trained_on(check_rows: list[dict]) -> None:
    """Written before round h changed anything; its first score is the round's honest measure."""
    emergencies = [row for row in check_rows if row["intent"] == "emergency"]
    assert len(emergencies) >= 150
    assert sum(row["emergency"] == EmergencyKind.OUTAGE.value for row in emergencies) >= 40
    assert len(check_rows) - len(emergencies) >= 100
    assert not trained_copies(check_rows)


@pytest.mark.parametrize(
    "text",
    [
        # Every household, a block of buildings, an area: the scope of a cut.
        "7栋所有住户突然都没电了 楼道也没灯",
        "我们这片四五栋楼一起停水了 刚刚开始",
        "all units in tower 5 lost power at the same time, the lobby is dark",
        # Tap water, running water, taps that give nothing.
        "整个单元的自来水一下子都停了 没有任何通知",
        "no running water on any floor of block 9 since a few minutes ago",
        # The lights of the whole building, told without a cut word.
        "整栋楼的灯一下子全暗了 电梯也停了",
        # Dialect: Wu 脱 / 一记头, northern 歇菜.
        "阿拉整幢楼电一记头停脱了",
        "全楼的灯和电梯都歇菜了 刚才还好好的",
        # A fault word with no lamp named does not make the building's darkness a repair.
        "空调突然不转了 以为坏了 出门一看整栋楼都黑了",
    ],
)
def test_a_building_wide_cut_told_in_new_words_is_an_outage(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.OUTAGE)


@pytest.mark.parametrize(
    "text",
    [
        # Whether someone is in the lift is asked, not told: the cut is the kind.
        "整个单元都停电了 也不知道电梯里有没有人",
        # A burst main guessed as the cause, no water seen.
        "整栋楼突然都没有水了 是不是哪里水管爆了",
        # Someone at home on oxygen who now struggles: the cut is what staff must stop.
        "全楼停电好几分钟了 我爸的制氧机停了 他喘不上气",
        # 呼吸机 is the machine, not 有呼吸 (breathing).
        "整栋楼突然停电 我家有人在用呼吸机",
    ],
)
def test_the_cut_is_the_kind(text: str) -> None:
    assert_reading(text, Intent.EMERGENCY, EmergencyKind.OUTAGE)


def test_water_seen_keeps_a_guessed_burst_a_flood() -> None:
    assert_reading("整栋楼都没水了 是不是水管爆了 楼梯间全是水", Intent.EMERGENCY, EmergencyKind.FLOOD)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("阳台上的沙发烧起来了 快来", EmergencyKind.FIRE),
        ("地下室门口往外翻滚着灰烟", EmergencyKind.FIRE),
        ("the boy next door is having an asthma attack and can't breathe", EmergencyKind.MEDICAL),
        ("someone is smashing the lobby doors with an iron bar", EmergencyKind.SECURITY),
        ("我家楼下有人跳下来了 快叫救护车", EmergencyKind.MEDICAL),
        ("电梯里困了好几个人 3栋", EmergencyKind.ELEVATOR),
    ],
)
def test_new_signs_of_each_kind(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        # A lamp named: the darkness is a broken lamp.
        "我们这栋的楼道灯坏了 一片漆黑 麻烦来修",
        # A film, a joke about a drill.
        "昨晚的电影里电梯掉下去了 现在坐电梯都怕",
        "演习搞得像真的一样 我还以为真的着火了",
        # Flyers door to door, told as a grumble.
        "有人挨家挨户发传单 一直敲门 很烦",
        # An empty lift's "not moving" is the lift, not a person.
        "lift 2 is not moving, doors open, nobody inside",
        # A gas appliance fault with the smell denied.
        "the boiler keeps cutting out, no gas smell, can someone look at it",
        # Night noise that has gone on for nights: a complaint.
        "楼上半夜摔东西 已经好几个晚上了 投诉",
        # The building spotless; the water and power meters asked about.
        "整栋楼都干净了 谢谢",
        "我们楼水跟电的表在几楼",
    ],
)
def test_look_alikes_stay_calm(text: str) -> None:
    assert_reading(text, None, None)


def test_a_planned_cut_that_overran_is_a_complaint() -> None:
    assert_reading("说好停电检修一小时 结果停了一下午 谁赔我冰箱里的东西", Intent.COMPLAINT, None)
