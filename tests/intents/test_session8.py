"""Session 8: what a training file of group-chat slang, hyperbole and emoji taught.

Held out, ``examples-more-k16`` kept emergency recall (0.992) but lost precision (0.906): residents
exaggerate. 救命, 炸了, 着火了 and "on fire" are said of noise, food and chat groups; a smoke alarm's
name read as a call to the police; a TV drama's lift rescue read as one happening here. The look-alikes
must not page the duty staff, and the real dangers told in the same words must still do so.

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize("text", [
    "救命 楼上装修又炸了 吵死了",              # noise, not an explosion
    "隔壁钻墙 我耳朵都炸了 能不能管管",
    "今天这火锅辣得我嘴巴着火了",                # food
    "the residents group chat is on fire about the new parking fee",
    "honestly the app is a dumpster fire, it logged me out again",
    "快递又丢了 心态崩了",                       # slang, not a burst pipe
    "窗户关不严 一刮风冷风往里灌",               # wind, not water
    "电梯坏了一个礼拜 我每天爬到怀疑人生",         # stairs, not a climber
    "昨晚追剧 看到电梯困人那段吓死我了",           # fiction
])
def test_hyperbole_and_fiction_do_not_page_the_duty_staff(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(("text", "kind"), [
    ("配电房刚才炸了 整栋楼都没电了", EmergencyKind.OUTAGE),
    ("楼下车棚电动车炸了 冒黑烟", EmergencyKind.FIRE),
    ("走廊烟雾报警一直响 这回真有烟 一股焦糊味 7栋", EmergencyKind.FIRE),   # a fire alarm, not the police
    ("装修工人被电锯划到了 血喷出来了 2栋1203 快来人", EmergencyKind.MEDICAL),
])
def test_the_same_words_for_a_real_danger_still_page(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)
