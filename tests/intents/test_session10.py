"""Session 10: what a training file on festivals, weather and animals taught.

Held out, ``examples-more-k18`` (435 lines, 179 emergencies) missed 3 emergencies and raised 4 false
alarms. The shapes behind them, fixed in the lexicon and the classifier before training on it:
- the weather as the one who breaks things: a latch that "broke in the storm" is no break-in, hail
  that 砸穿 a skylight is no vandal, water that 冲进 the garage is no intruder;
- animals and objects as the ones who bite or fall: a rat 咬了个洞 in a net, a lid that "fell off";
- water told by where it goes (雨水往屋里灌, 水从楼顶往下泻, 楼道在进水), and someone who barely
  answers (叫他也不怎么应);
- a firecracker that injured a hand is a medical emergency, not a fire.

Tried and dropped: a flood read by the model alone only where the message speaks of water at all
(水, 淹, "water", "rain", a likeness such as 河 or "fountain"). It fixed one false alarm in the opened
sets (a restaurant dumping oil into a drain) and cost a blind set (`sealed17`, totals only) one
emergency: a missed emergency costs more than a false alarm.

The sentences below are written for these tests, not taken from any example or check file; those
marked "was …" are read wrongly by session 9's classifier.
"""

from __future__ import annotations

import pytest

from intents import classify
from intents.labels import EmergencyKind, Intent
from tests.intents.conftest import assert_reading


@pytest.mark.parametrize(("text", "kind"), [
    ("暴雨 坡上的水直接冲进了地库 还在往里流", EmergencyKind.FLOOD),  # was security: 冲进
    ("鞭炮把我儿子的手炸了 满手是血 在3栋楼下", EmergencyKind.MEDICAL),  # was fire: 炸了
    ("阳台门关不严 雨水哗哗地往屋里灌 地板全湿了 6栋1102", EmergencyKind.FLOOD),
    ("台风把水管扯断了 水从五楼往下泻 楼梯间在进水", EmergencyKind.FLOOD),
    ("huge amount of water coming through the ceiling of my bathroom, flat 502", EmergencyKind.FLOOD),
    ("车棚那边有个老人冻得直发抖 叫他也不怎么应 3栋后面", EmergencyKind.MEDICAL),
])
def test_dangers_told_by_weather_water_and_firecrackers(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)


@pytest.mark.parametrize("text", [
    "the lid fell off the bin by block 4",  # was medical: "fell off"
    "my window latch broke in the storm and it won't close",  # was security: "broke in"
    "储藏室的纸箱被老鼠咬了好几个洞 能不能来灭个鼠",  # was medical: 咬了
    "冰雹把车棚顶砸了几个洞 下雨会漏",
    "地下室的电线被老鼠咬断了 灯不亮",
])
def test_things_broken_by_weather_or_animals_are_no_emergency(text: str) -> None:
    reading = classify(text)
    assert reading.intent is not Intent.EMERGENCY, reading.evidence
    assert reading.emergency is None, reading.evidence


# The check file of questions (check-questions-k19.jsonl, never trained on) brought these: a what-if
# that names a danger ("what do I do if I smell gas") and a question about how often one happened
# are no emergency; a report taken back as a "false alarm" is settled, unless it says it is not one.
@pytest.mark.parametrize("text", [
    "what do i do if i smell gas in the stairwell?",  # was gas: "what do i do" read as distress
    "电梯困人今年一共出过几次?",  # was elevator
    "false alarm!! it was just steam from the shower, no need to come up",
])
def test_questions_that_only_name_a_danger_are_no_emergency(text: str) -> None:
    assert_reading(text, None, None)


@pytest.mark.parametrize(("text", "kind"), [
    ("it's not a false alarm, there's real smoke on the 5th floor landing now", EmergencyKind.FIRE),
    ("家门锁有撬过的痕迹 门半开着 里面还有动静 要不要报警", EmergencyKind.SECURITY),
    ("a stranger keeps following kids near the slide and just tried to grab one, where is security??",
     EmergencyKind.SECURITY),
])
def test_dangers_told_as_questions_still_page(text: str, kind: EmergencyKind) -> None:
    assert_reading(text, Intent.EMERGENCY, kind)
