"""Table-driven cases: one group per labels.md intent, emergency kind and borderline rule.

The sentences are written for these tests (not taken from the shared dev set or from the
training examples), in the ways residents really write: simplified and traditional
Chinese, English, mixtures, no punctuation, typos, emoji.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent, classify

E = Intent.EMERGENCY

EMERGENCIES = [
    # fire: fire, smoke, burning smell with smoke
    ("8栋楼道起火了 浓烟往上冒 快来人", EmergencyKind.FIRE),
    ("my neighbour's kitchen is on fire, flames out of the window, block 4", EmergencyKind.FIRE),
    ("樓下垃圾桶著火了 煙很大", EmergencyKind.FIRE),
    # elevator: people trapped in a lift
    ("电梯卡在8楼 我儿子在里面出不来", EmergencyKind.ELEVATOR),
    ("I'm stuck in the lift at tower 2 with my dog please help", EmergencyKind.ELEVATOR),
    ("电悌困人了 3号楼 快点", EmergencyKind.ELEVATOR),  # typo 电悌
    # gas: gas smell or leak
    ("楼道燃气味好重 四楼最浓", EmergencyKind.GAS),
    ("strong smell of gas in the corridor outside 1204", EmergencyKind.GAS),
    # flood: burst pipe, water pouring in, flooding
    ("水管爆了 水喷了一屋子 关不住", EmergencyKind.FLOOD),
    ("the car park is flooding after the storm, water up to the wheels", EmergencyKind.FLOOD),
    # outage: sudden cut for a building or the community
    ("整栋楼突然停电了 电梯都停了", EmergencyKind.OUTAGE),
    ("the whole building just lost water, no notice at all", EmergencyKind.OUTAGE),
    # security: break-in in progress, fight, threat
    ("有人正在撬我家门 我在家里不敢出声", EmergencyKind.SECURITY),
    ("two guys fighting in the lobby of block B, one has a knife", EmergencyKind.SECURITY),
    # medical: someone injured, collapsed or unwell now
    ("小区门口有个老人晕倒了 叫不醒", EmergencyKind.MEDICAL),
    ("a child fell off the climbing frame and is bleeding from the head", EmergencyKind.MEDICAL),
    # no punctuation, emoji, full-width
    ("救命🆘着火了快来人五栋", EmergencyKind.FIRE),
    ("ＨＥＬＰ ｓｏｍｅｏｎｅ ｃｏｌｌａｐｓｅｄ ｉｎ ｔｈｅ ｇｙｍ", EmergencyKind.MEDICAL),
    # dialect, homophones, pinyin, indirect wording
    ("部𨋢停咗 我哋喺入面出唔到", EmergencyKind.ELEVATOR),  # Cantonese
    ("俺家屋里一股子煤气味儿 咋整", EmergencyKind.GAS),  # northern
    ("屋头的水管子爆了 到处都是水", EmergencyKind.FLOOD),  # south-western
    ("dianti kunren le 5 dong", EmergencyKind.ELEVATOR),  # pinyin
    ("厨房一股臭鸡蛋的味道 越来越浓", EmergencyKind.GAS),  # no word for gas at all
    ("不是演习 楼道里真的全是烟", EmergencyKind.FIRE),  # "not a drill" cancels the drill
    ("对门的老人三天没出门了 敲门没人应", EmergencyKind.MEDICAL),  # welfare check
    ("有人在车库一辆一辆地划车 还没走", EmergencyKind.SECURITY),
]


@pytest.mark.parametrize(("text", "kind"), EMERGENCIES)
def test_emergency_and_kind(text: str, kind: EmergencyKind) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (E, kind), result.evidence


INTENTS = [
    # repair: something broken, home or public area
    ("卫生间地漏堵了 水下不去", Intent.REPAIR),
    ("楼道灯坏了好几天 晚上很黑", Intent.REPAIR),
    ("the entry phone at the front gate doesn't work", Intent.REPAIR),
    ("滑梯有块板子松了", Intent.REPAIR),
    # complaint: service, staff, neighbour, environment
    ("楼上邻居天天半夜蹦迪 太吵了", Intent.COMPLAINT),
    ("保安态度太差了 对老人大呼小叫", Intent.COMPLAINT),
    ("the bins by block 3 have not been emptied for days and it stinks", Intent.COMPLAINT),
    ("有人在草坪遛狗不捡狗屎", Intent.COMPLAINT),
    # renovation: the resident's own works
    ("我家准备装修 要去物业办什么手续", Intent.RENOVATION),
    ("装修押金验收后多久能退", Intent.RENOVATION),
    ("can my workers start drilling at 8am on Saturday?", Intent.RENOVATION),
    # inquiry: information, not their own renovation
    ("物业费可以用微信交吗", Intent.INQUIRY),
    ("物业办公室周日上班吗", Intent.INQUIRY),
    ("where do I collect my parcels?", Intent.INQUIRY),
    ("中秋节小区有什么活动", Intent.INQUIRY),
    # other: greetings, thanks, chit-chat, tests, gibberish
    ("你好", Intent.OTHER),
    ("谢谢 辛苦了", Intent.OTHER),
    ("thanks so much!", Intent.OTHER),
    ("今天天气不错", Intent.OTHER),
    ("qwertyuiop", Intent.OTHER),
    ("👍👍", Intent.OTHER),
]


@pytest.mark.parametrize(("text", "intent"), INTENTS)
def test_intent(text: str, intent: Intent) -> None:
    result = classify(text)
    assert result.intent == intent, result.evidence
    assert result.emergency is None


BORDERLINE = [
    # "Danger now beats everything": a broken lift is repair, someone trapped is emergency.
    ("电梯坏了", Intent.REPAIR),
    ("电梯坏了里面有人出不来", E),
    ("the lift is broken again, nobody inside, we're taking the stairs", Intent.REPAIR),
    ("电梯停了 里面没人 就是大家得爬楼", Intent.REPAIR),
    # "A report of a fault is repair even when phrased as a question".
    ("我家没热水了是怎么回事?", Intent.REPAIR),
    ("why does my kitchen light keep flickering?", Intent.REPAIR),
    # "Unhappy about how a fault is being handled" is complaint.
    ("报修三天了还没人来", Intent.COMPLAINT),
    ("I reported the leak two weeks ago and nobody came", Intent.COMPLAINT),
    # Someone else's renovation is complaint; one's own is renovation.
    ("隔壁装修天天电钻 吵死了", Intent.COMPLAINT),
    ("楼上装修的垃圾堆在楼道里好几天了", Intent.COMPLAINT),
    ("我家装修可以周末施工吗", Intent.RENOVATION),
    # Planned outage question is inquiry; sudden building-wide cut is emergency; one flat is repair.
    ("明天停水吗?", Intent.INQUIRY),
    ("下周停电检修是几点到几点", Intent.INQUIRY),
    ("整栋楼突然没水了", E),
    ("就我家没水 邻居家都有", Intent.REPAIR),
    # Past events and thanks are not emergencies.
    ("上周电梯困人那次保安来得真快 谢谢", Intent.OTHER),
    ("昨天车库着火多亏你们 点赞", Intent.OTHER),
    # Drills and notices are not emergencies.
    ("周五的消防演练要全体下楼吗", Intent.INQUIRY),
    # Bills vs leaks.
    ("燃气费在哪里交", Intent.INQUIRY),
    ("水管一直滴水 不急 有空来看看", Intent.REPAIR),
    # Hypothetical questions are inquiries.
    ("如果电梯困人了应该打哪个电话", Intent.INQUIRY),
    # Negations.
    ("烟感一直响 但没有冒烟 应该是坏了", Intent.REPAIR),
    ("燃气灶打不着火 也没闻到燃气味", Intent.REPAIR),
    # A notice acknowledged, a lamp out, a drill asked about, a welfare question.
    ("停电通知收到了 谢谢提醒", Intent.OTHER),
    ("路灯坏了 东门那一段全黑", Intent.REPAIR),
    ("is that alarm just a drill? there's no smoke anywhere", Intent.INQUIRY),
    ("万一电梯困人 按哪个按钮", Intent.INQUIRY),
    # Habitual nuisance, staff inaction, near misses: complaints, not emergencies.
    ("隔壁每天在楼道烧纸 呛得我们咳嗽", Intent.COMPLAINT),
    ("看到有人偷快递 保安也不管", Intent.COMPLAINT),
    ("楼上扔下来的花盆差点砸到我", Intent.COMPLAINT),
]


@pytest.mark.parametrize(("text", "intent"), BORDERLINE)
def test_borderline_rule(text: str, intent: Intent) -> None:
    result = classify(text)
    assert result.intent == intent, result.evidence
    assert (result.emergency is not None) == (intent is E)


def test_alternatives_start_with_the_chosen_intent_and_sum_to_one() -> None:
    result = classify("楼道灯不亮 是不是要报修")
    assert result.alternatives[0][0] == result.intent
    assert result.alternatives[0][1] == result.confidence
    assert {intent for intent, _ in result.alternatives} == set(Intent)
    assert sum(p for _, p in result.alternatives) == pytest.approx(1.0, abs=0.01)
    assert [p for _, p in result.alternatives] == sorted((p for _, p in result.alternatives), reverse=True)


def test_evidence_names_the_cues() -> None:
    result = classify("电梯困人了")
    assert any("elevator" in item for item in result.evidence)


def test_deterministic() -> None:
    texts = ["电梯坏了里面有人出不来", "物业费怎么交", "隔壁装修太吵", "hello", "水管爆了"]
    first = [classify(t) for t in texts]
    assert [classify(t) for t in reversed(texts)][::-1] == first
