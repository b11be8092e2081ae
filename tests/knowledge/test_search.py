"""The matcher answers residents' questions from any handbook, and declines what it does not cover."""

from __future__ import annotations

import dataclasses

import pytest

from knowledge import BUNDLED_HANDBOOK, EMERGENCY_KINDS, Answer, Handbook, lexicon, load_handbook
from knowledge.search import DEFAULT_TUNING, Matcher
from knowledge.text import DOMAIN_WORDS, emergencies, kinds, normalise, situations
from tests.knowledge.conftest import WriteHandbook

ANSWERED = {
    "物业费在哪交": "物业费怎么交?",
    "請問物業費怎麼繳": "物业费怎么交?",            # traditional characters
    "物页费能在app上交吗": "物业费怎么交?",         # typo 物页
    "how can I pay the property fee": "物业费怎么交?",
    "管理费一平米多少钱": "物业费收费标准",          # 管理费 = 物业费
    "停车位一个月多少钱": "停车费多少钱?",
    "装修压金交多少": "装修押金多少?",              # typo 压金, amount
    "装修押金什么时候能拿回来": "装修押金怎么退?",    # refund, not amount
    "When do I get my renovation deposit back": "装修押金怎么退?",
    "周末可以装修吗": "装修时间有什么规定?",
    "家里要装修需要准备什么材料": "装修要办什么手续?",
    "电梯卡住了我被关在里面": "电梯困人怎么办?",
    "I'm stuck in the elevator": "电梯困人怎么办?",
    "厨房有很重的煤气味": "闻到燃气味怎么办?",
}

DECLINED = [
    "小区有游泳池吗",
    "附近哪家银行可以办信用卡",
    "今天天气怎么样",
    "帮我写一首关于春天的诗",
    "what is the capital of France",
    "asdfghjkl",
    "谢谢",
]


@pytest.mark.parametrize(("question", "title"), ANSWERED.items(), ids=ANSWERED.keys())
def test_question_is_answered_by_the_right_entry(mini: Handbook, question: str, title: str) -> None:
    found = mini.answer(question)
    assert found is not None, f"declined {question!r}; best: {mini._matcher.scores(question)[:2]}"
    assert found.title == title


@pytest.mark.parametrize("question", DECLINED)
def test_question_outside_the_handbook_is_declined(mini: Handbook, question: str) -> None:
    assert mini.answer(question) is None


def test_answer_carries_entry_text_score_and_alternatives(mini: Handbook) -> None:
    found = mini.answer("装修押金怎么退")
    assert isinstance(found, Answer)
    assert found.text == found.entry.answer and found.text.startswith("装修完工验收合格后")
    assert 0.0 < found.score <= 1.0
    assert all(title != found.title and 0 <= score <= 1 for title, score in found.alternatives)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.score = 1.0  # type: ignore[misc]


def test_exact_title_scores_higher_than_a_vague_question(mini: Handbook) -> None:
    exact = mini.answer("装修押金怎么退?")
    vague = mini.answer("押金退")
    assert exact is not None and vague is not None
    assert exact.score >= vague.score


def test_matcher_works_on_an_unrelated_handbook(write_handbook: WriteHandbook) -> None:
    """Nothing is tuned to property vocabulary: a school-library handbook works too."""
    folder = write_handbook({"lib.md": (
        "# 借阅\n\n## 一次能借几本书?\n\n每位读者一次最多借 5 本,期限 30 天。\n\n"
        "## 图书逾期不还怎么办?\n\n逾期每本每天罚款 0.1 元,超过 60 天暂停借阅资格。\n\n"
        "## 阅览室几点开门?\n\n阅览室周一至周五 8:00–21:00 开放,周末 9:00–17:00。\n\n"
        "## 丢了图书要赔吗?\n\n遗失图书按原价两倍赔偿,可以买同版本新书代替。\n"
    )})
    library = load_handbook(folder)
    assert (found := library.answer("一个人最多能借多少本")) is not None and found.title == "一次能借几本书?"
    assert (found := library.answer("书过期了没还会罚钱吗")) is not None and found.title == "图书逾期不还怎么办?"
    assert (found := library.answer("周六阅览室开吗")) is not None and found.title == "阅览室几点开门?"
    assert library.answer("食堂今天有什么菜") is None


def test_threshold_is_calibrated_per_handbook_within_bounds(mini: Handbook) -> None:
    threshold = mini._matcher.threshold
    assert DEFAULT_TUNING.threshold_floor <= threshold <= DEFAULT_TUNING.threshold_ceiling


