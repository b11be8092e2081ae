"""Session 13: the owner's description by a third writer, and messages typed short, garbled or in a hurry.

Two blind files, neither trained on (training on either cost an unread set an emergency):
``check-owner-k26`` (regions earlier writers did not use, indirect cuts and floods) scored 0.958 /
0.970 / 0.994 / 0.976 held out, and ``check-garbled-k27`` (typos on the keyword, pinyin, emoji,
fragments) 0.956 / 0.970 / 0.988 / 1.000. What they missed, in general words:
- pinyin of a whole building (zhengdong lou), a typo for the lift (店梯), the lift emoji 🛗 and a light
  bulb crossed out (💡❌); 捉贼 is a cry for help;
- Hokkien 规栋楼拢无电 is a building-wide cut; Shanghainese 跟牢 is 跟着, and 楼梯里 is the stairs, not a lift;
- a hand on the balcony railing at night, someone kicking a door in, a kitchen alarm with a smell;
- a lift whose doors are open with someone lying inside "一动不动" is the person (medical);
- "lifts not moving" is the lifts, not a person; smoke seeping from a door gap is a fire, whoever
  does not answer the door;
- a parent unreachable "从昨天到现在" is a danger now, not a past event;
- 上回, "last spring" and "nothing urgent" make a danger past; "spraying paint" is no water;
- a neighbour's works told by their noise (切瓷砖, 滋滋滋) do not page staff on the model's word alone.

The sentences below are written for these tests, not taken from any example or check file. Those
marked "was …" are read wrongly by the classifier before their fixes (session 12's, commit 1b226b2, for
the k26 and k27 cases; commit 9f8eb1e for k28 and k29; commit 09bc44b for k30 and k31); the others pass
there and guard the same lessons.
"""

from __future__ import annotations

import pytest

from intents import classify
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(("text", "kind"), [
    ("zhengdonglou tingdian le", EmergencyKind.OUTAGE),  # was other
    ("店梯关人了 救命 7栋", EmergencyKind.ELEVATOR),  # was complaint
    ("🛗 困住了 5单元", EmergencyKind.ELEVATOR),  # was other
    ("💡❌ 整个小区 刚才", EmergencyKind.OUTAGE),  # was other
    ("捉贼呀 地库", EmergencyKind.SECURITY),  # was other
])
def test_dangers_typed_short_or_garbled(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(("text", "kind"), [
    ("规栋楼拢无电 电梯也停了 7号楼", EmergencyKind.OUTAGE),  # was other
    ("半夜看到有个人扒在我家阳台栏杆上 三楼", EmergencyKind.SECURITY),  # was complaint
    ("Some guys are kicking in the door of the bike room downstairs right now", EmergencyKind.SECURITY),
    ("厨房墙上的报警器响个不停 有股味", EmergencyKind.GAS),  # was fire
    ("The lifts are not moving and the whole tower lost power suddenly, block 12", EmergencyKind.OUTAGE),  # was medical
    ("对门门缝往外钻烟 敲门也没人开", EmergencyKind.FIRE),
    ("电梯门开着 里面有个人趴着一动不动", EmergencyKind.MEDICAL),  # was repair
    ("想问下快递柜的事。另外有件急事 我爸独居 从昨天晚上到现在电话都没人接 敲门也没动静 6栋302",
     EmergencyKind.MEDICAL),  # was inquiry
])
def test_dangers_told_indirectly_or_in_dialect(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "上回报煤气味 等了快一个钟头",  # was gas
    "楼下在切瓷砖 滋滋滋吵死了",
    "Nothing urgent: since the fire last spring the plug by our fridge looks scorched, please check it this week",  # was fire
    "Kids are spray painting the wall by the car park entrance again",
])
def test_past_scares_and_neighbours_noise_are_no_emergency(text: str) -> None:
    assert_reading(text, None, None)


def test_the_stairs_are_no_lift() -> None:
    """Shanghainese 楼梯里向 (in the stairwell): a stranger there is no one trapped in a lift."""
    assert_reading("有个陌生人跟着我进了单元门 现在在楼梯里转来转去 一家一家敲门", Intent.EMERGENCY,
                   EmergencyKind.SECURITY)  # was elevator


def test_spray_paint_is_no_water() -> None:
    """Vandals at work may be a security matter; their spray is paint, never a flood."""
    reading = classify("teenagers spraying paint on the basement door right now")
    assert reading.emergency is not EmergencyKind.FLOOD, reading.evidence  # was flood


