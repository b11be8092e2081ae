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
]

NONE = [
    "厨房水龙头一直滴水",
    "电梯卡在12楼了",  # a floor, not a building
    "物业费一平米多少钱 2024年涨了吗",
    "call me at 13800138000",
    "下午3点到5点停水",
    "",
    "B1电梯口有人摔倒了",  # a car-park level, not building B
]


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
