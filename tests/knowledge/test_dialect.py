"""Dialect and chat question forms read as standard Mandarin; a one-flat cut is no outage emergency."""

from __future__ import annotations

import dataclasses

import pytest

from knowledge import Handbook, lexicon, load_handbook
from knowledge.bridge import Bridge
from knowledge.learn import development_corpora
from knowledge.search import DEFAULT_TUNING, Matcher
from knowledge.text import (
    _DIALECT_CJK,
    _DIALECT_LATIN,
    _FINAL_PARTICLE,
    _final_particle,
    _prepare,
    clean,
    emergencies,
    normalise,
)
from tests.knowledge.conftest import WriteHandbook
from tests.knowledge.test_search import UNSEEN


@pytest.mark.parametrize(("dialect", "standard"), [
    ("物业费几多钱", "物业费多少钱"),                 # Cantonese
    ("车位喺边度", "车位在哪里"),
    ("電梯點樣報修", "电梯怎么报修"),                 # Cantonese in traditional characters
    ("门卡冇咗点算", "门卡没有了怎么办"),
    ("咋个交物业费", "怎么交物业费"),                 # Sichuanese
    ("好久能修好", "多久能修好"),
    ("屋头停电了", "家里停电了"),
    ("阿拉哪能交物业费", "我们怎么交物业费"),         # Shanghainese
    ("停车几钿", "停车多少钱"),
    ("可以养狗伐", "可以养狗吗"),                     # final question particles
    ("可以停车不", "可以停车吗"),
    ("能交么", "能交吗"),
    ("俺家门卡丢了咋整", "我家门卡丢了怎么办"),       # northern
    ("停车格怎么租", "车位怎么租"),                   # Taiwanese Mandarin
    ("zm交物业费", "怎么交物业费"),                   # chat abbreviations and IME slips
    ("物业费多小钱", "物业费多少钱"),
    ("what time r u open tmr", "what time are you open tomorrow"),
])
def test_a_dialect_form_reads_as_standard_mandarin(dialect: str, standard: str) -> None:
    assert normalise(dialect) == normalise(standard)


@pytest.mark.parametrize(("text", "kept"), [
    ("等了好久没人来", "好久"),         # "for a long time", not 多久
    ("禁止砍伐", "砍伐"),               # a word, not the Wu particle 伐
    ("车库被淹没", "淹没"),
    ("尚未", "尚未"),
    ("电梯怎么", "怎么"),
    ("上午9点办理", "点办"),            # 点办 across a word boundary is not Cantonese 怎么办
    ("紧急求助电话", "求助"),
    ("装修需要得到物业同意", "要得到"),  # not Sichuanese 要得 (= 可以)
    ("取得行驶证", "得行驶"),
    ("一直按喇叭", "喇叭"),
    ("阿拉斯加犬能养吗", "阿拉斯加"),
])
def test_standard_text_is_left_alone(text: str, kept: str) -> None:
    assert kept in _prepare(text)


def test_chat_abbreviations_are_whole_words_only() -> None:
    assert _DIALECT_LATIN.search("bus stop, usual, try") is None     # u, r, y inside words
    assert [m.group(0) for m in _DIALECT_LATIN.finditer("can u help, pls")] == ["u", "pls"]
    assert _prepare("R栋在哪").startswith("r栋")      # a lone letter by Chinese is a building, not "are"


def test_the_table_does_not_rewrite_the_development_handbooks() -> None:
    """Handbooks are written in standard Mandarin: the dialect table should almost never fire on them.

    Titles and answers only: aliases are the writer's guess at residents' words, and a Guangzhou
    handbook's Cantonese aliases (几多钱) are meant to be read as their Mandarin.
    """
    rewritten, lines = [], 0
    # Five handbooks were written in their residents' dialect on purpose (Cantonese 冷气机, Chongqing
    # 屋头, Henan FAQ titles 啥时候退, a Zhuhai estate of Macau owners with 按金 and 升降机, a Luoyang
    # factory compound whose titles are its retirees' own questions, 咋回事, 咋弄嘞): there the table's
    # rewrites are the point, not an accident.
    in_dialect = {"rongyin", "shanyu", "kangning", "hengqin", "yique"}
    # 勿 is Shanghainese for 不 (暖气勿热) and standard Mandarin in notices (请勿, 切勿): handbooks use it in
    # almost every other chapter, and folding it to 不 on both sides is harmless (about forty lines in
    # the sixty-seven handbooks, half of all rewrites), so it is not counted.
    standard_too = {"勿"}
    for corpus in (c for c in development_corpora() if c.name not in in_dialect):
        for entry in load_handbook(corpus.folder).entries:
            for text in (entry.title, entry.answer):
                for line in clean(text).splitlines():
                    lines += 1
                    forms = [m.group(0) for m in _DIALECT_CJK.finditer(line)]
                    forms += [m.group(0) for m in _DIALECT_LATIN.finditer(line)]
                    particles = [m.group(0) for m in _FINAL_PARTICLE.finditer(line) if not _final_particle(m)]
                    if [f for f in forms if lexicon.DIALECT[f] != f and f not in standard_too] or particles:
                        rewritten.append(line)
    # 资源回收 → 垃圾分类, 街坊 → 邻居: a few consistent, harmless rewrites in thousands of lines.
    assert len(rewritten) <= 0.01 * lines, (lines, rewritten)