def test_a_stricter_tuning_declines_more(mini: Handbook) -> None:
    question = "停车一个月多少"   # answered, but not with full confidence
    usual = mini.answer(question)
    assert usual is not None and usual.score < 0.99
    strict_tuning = dataclasses.replace(DEFAULT_TUNING, threshold_floor=0.99, threshold_ceiling=1.0)
    strict = Matcher(mini.entries, strict_tuning)
    assert strict.answer(question) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("请问物业管理费怎么交呀?", ("物业费怎么交",)),
    ("停車位", ("车位",)),
    ("压金", ("押金",)),
    ("How do I pay the management fee?", ("缴费", "物业费")),
    ("{{hotline}} **粗体**", ("粗体",)),
    ("了解一下申请流程", ("了解申请流程",)),
    ("物业办公室在几号楼啊", ("物业哪里",)),          # 在 + 几号楼→哪里 is 在哪里, folded again
    ("喂 我不知道物业费怎么交", ("物业费怎么交",)),    # voice-typed padding
    ("取暖费", ("采暖费",)),
    ("天然气费", ("燃气费",)),  # natural gas is gas: not the typo fold 然气→燃气 inside it (天燃气费)
    ("然气费", ("燃气费",)),    # while the typo alone is still folded
    ("When is the rubbish collected?", ("时间", "垃圾", "清运")),  # not "collect" a parcel
])
def test_normalise_folds_variants_to_one_form(text: str, expected: tuple[str, ...]) -> None:
    assert normalise(text) == expected


# A community the matcher was never developed on, in another house style: topic titles, heating,
# few aliases. Questions describe situations in words the handbook does not use.
UNSEEN = """# 冬季供暖

## 供暖时间
别名: 什么时候来暖气

本小区集中供暖期为每年11月15日至次年3月15日,遇寒潮可提前开栓,提前3天在公告栏通知。

## 暖气不热怎么办?

先检查户内阀门是否全开、暖气片是否需要排气。仍不热请拨打服务中心电话 6688 1234,工程人员24小时内上门测温。

## 采暖费怎么收?

采暖费按建筑面积每平方米每季 25 元收取,在服务中心或物业App缴纳,11月30日前交清。

# 出入与停车

## 访客车辆

来访车辆在东门岗亭登记车牌后可临时停放,前2小时免费,之后每小时3元,当日24点前须驶离。

## 门禁卡补办

门禁卡遗失请带身份证到服务中心补办,工本费20元,旧卡当场注销。

# 装修

## 装修押金金额

装修前需交装修押金3000元,垃圾清运费按面积另收。

## 装修押金退还

装修完工验收合格满3个月、无违规记录的,凭收据到服务中心办理退还,10个工作日内原路退回。

# 停车与水电

## 停车收费

地下车位月租每月 300 元;临时停车首小时免费,之后每小时 5 元,每日封顶 40 元。

## 车牌登记

新车或换车请带行驶证和身份证到服务中心登记车牌,登记后次日起道闸自动识别。

## 水费缴纳

水费由自来水公司收取,每两个月抄表一次,可在支付宝生活缴费或营业厅缴纳。

## 停水通知

计划停水会提前24小时在单元门口和业主群张贴通知,突发停水请拨打服务中心电话。
"""

UNSEEN_ANSWERED = {
    "家里暖气一点都不热": "暖气不热怎么办?",
    "暖气片冰凉的找谁": "暖气不热怎么办?",          # a situation: cold radiator → 不热
    "今年几号开始来暖气": "供暖时间",
    "取暖费一平米多少钱": "采暖费怎么收?",            # 取暖费 = 采暖费
    "my friend is visiting by car, where can he park": "访客车辆",
    "门卡丢了怎么办": "门禁卡补办",
    "I lost my key card": "门禁卡补办",
    "装修押金要交多少": "装修押金金额",              # near twins: amount ...
    "装完了押金怎么拿回来": "装修押金退还",          # ... and refund
    "when do I get my deposit back": "装修押金退还",
    # confusable pairs: parking fee vs. plate registration, water bill vs. water cut
    "停车一个月多少钱": "停车收费",
    "临时停一下收钱吗": "停车收费",
    "how much is parking per hour": "停车收费",
    "换了新车进不去车库": "车牌登记",
    "I changed my car, how do I update the plate": "车牌登记",
    "車牌怎麼登記": "车牌登记",
    "how do I pay the water bill": "水费缴纳",
    "is there a water cut tomorrow": "停水通知",
    "家里没水了是不是停水了": "停水通知",
    # English and homophones of an older northern estate (round four)
    "the radiator in my bedroom is cold": "暖气不热怎么办?",
    "when does the heating come on": "供暖时间",
    "暖器一点都不热": "暖气不热怎么办?",
}

