"""Round i (issue 2): a danger happening now told in another intent's frame — a complaint about
a recurring fault, a repair request, a question — with the look-alikes of the same shape kept
calm (a daily nuisance at it again, a grievance that still rankles, a planned cut, one broken
thing with the danger denied).

The sentences below are written for these tests, not taken from any example or check file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent
from tests.intents.conftest import HERE, assert_reading, trained_copies

# Read by the shared ``check_rows`` fixture (conftest.py).
CHECK_FILE = HERE / "data" / "check-emergency-i.jsonl"


def test_check_file_is_balanced_and_never_trained_on(check_rows: list[dict]) -> None:
    """Written blind before round i changed anything; its first score is the round's honest measure."""
    emergencies = [row for row in check_rows if row["intent"] == "emergency"]
    assert len(emergencies) >= 150
    assert len(check_rows) - len(emergencies) >= 90
    # The blind writer happened to write one everyday question that examples.jsonl already holds
    # word for word (an inquiry, no emergency figure depends on it); the file is kept as written.
    assert trained_copies(check_rows) == ["小区有没有AED 放在哪里"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A recurrence grumbled about, and "this time" the danger is here.
        ("投诉隔壁天天在阳台烧纸 这次烧着了晾衣架 火苗蹿到我家窗户了", EmergencyKind.FIRE),
        ("这破电梯又停了 这回我爸在里面 按铃没人理", EmergencyKind.ELEVATOR),
        ("lift broke down again and this time two kids are inside, please hurry", EmergencyKind.ELEVATOR),
        # An earlier report, and the danger now in the clause "现在" opens.
        ("我上周就反映过楼道电线老化 现在配电箱在冒烟 还有噼啪声", EmergencyKind.FIRE),
        ("上次就说过厨房有煤气味 你们没来 今天味道比上次还冲", EmergencyKind.GAS),
        # The sarcastic 现在好了 ("now look what happened").
        ("天天说要修台阶 现在好了 我妈在台阶上滑倒了 起不来", EmergencyKind.MEDICAL),
        # A repair request around a break-in or a burst happening now.
        ("请帮忙修一下后门的锁 刚才有人把它撬了 那个人现在还在楼道里", EmergencyKind.SECURITY),
        ("could you fix our front door? someone is pushing the door right now and I can't hold it", EmergencyKind.SECURITY),
        ("报修 热水器炸了 水往外冒 地板全泡了", EmergencyKind.FLOOD),
        # A sudden cut asked about, with someone on a ventilator, or "every time" it happens.
        ("问一下 我们整栋突然没电了 家里老人用呼吸机 要停多久啊", EmergencyKind.OUTAGE),
        ("每次都这样 突然全小区停水 也没个通知", EmergencyKind.OUTAGE),
        # Wu 困牢 / 里向, Cantonese 成栋.
        ("阿拉电梯今朝又困牢了 里向有人", EmergencyKind.ELEVATOR),
        ("我哋成栋冇电 仲未有人嚟睇", EmergencyKind.OUTAGE),
    ],
)
def test_a_danger_now_in_another_intents_frame(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize(
    "text",
    [
        # A daily nuisance at it again, a rubbish smell, a past breakdown, a grievance that rankles.
        "楼下每天烧纸 现在又在烧 烟味很重 烦死了",
        "垃圾房天天臭得要命 熏得我家都是味 能不能多清几次",
        "上周电梯坏了一下午 我爬了二十层 你们也不提前说一声",
        "上个月那次停水 到现在还有意见 谁来赔我的损失",
        "昨天停电电梯困了半小时 你们才来 太慢了",
        # A planned cut asked about, in Mandarin and Cantonese (听日 = tomorrow).
        "请问下周二计划停电要停多久",
        "听日成个屋苑停水 几点开始",
        # One broken thing, the danger denied; an empty lift "this time".
        "家里一个插座没电了 其他都正常 不冒烟",
        "电梯又坏了 这回没人在里面 麻烦尽快修",
        # Incense, hearsay asked about, praise for how a past cut was handled.
        "楼下天天烧香 烟味飘到我家 很烦",
        "群里有人说小区进贼了 是真的吗",
        "这次停电物业处理得很及时 点赞",
        "the bins smell again this time, worse than last week, please empty them",
    ],
)
def test_look_alikes_of_the_same_shape_stay_calm(text: str) -> None:
    assert_reading(text, None, None)