# Two more blind check files, neither trained on. ``check-relayed-k28`` (told by someone else or forwarded)
# scored 0.956 / 0.958 / 0.982 / 0.994 held out: hearsay the writer then sees for themselves (我下去一看 真的在…)
# or that says what is happening now (现在…按胸口 需要AED) is here; a quoted message (我妹的话:"…") is no
# "what if"; a garbage room's stink is no gas; "人早出来了" says nobody is in the lift; blood that will not
# stop (血止不住) is no water. ``check-long-k29`` (long, many-sided letters) scored 0.942 / 0.934 / 0.957 /
# 0.975, the weakest recall of any file: praise or thanks for something else first (然后有个事, "Bad news:",
# "Before anything else") turns to a new matter; a past cut's notice is not this cut's (这次不一样); "不是计划检修"
# denies the plan; "today it's real" after a drill; "瓦斯味是完全没有的" and "nothing is on fire" deny.
@pytest.mark.parametrize(("text", "kind"), [
    ("群里有人说地库配电箱在冒火 我下去一看 真的在冒火星子", EmergencyKind.FIRE),  # was inquiry
    ('转发我妹的话:"一进门全是煤气味" 她现在抱着孩子在楼下 9栋1201', EmergencyKind.GAS),  # was other
    ("听说三号楼篮球场那边有人晕倒了 现在保安在给他按胸口 需要AED", EmergencyKind.MEDICAL),
    ("房客说她朋友切菜割到手了 血止不住 6栋201", EmergencyKind.MEDICAL),
    ("先表扬一下门岗的小伙子 很负责 然后有个事 楼顶水箱好像溢出来了 水顺着楼梯往下流 现在几层楼道都是水 7号楼",
     EmergencyKind.FLOOD),  # was repair
    (("Hi, first the good news: the parcel lockers are great. Bad news: all of block 6 just lost power a few minutes "
      "ago, every floor is dark and the lift stopped"), EmergencyKind.OUTAGE),  # was repair
    ("上次停电你们提前贴了通知 这次不一样 今天下午突然整栋楼停电 一点通知都没有 5号楼", EmergencyKind.OUTAGE),  # was complaint
    (("last month you ran the fire drill and we all joked about it. well today it's real, the bin room behind "
      "block 2 has flames coming out"), EmergencyKind.FIRE),  # was other
    (("Before anything else, thanks for fixing the gate. Now, my neighbour's son is trapped in the lift at B2 and "
      "has been banging for twenty minutes, building 4"), EmergencyKind.ELEVATOR),
    ("说东区三栋楼同时停电了 电梯也都停了 不是计划检修 请马上派人", EmergencyKind.OUTAGE),
])
def test_dangers_relayed_or_told_late_in_a_long_letter(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "保洁阿姨说垃圾房好臭 整个大堂都闻得到",  # was gas
    "刚才问我电梯里还有没有人 没有了 人早出来了 就是电梯还停着",
    "我家热水器打不着火 瓦斯味是完全没有的 点火器一直咔咔响 麻烦派师傅来看看",  # was gas
    "lol ignore my last message, wrong chat, nothing is on fire, we're just grilling on the balcony",
    "上个月我儿子被困在电梯里 是你们师傅救出来的 他现在还总说那个叔叔好厉害 想送面锦旗",  # was elevator
    "The corridor light on the 5th floor of block 2 is out",
])
def test_relayed_denials_and_old_stories_are_no_emergency(text: str) -> None:
    assert_reading(text, None, None)


# The last two check files of the session, neither trained on. ``check-translated-k30`` (learners' and
# translation-app Chinese, Chinglish) scored 0.956 / 0.964 / 0.976 / 0.982 held out, ``check-weather-k31``
# (storms, seasons, the night) 0.948 / 0.970 / 0.976 / 0.994. Their lessons: plain words for water out of
# control (管子断开, 水很大, 一直流下来, 狂喷水), for someone not breathing and for a neighbour unseen for days;
# "cannot fire up" is a stove, "no people inside" an empty lift; fallen branches are no fall; "不是计划的"
# denies a plan and a heat warning's day (预警那天) is no "what if"; 那晚 and 事后 make a flood past; a
# downpipe (雨水管) is no supply pipe; a torch shone at the windows from the bushes at night is a prowler.
@pytest.mark.parametrize(("text", "kind"), [
    ("洗衣机下面的管子断开了,水很大,我关不住", EmergencyKind.FLOOD),  # was repair
    ("泳池里有个小孩呛了很多水,现在不会呼吸了", EmergencyKind.MEDICAL),  # was flood
    ("冻死了 整栋楼暖气和水一起停了 不是计划的 也没通知 3栋", EmergencyKind.OUTAGE),  # was inquiry
    ("高温预警那天 整个3单元突然断电 屋里还有老人", EmergencyKind.OUTAGE),  # was inquiry
    ("深夜有人蹲在绿化带里拿手电照我家窗户 十几分钟了", EmergencyKind.SECURITY),  # was complaint
    ("消防喷淋头冻裂了 现在往走廊狂喷水 5号楼6层", EmergencyKind.FLOOD),  # was repair
    ("楼顶水箱好像破了,水从楼梯上面一直流下来", EmergencyKind.FLOOD),
    ("对门的老大爷四天没有出门了 敲门不开 6栋", EmergencyKind.MEDICAL),
])
def test_dangers_in_plain_or_translated_words_and_in_storms(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "Gas oven cannot fire up, tried many times, no smell of gas",  # was fire
    "Lift in block 7 broken, no people inside, it stay at ground floor door open",  # was elevator
    "Fallen branches from the storm are still lying on the path two days later",  # was medical
    "暴雨那晚没人来帮忙 我们一楼早就进水了 事后也没个说法",  # was flood
    "外墙的雨水管裂开了 下雨一直哗哗响 能修吗",  # was flood
    "楼下烧烤店晚上烟很大 飘进我们家",
])
def test_storm_grievances_and_plain_faults_are_no_emergency(text: str) -> None:
    assert_reading(text, None, None)