UNSEEN_DECLINED = ["小区有游泳池吗", "燃气怎么开户", "附近有什么好吃的", "物业经理的手机号是多少", "停车位能买吗"]


@pytest.fixture
def unseen(write_handbook: WriteHandbook) -> Handbook:
    return load_handbook(write_handbook({"handbook.md": UNSEEN}))


@pytest.mark.parametrize(("question", "title"), UNSEEN_ANSWERED.items(), ids=UNSEEN_ANSWERED.keys())
def test_an_unseen_handbook_answers_described_situations(unseen: Handbook, question: str, title: str) -> None:
    found = unseen.answer(question)
    assert found is not None, f"declined {question!r}; best: {unseen._matcher.scores(question)[:2]}"
    assert found.title == title


@pytest.mark.parametrize("question", UNSEEN_DECLINED)
def test_an_unseen_handbook_declines_what_it_lacks(unseen: Handbook, question: str) -> None:
    assert unseen.answer(question) is None


def test_described_situation_is_what_finds_the_entry(unseen: Handbook) -> None:
    """Without the situation lexicon's topic words the visitor question has nothing to stand on."""
    question = "朋友开车来玩车停哪"   # 朋友 → 访客, 车停哪 → 停车; the handbook says 来访车辆
    assert any("访客" in topic for _, topic in situations(question))
    # Learned associations and the topic bridge off too: they find the same entry from the same
    # words (朋友, 开车) or from other communities' questions like it.
    without = Matcher(unseen.entries, dataclasses.replace(DEFAULT_TUNING, expansion_cap=0.0, bridge_weight=0.0),
                      associations={})
    (best, entry), (second, _) = unseen._matcher.scores(question)[:2]
    assert entry.title == "访客车辆" and best > 1.5 * second
    plain = without.scores(question)
    assert not plain or plain[0][0] < best / 2


def test_situation_words_add_at_most_their_own_weight(unseen: Handbook) -> None:
    """A situation phrase cannot make a question about something else sure of an entry."""
    matcher = unseen._matcher
    generous = Matcher(unseen.entries, dataclasses.replace(DEFAULT_TUNING, expansion_cap=100.0))
    question = "车库里太冷了"   # 太冷 is a heating situation, but the handbook heats flats, not the garage
    assert matcher.confidence(matcher.scores(question)) < generous.confidence(generous.scores(question))
    assert generous.answer(question) is not None   # unbounded, the situation alone would answer
    assert matcher.answer(question) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("装修押金什么时候退", {"time", "refund"}),
    ("停车费多少钱", {"amount"}),
    ("How much is the parking fee?", {"amount"}),
    ("小区里能不能养狗", {"rule"}),
    ("物业电话是多少", {"contact", "amount"}),
    ("访客停车", set()),                 # a topic title says no kind, and is not judged by one
])
def test_kinds_say_what_a_question_or_title_asks_for(text: str, expected: set[str]) -> None:
    assert kinds(text) == expected


def test_a_title_of_another_kind_loses_to_its_near_twin(unseen: Handbook) -> None:
    no_kinds = Matcher(unseen.entries, dataclasses.replace(DEFAULT_TUNING, kind_penalty=0.0))
    question = "押金多久能退"
    scored = {e.title: s for s, e in unseen._matcher.scores(question)}
    plain = {e.title: s for s, e in no_kinds.scores(question)}
    # The refund entry's lead over the amount entry grows when the asked kind is used.
    assert scored["装修押金退还"] - scored["装修押金金额"] > plain["装修押金退还"] - plain["装修押金金额"]


def test_situation_lexicon_is_broad_and_specific() -> None:
    """Hundreds of situation words; none a single character, which would fire on unrelated questions."""
    words = [w for situation_words, _ in lexicon.SITUATIONS for w in situation_words.split()]
    assert len(words) >= 400 and len(lexicon.CONCEPTS) >= 500
    assert not [w for w in words if len(w) < 2]
    assert all(topic.split() for _, topic in lexicon.SITUATIONS)


