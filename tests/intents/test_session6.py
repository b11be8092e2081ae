"""Session 6: what two more helper-written training files taught when they were held out.

- A first matter set aside or outranked (先不吵这个, 这个先放着, 更要紧的是, but more importantly)
  changes the subject: a danger told after it is read on its own.
- Wording the lexicon lacked: air conditioners all stopping at once in a building, someone
  "inside" a stopped lift in Wu (里厢), water coming "like a sluice opened", a person who "isn't
  moving", a fit (抽过去了), a door lock core smashed with someone rummaging inside.
"""

from __future__ import annotations

import pytest

from intents import classify
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("物业费的事先不吵这个了 地库B1那辆电动车电池在冒火花 旁边还有车", EmergencyKind.FIRE),
        ("想问下装修垃圾什么时候清 这个先放着 我们单元一楼管井在往外喷水 地上全是", EmergencyKind.FLOOD),
        ("the parcel locker ate my code again, but more importantly a man is lying by the bike shed and isn't moving",
         EmergencyKind.MEDICAL),
    ],
)
def test_a_danger_after_a_matter_set_aside_is_read_on_its_own(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_a_matter_set_aside_with_nothing_after_it_is_not_an_emergency() -> None:
    result = classify("上个月楼道着火的事先不说了 现在想问下物业费能不能开发票")
    assert result.intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("12栋 家家户户的空调一起停了 楼道灯也黑了", EmergencyKind.OUTAGE),
        ("电梯里厢有人 停着不动 门也不开 7号楼", EmergencyKind.ELEVATOR),
        ("地库入口那根管子断了 水像开了闸一样往里灌", EmergencyKind.FLOOD),
        ("爷爷突然抽过去了 手脚一直在抖 叫不应", EmergencyKind.MEDICAL),
        ("回家发现锁芯被撬烂了 屋里有人在翻抽屉", EmergencyKind.SECURITY),
    ],
)
def test_wording_the_lexicon_lacked(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_buttons_not_responding_are_no_medical_emergency() -> None:
    result = classify("the lobby intercom buttons are not responding, can someone fix it")
    assert result.intent is Intent.REPAIR



@pytest.mark.parametrize(
    "text",
    [
        "the clubhouse sauna heater isn't getting hot",   # an English fault report the model alone over-read
        "有人在电梯里小便 监控肯定拍到了 你们查不查",          # someone in the lift doing something, not trapped
        "楼下挨家挨户发传单的 一直敲门 很烦",                 # a door-to-door nuisance told as a grumble
    ],
)
def test_look_alikes_are_not_emergencies(text: str) -> None:
    assert_reading(text, None, None)
