"""A danger likened to a past one ("跟上次漏气那次一样") is here now: the comparison is no "past" word."""

from __future__ import annotations

import pytest

from intents import classify
from intents.labels import EmergencyKind, Intent


@pytest.mark.parametrize(
    "text",
    [
        "燃气表那边的味道跟上次漏气那次一样 我把窗都打开了",
        "厨房那个味道和以前漏气那次一样 我不敢开火",
        "楼道里的味儿像上次煤气泄漏那次 邻居都下楼了",
    ],
)
def test_a_gas_smell_like_the_last_leak_is_a_leak_now(text: str) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, EmergencyKind.GAS)


@pytest.mark.parametrize(
    "text",
    [
        "上次漏气那次你们来得很快 谢谢",  # thanks for the past leak
        "上次漏气那次是怎么处理的",  # asking about it
    ],
)
def test_the_last_leak_itself_is_still_past(text: str) -> None:
    assert classify(text).intent is not Intent.EMERGENCY