def test_english_glossary_has_no_dead_entries() -> None:
    """A word that is both a stopword and glossed would silently never be glossed."""
    assert not set(lexicon.ENGLISH) & lexicon.ENGLISH_STOPWORDS
    assert all(key == key.lower().strip() for key in lexicon.ENGLISH)


def test_a_domain_word_the_handbook_never_uses_is_a_missing_topic(unseen: Handbook) -> None:
    """燃气 is property vocabulary; a handbook that never mentions it cannot answer a gas question."""
    assert {"燃气", "游泳池", "快递"} <= DOMAIN_WORDS
    assert not {"多少", "时间", "哪里", "怎么"} & DOMAIN_WORDS   # interrogatives are no topic
    lenient = Matcher(unseen.entries, dataclasses.replace(DEFAULT_TUNING, unknown_domain_weight=0.0))
    question = "燃气怎么开户"
    assert unseen._matcher.confidence(unseen._matcher.scores(question)) < lenient.confidence(lenient.scores(question))
    assert unseen.answer(question) is None


def test_a_described_emergency_reaches_the_entry_tagged_for_it(write_handbook: WriteHandbook) -> None:
    """The emergency:KIND tag, not the title's words, says which entry handles a burst pipe."""
    folder = write_handbook({"应急.md": (
        "# 应急\n\n## 应急处置一\n标签: emergency:flood\n\n先关闭户内总阀,断开电源,拨打值班电话 6688 1234。\n\n"
        "## 应急处置二\n标签: emergency:fire\n\n立即拨打119,用湿毛巾捂住口鼻,走楼梯撤离。\n\n"
        "## 物业费怎么交?\n\n在服务中心或物业App缴纳。\n\n"
        "## 装修时间\n\n工作日 8:00-12:00、14:00-18:00 可以施工。\n"
    )})
    handbook = load_handbook(folder)
    question = "楼上水管爆了 水一直往下流"
    assert lexicon.EMERGENCY_WORDS.keys() == set(EMERGENCY_KINDS)
    ranked = handbook._matcher.scores(question)
    assert ranked and ranked[0][1].title == "应急处置一"
    untagged = Matcher(handbook.entries, dataclasses.replace(DEFAULT_TUNING, emergency_weight=0.0))
    plain = {entry.title: score for score, entry in untagged.scores(question)}
    assert ranked[0][0] > plain.get("应急处置一", 0.0) + 0.05
    assert handbook._matcher.scores("厨房油锅烧起来了")[0][1].title == "应急处置二"
    # A handbook this small has few known words, so it declines rather than guess; the desk's
    # emergency path (Handbook.emergency_guidance) does not depend on matching.
    assert handbook.emergency_guidance("flood") is not None


@pytest.mark.parametrize(("question", "expected"), [
    ("楼上水管爆了 水一直往下流", {"flood"}),
    ("我妈被关电梯里了", {"elevator"}),
    ("There's smoke coming from the flat next door", {"fire"}),     # smoke → 冒烟
    ("整栋楼突然停电了", {"outage"}),
    ("家里烟感做饭老是响 能拆吗", set()),      # a smoke detector question is no fire
    ("车库道闸坏了车出不去", set()),            # stuck at a barrier is no lift emergency
    ("整栋楼都是装修声", set()),
    ("明天停水吗", set()),                      # a planned cut is an inquiry (labels.md)
])
def test_emergencies_are_read_precisely(question: str, expected: set[str]) -> None:
    assert emergencies(question) == expected


@pytest.mark.parametrize("text", ["", "   ", "\x00\ud800\ufeff", "🔥🔥🔥", "漏" * 5000, "a" * 5000, "!flood 火灾"])
def test_question_readers_survive_hostile_text(unseen: Handbook, text: str) -> None:
    """Empty, control, surrogate, emoji and huge text: no exception, and no emergency pseudo-term leaks in."""
    assert isinstance(situations(text), tuple)
    assert isinstance(kinds(text), frozenset)
    assert emergencies(text) <= set(EMERGENCY_KINDS)
    assert not any(t.startswith("!") for run in normalise(text) for t in run.split())
    found = unseen.answer(text)
    assert found is None or 0.0 < found.score <= 1.0


