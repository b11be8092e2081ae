"""Session 9: what a training file of compound, second-hand and forwarded messages taught.

Held out, ``examples-more-k17`` missed 6 of 170 emergencies, and each miss had the same shape. First
comes a notice, a drill, a planned cut, hearsay or a daily habit. Then the message turns to what is
happening now, and the first matter cancelled the danger told after it:
- 通知说是下午 可现在才上午 … 电梯就停了 我爸妈在里面 (a notice's time contradicted)
- 收到停电通知了 那个先不说 … 楼上阳台有东西在烧 (a matter set aside with 那个)
- 群里有人说… 就是我们这层 … 走廊淹到脚踝了 (hearsay confirmed first-hand)
- "I video-call them every evening. Tonight … she fell" (a habit, then tonight)

A few look-alikes it also brought are below: emergency lights, a hole burnt in a shirt, a sewage smell.

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import classify, kind_told
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(("text", "kind"), [
    ("物业通知说周五停水 可今天才周二 整栋楼突然一滴水都没有了", EmergencyKind.OUTAGE),
    ("收到演练通知了 那个先不说 楼下车库冒黑烟 一股烧焦味", EmergencyKind.FIRE),
    ("业主群里有人说闻到煤气味 我也闻到了 就在我们这层楼道", EmergencyKind.GAS),
    ("群里有人说好像有人在撬门 就是我们这层 现在还在撬", EmergencyKind.SECURITY),
    ("The lift service was announced for Thursday, but now the lift stopped between floors and my son is inside",
     EmergencyKind.ELEVATOR),
    ("I check on my grandma every evening. Tonight she is lying on the kitchen floor and can't get up",
     EmergencyKind.MEDICAL),
])
def test_a_danger_told_after_a_notice_hearsay_or_habit_pages(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "那个着火的视频是电影片段 大家别转了",
    "The emergency lights in the stairwell of block 3 are broken",
    "阳台晾的衣服被楼上扔的烟头烫了个洞",
    "the stairwell smells like sewage since the cleaner poured mop water down the drain",
    "I want to complain about last Friday's power cut, nobody answered the phone",
    "替我婆婆说一声 她家门口的灯坏了",         # 说一声 is no bang
    "收到停电通知了 那个先不说 物业费什么时候交",  # the matter set aside is no danger, nor what follows
    "I jog past the pond every evening. Tonight the fountain is finally working again",
])
def test_look_alikes_do_not_page_the_duty_staff(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(("text", "told"), [
    ("楼道里全是烟", True),
    ("人晕倒了", True),
    ("电梯卡住了 我被困在里面", True),
    ("整栋楼都停电了", True),
    ("快点来啊", False),   # an alarm: the kind is the model's guess
    ("救命啊", False),
])
def test_kind_told_tells_words_of_the_kind_from_a_bare_alarm(text: str, told: bool) -> None:
    reading = classify(text)
    assert reading.intent is Intent.EMERGENCY, reading.evidence
    assert kind_told(reading) is told, reading.evidence


def test_kind_told_is_false_without_an_emergency() -> None:
    assert kind_told(classify("厨房水龙头漏水")) is False