def test_applying_the_table_twice_changes_nothing() -> None:
    """A mapped form is standard: it is not itself a dialect form waiting for a second pass."""
    for form in lexicon.DIALECT:
        once = _prepare(form + "物业")   # inside a sentence, where no final particle is dropped
        assert _prepare(once) == once, form


@pytest.fixture
def unseen(write_handbook: WriteHandbook) -> Handbook:
    return load_handbook(write_handbook({"handbook.md": UNSEEN}))


@pytest.mark.parametrize(("question", "title"), [
    ("停车一个月几多钱", "停车收费"),
    ("装修押金几时退", "装修押金退还"),
    ("屋头暖气咋个一点都不热", "暖气不热怎么办?"),
    ("阿拉屋里厢暖气勿热 哪能办", "暖气不热怎么办?"),
    ("换咗新车入唔到车库", "车牌登记"),
    ("zm交水费", "水费缴纳"),
    ("明天停水不", "停水通知"),
])
def test_an_unseen_handbook_answers_dialect_questions(unseen: Handbook, question: str, title: str) -> None:
    found = unseen.answer(question)
    assert found is not None, f"declined {question!r}; best: {unseen._matcher.scores(question)[:2]}"
    assert found.title == title


@pytest.mark.parametrize(("question", "expected"), [
    ("家里突然停电了，对门家灯是亮的，只有我家", set()),    # one flat: a repair (labels.md)
    ("突然没电了 就我家", set()),
    ("突然停电了 估计是跳闸", set()),
    ("屋头突然没电了 隔壁家灯是亮的", set()),
    ("整栋楼突然停电了", {"outage"}),
    ("突然停电了 隔壁也没电", {"outage"}),
    ("整栋楼突然停电了 隔壁楼有电", {"outage"}),             # the building is out, whatever next door has
])
def test_a_cut_in_one_flat_is_no_outage_emergency(question: str, expected: set[str]) -> None:
    assert emergencies(question) == expected


def test_a_one_flat_cut_adds_no_outage_evidence(write_handbook: WriteHandbook) -> None:
    handbook = load_handbook(write_handbook({"a.md": (
        "# 水电\n\n## 停电停水应急\n标签: emergency:outage\n\n"
        "整栋楼或小区突然停电停水时,请保持冷静,物业会在群里通报抢修进度,拨打值班电话 6688 1234。\n\n"
        "## 家里没电了怎么办\n\n先看户内电箱空开是否跳闸;仍没电请拨打服务中心电话报修,电工 30 分钟内上门。\n\n"
        "## 水费缴纳\n\n水费由自来水公司收取,可在支付宝生活缴费。\n\n"
        "## 电梯困人\n标签: emergency:elevator\n\n按电梯内警铃,等待救援。\n"
    )}))
    # The emergency rule alone: the topic bridge's learned evidence is another mechanism (test_bridge.py).
    no_bridge = Bridge((), ())
    tagged = Matcher(handbook.entries, bridge=no_bridge)
    untagged = Matcher(handbook.entries, dataclasses.replace(DEFAULT_TUNING, emergency_weight=0.0), bridge=no_bridge)

    def outage_score(matcher: Matcher, question: str) -> float:
        return next(score for score, entry in matcher.scores(question) if entry.title == "停电停水应急")

    one_flat = "家里突然停电了 对门家灯是亮的 只有我家"
    assert outage_score(tagged, one_flat) == pytest.approx(outage_score(untagged, one_flat))
    assert tagged.scores(one_flat)[0][1].title == "家里没电了怎么办"   # the one-flat situation: a repair
    building = "整栋楼突然停电了"
    assert outage_score(tagged, building) > outage_score(untagged, building) + 0.05


def test_the_threshold_scale_moves_the_bar(write_handbook: WriteHandbook) -> None:
    handbook = load_handbook(write_handbook({"handbook.md": UNSEEN}))
    lower = Matcher(handbook.entries, dataclasses.replace(DEFAULT_TUNING, threshold_scale=0.8))
    assert lower.threshold == pytest.approx(handbook._matcher.threshold * 0.8)