# Question-style titles in one house style: a question of the same pattern about another topic
# ("…丢了怎么补办") must not be answered by echoing the pattern.
ASKED_TITLES = """# 服务
## 门禁卡丢了怎么补?
门禁卡丢失请带身份证到服务中心挂失补办,工本费 30 元,旧卡当天作废。

## 物业费怎么交?
物业费按季度交,可以在服务中心前台刷卡,也可以在公众号缴费。

## 电梯坏了怎么报修?
电梯故障请拨打轿厢内的维保电话,或打服务中心电话 6655 1200。

## 装修押金怎么退?
竣工验收合格后 5 个工作日内原路退还装修押金。

## 快递放在哪里?
快递统一放在南门驿站,营业时间 8:00–21:00。

## 垃圾几点扔?
每天早 7:00–9:00、晚 18:00–20:00 定时投放。
"""


@pytest.fixture
def asked(write_handbook: WriteHandbook) -> Handbook:
    return load_handbook(write_handbook({"handbook.md": ASKED_TITLES}))


@pytest.mark.parametrize("question", ["房产证丢了怎么补办", "公积金怎么退", "停车费怎么交", "自行车放在哪里"])
def test_the_pattern_of_a_title_is_weak_evidence_for_another_topic(asked: Handbook, question: str) -> None:
    # Measured against the same matcher with pattern seams at full weight. (In a handbook this small the
    # bar sits at its floor, so some of these are still answered: see docs/knowledge.md, weak spots.)
    echo = Matcher(asked.entries, dataclasses.replace(DEFAULT_TUNING, interrogative_seam=1.0))
    assert asked._matcher.confidence(asked._matcher.scores(question)) < echo.confidence(echo.scores(question))


def test_a_seam_next_to_a_missing_topic_keeps_its_weight(asked: Handbook) -> None:
    # 气怎 of 燃气怎么开户 is unknown here: it is evidence of a missing topic, not an echo of a title.
    echo = Matcher(asked.entries, dataclasses.replace(DEFAULT_TUNING, interrogative_seam=1.0))
    runs = normalise("燃气怎么开户")
    assert asked._matcher._question_weights(runs)["气怎"] == echo._question_weights(runs)["气怎"]


@pytest.mark.parametrize(("question", "title"), [
    ("门禁卡掉了能补吗", "门禁卡丢了怎么补?"),
    ("装完了押金什么时候退给我", "装修押金怎么退?"),
    ("电梯不动了找谁修", "电梯坏了怎么报修?"),
    ("快递在哪拿", "快递放在哪里?"),
])
def test_question_titles_still_answer_their_own_topic(asked: Handbook, question: str, title: str) -> None:
    found = asked.answer(question)
    assert found is not None and found.title == title


def test_threshold_is_calibrated_on_first_use_and_once(asked: Handbook) -> None:
    matcher = Matcher(asked.entries)
    assert matcher._threshold is None   # loading does not pay for the calibration
    first = matcher.threshold
    assert matcher._threshold == first and matcher.threshold == first
    assert DEFAULT_TUNING.threshold_floor <= first <= DEFAULT_TUNING.threshold_ceiling


# Fourth round (issue 3, item 5): failure classes found on the first sealed handbook, checked here on
# the small handbooks of this file, which were written before that round.

@pytest.mark.parametrize(("question", "word"), [
    ("就刷个墙也要去物业说吗", "刷墙"),        # a measure word inside a separable verb
    ("小区多久消一次毒", "消毒"),
    ("想通一下下水道", "通下水"),
])
def test_a_separable_verb_still_names_its_situation(question: str, word: str) -> None:
    found = {"".join(words) for words, _ in situations(question)}
    assert "".join(normalise(word)) in found


def test_a_separable_verb_is_read_once() -> None:
    assert situations("刷个墙") == situations("刷墙") and len(situations("刷墙")) == 1


@pytest.mark.parametrize(("question", "expected"), [
    ("有人在广场上突然晕过去了", {"medical"}),   # not an outage because of 突然
    ("电梯停在半截 孩子困在里面", {"elevator"}),
    ("暖气管子崩了 一屋子热水", {"flood"}),
    ("急救电话是多少", set()),                     # asking for a number is no emergency happening
])
def test_more_ways_of_describing_an_emergency(question: str, expected: set[str]) -> None:
    assert emergencies(question) == expected


