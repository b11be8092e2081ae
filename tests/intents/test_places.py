"""parse_place: the building / unit / room a message names."""

from __future__ import annotations

import pytest

from intents import Place, classify, parse_place

CASES = [
    ("3栋2单元501", Place("3", "2", "501")),
    ("5号楼1802 主卧窗户坏了", Place("5", None, "1802")),
    ("十二栋一楼大堂的门禁坏了", Place("12", None, None)),
    ("B座的电梯又不动了", Place("B", None, None)),
    ("building 3 flat 1202", Place("3", None, "1202")),
    ("Building 2, unit 803. The intercom is dead", Place("2", None, "803")),
    ("Tower C 9th floor hallway light", Place("C", None, None)),
    ("block a, room 1505", Place("A", None, "1505")),
    ("３栋２单元５０１", Place("3", "2", "501")),  # full-width digits
    ("１２棟", Place("12", None, None)),  # full-width + traditional
    ("十四栋三单元 厕所漏水", Place("14", "3", None)),
    ("13栋402 热水器爆了", Place("13", None, "402")),
    ("my fan is broken. 3-1-1201", Place("3", "1", "1201")),
    ("二十三幢两单元", Place("23", "2", None)),
    ("8号楼5层走廊", Place("8", None, None)),
    ("1单元501室", Place(None, "1", "501")),
    ("7棟 燈不亮", Place("7", None, None)),
    ("四栋一单元三零二 暖气不热", Place("4", "1", "302")),  # room said digit by digit
    ("十棟二單元一〇〇五", Place("10", "2", "1005")),
    ("7-902 门铃坏了", Place("7", None, "902")),  # building-room code
    ("6栋 3单元 我家在15楼 1502", Place("6", "3", "1502")),  # bare room once a building is named
    ("Block E, 1703. no water", Place("E", None, "1703")),
    ("bldg 8 #605 the lock is stuck", Place("8", None, "605")),
    ("我家1404 马桶堵了", Place(None, None, "1404")),
    ("第五栋的路灯", Place("5", None, None)),
    ("Ｃ座３单元", Place("C", "3", None)),
]

NONE = [
    "厨房水龙头一直滴水",
    "电梯卡在12楼了",  # a floor, not a building
    "物业费一平米多少钱 2024年涨了吗",
    "call me at 13800138000",
    "下午3点到5点停水",
    "",
    "B1电梯口有人摔倒了",  # a car-park level, not building B
    "两栋楼中间的草坪没人修剪",  # two buildings, not building 2
    "交了1200元物业费",
    "停车位B2-118被占了",
    "明天10:30来修",
    "14楼走廊的灯不亮",
]


BUILDING_BUT_NO_ROOM = [
    ("5栋 交了300元押金", Place("5", None, None)),
    ("8栋 2号车位213被人占了", Place("8", None, None)),
    ("3栋 120平米 物业费多少", Place("3", None, None)),
    ("9栋12楼 走廊灯坏了", Place("9", None, None)),
]


@pytest.mark.parametrize(("text", "expected"), BUILDING_BUT_NO_ROOM)
def test_numbers_that_are_not_rooms(text: str, expected: Place) -> None:
    assert parse_place(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parses_place(text: str, expected: Place) -> None:
    assert parse_place(text) == expected


@pytest.mark.parametrize("text", NONE)
def test_no_place(text: str) -> None:
    assert parse_place(text) is None


def test_classify_carries_the_place() -> None:
    assert classify("3栋2单元501 马桶堵了").place == Place("3", "2", "501")
    assert classify("马桶堵了").place is None


def test_label_reads_back() -> None:
    assert Place("3", "2", "501").label() == "3栋2单元501"
