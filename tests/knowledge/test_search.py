"""The matcher answers residents' questions from any handbook, and declines what it does not cover."""

from __future__ import annotations

import dataclasses

import pytest

from knowledge import Answer, Handbook, load_handbook
from knowledge.search import DEFAULT_TUNING, Matcher
from knowledge.text import normalise
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
    question = "停车多少钱一个月"
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
])
def test_normalise_folds_variants_to_one_form(text: str, expected: tuple[str, ...]) -> None:
    assert normalise(text) == expected
