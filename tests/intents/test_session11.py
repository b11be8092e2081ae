"""Session 11: what a training file on alarms, sensors, apps and cameras taught.

Held out, ``examples-more-k20`` (420 lines, 168 emergencies) missed 5 emergencies, raised 10 false
alarms and named the wrong kind for 16 of those it caught (0.926 / 0.970 / 0.942 / 0.902). Most of it
was one word: 报警 was read as "call the police" (security) wherever a device 报警s. The fixes:
- a device that 报警s (a fall-alert watch, a baby monitor, a leak sensor, the lobby's alarm panel, a
  water tank, a gas alarm) is not security: what the alarm is about names the kind;
- "fire alarm" and "fire panel" are not fire on their own (like 烟雾报警器, they count only beside
  smoke or flames), and 火灾报警按钮 is a button;
- a gas alarm sounding (燃气报警响了) is a sign of gas; someone lying against a door (趴在门上) is
  a prowler; 眼前发黑, 站不住, 脸发紫 are someone unwell;
- an app's 请及时处理 is no thanks for a repair done.

Training on k20 then taught the model that saying where one is (我在上班, 我在外地: the resident
watching a camera from elsewhere) means danger: "我在地铁上" became a medical emergency.
``examples-more-k20-tuner`` says where residents are with nothing wrong.

A second file, on understatement and politeness (``check-understated-k21``), scored 0.944 / 0.952 /
0.982 / 1.000 held out; after the fixes below 0.961 / 0.982 / 0.994 / 1.000. A third, on what one
hears, smells and sees (``check-senses-k22``), scored 0.931 / 0.989 / 0.927 / 0.978; after its fixes
0.948 / 0.994 / 0.962 / 0.994. Trained on, each cost a blind set an emergency, so both stay check
files (test_check_files.py).

The sentences below are written for these tests, not taken from any example or check file; those
marked "was …" are read wrongly by session 10's classifier.
"""

from __future__ import annotations

import pytest

from intents import classify
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(("text", "kind"), [
    ("爷爷的跌倒手表报警了 我打电话过去他说摔在卫生间起不来 7栋402", EmergencyKind.MEDICAL),  # was security
    ("婴儿监控器报警 孩子脸发紫 我们在往楼下跑 2单元", EmergencyKind.MEDICAL),  # was security
    ("水箱报警了 水顺着楼梯往下淌 淌到一楼大堂了 5号楼", EmergencyKind.FLOOD),  # was security
    ("家里燃气报警响了 厨房味道很冲 10栋301", EmergencyKind.GAS),
    ("门口摄像头拍到一个男的趴在我家门上听 还没走 4栋2单元", EmergencyKind.SECURITY),  # was repair
    ("整栋楼突然停电了 大堂的fire panel一直在叫 Tower 6", EmergencyKind.OUTAGE),  # was fire
    ("楼道喷淋头爆了 走廊里一直在喷水 8栋3楼", EmergencyKind.FLOOD),
])
def test_dangers_told_through_a_device(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "大堂那个报警主机一直闪红灯 是什么意思",
    "我妈的手表又乱报警了 人好好的在打牌",  # was security
    "the fire alarm on our floor went off three times this week for nothing, please check it",  # was fire
    "楼道里的火灾报警按钮被小孩按碎了 没有火",  # was fire
    "地库的水浸报警线好像断了 B2电梯口",  # was flood
    "我在地铁上 信号不好 等会儿说",  # was elevator
])
def test_alarms_without_a_danger_are_no_emergency(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(("text", "kind"), [
    ("不好意思打扰了 我在3号楼电梯里 停在两层中间 门打不开 我人没事 不急", EmergencyKind.ELEVATOR),  # was other
    ("请问一下 楼道里有个人挨家挨户推门 现在还在 11栋", EmergencyKind.SECURITY),
])
def test_dangers_told_politely_still_page(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


def test_a_denied_gas_leak_is_no_gas_emergency() -> None:
    reading = classify("热水器打不着火 闻了一下没有味道 应该不是漏气 5栋")
    assert reading.intent is not Intent.EMERGENCY, reading.evidence


# The check file of the senses (check-senses-k22.jsonl, never trained on) brought these: hissing from
# a cistern is no gas, one dead socket is no building cut; a thud then a weak call for help is someone
# unwell, knocking from the lift shaft is someone trapped, someone "being hit" is an assault.
@pytest.mark.parametrize("text", [
    "马桶水箱一直嘶嘶响 2栋1单元301",  # was gas
    "厨房插座没电了 9栋",  # was outage
])
def test_sounds_and_dead_sockets_that_are_repairs(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(("text", "kind"), [
    ("楼上咣一声 然后听到老人有气无力地喊人 12栋", EmergencyKind.MEDICAL),  # was elevator
    ("faint knocking from the lift shaft, the display is dark, block 5", EmergencyKind.ELEVATOR),  # was medical
    ("screaming next door, sounds like someone is being hit, flat 702", EmergencyKind.SECURITY),  # was medical
])
def test_dangers_told_by_what_is_heard(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)