# Session 13's blind communities: a lift the resident says is empty is a fault; a kitchen fire, a burn, a
# snake bite and someone climbing in are emergencies told without the usual words; a whole 单元 "都没有水"
# is the building's cut; "my flat only" and "全屋" say one flat.
@pytest.mark.parametrize(("question", "expected"), [
    ("6栋的lift又坏了 没人关在里面 就是爬楼梯好累", set()),
    ("lift stuck, no one trapped", set()),
    ("電梯卡在三樓 裡面有小孩", {"elevator"}),
    ("锅里的油着了 火窜起来了", {"fire"}),
    ("开窑的时候手被烫了好大一块", {"medical"}),
    ("我老公在草地里遭蛇叮了一口 脚肿了", {"medical"}),
    ("someone is climbing into a ground floor window right now", {"security"}),
    ("全单元都冇水 问了好几家都一样", {"outage"}),
    ("power went off in my flat only, the rest of the building is fine", set()),
    ("my flat has no power but the corridor lights are on", set()),
    ("封口机和打包机一起开 啪一下全屋都黑了", set()),
    ("充电的电瓶车冒火了", {"fire"}),
    ("someone is trying to open my back door right now", {"security"}),
    ("a huge tree just fell on our roof during the storm", set()),   # "fell" of a tree is no fall
    ("屋企突然冇电 隔篱屋灯仲着紧", set()),                           # the neighbour still has light
])
def test_emergencies_told_as_session_13_residents_told_them(question: str, expected: set[str]) -> None:
    assert emergencies(question) == expected


@pytest.mark.parametrize(("question", "title"), [
    ("6栋的电梯又坏了 没人关在里面", "电梯坏了(没有人被困)怎么报修?"),   # was the entrapment entry
    ("电梯停了 有人困在里面", "被困在电梯里怎么办?"),
])
def test_a_lift_said_to_be_empty_is_a_fault_not_an_entrapment(question: str, title: str) -> None:
    found = load_handbook(BUNDLED_HANDBOOK).answer(question)
    assert found is not None and found.title == title, found


def test_the_classifiers_traditional_characters_reach_the_matcher() -> None:
    """暈, 顫 and 儀 are in the classifier's table (intents/data/folding.tsv), not in the matcher's own list."""
    assert normalise("小區裡有人暈倒了 有沒有除顫儀") == normalise("小区里有人晕倒了 有没有除颤仪")


def test_a_described_emergency_outweighs_a_shared_word(write_handbook: WriteHandbook) -> None:
    handbook = load_handbook(write_handbook({"handbook.md": """# 水电
## 突然停电停水怎么办?
整栋楼突然停电停水,先看单元门口有没有通知,再打服务中心电话。

## 有人受伤
标签: emergency:medical
有人晕倒或受伤,先拨打 120,不要随意搬动,再通知门岗。

## 物业费怎么交?
物业费在服务中心前台交,可以刷卡或扫码。

## 快递在哪取?
快递放在南门驿站,营业到晚上九点。

## 垃圾几点扔?
每天早 7:00–9:00、晚 18:00–20:00 定时投放。
"""}))
    found = handbook.answer("有人在广场上突然晕过去了")
    assert found is not None and found.title == "有人受伤"


def test_a_lone_letter_is_not_a_missing_topic(unseen: Handbook) -> None:
    matcher = unseen._matcher
    weights = matcher._question_weights(normalise("楼下唱k"))
    word = matcher._question_weights(normalise("楼下karaokebar"))
    assert weights["k"] < word["karaokebar"] / 2


def test_an_unknown_run_explained_by_a_situation_is_not_a_missing_topic(unseen: Handbook) -> None:
    # 门锁坏 is a run this handbook never uses; 门锁 is a situation word (a repair), so it is explained.
    plain = Matcher(unseen.entries, dataclasses.replace(DEFAULT_TUNING, explain_runs=False))
    question = "门锁坏了 找谁修"
    assert unseen._matcher.scores(question)[0][0] > plain.scores(question)[0][0]


def test_a_question_that_is_an_entry_title_word_for_word_gets_that_entry() -> None:
    # With the topic bridge at full weight, what other communities asked in like words once handed
    # "物业费怎么交?" to its sibling "物业费多少钱一平方米?" in the bundled handbook.
    handbook = load_handbook(BUNDLED_HANDBOOK)
    for entry in handbook.entries:
        found = handbook.answer(entry.title)
        assert found is None or found.entry is entry or any(
            other.title == entry.title or entry.title in other.aliases for other in handbook.entries
            if other is not entry
        ), (entry.title, found.entry.title)
