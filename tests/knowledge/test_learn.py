"""The association learner: deterministic, kept to pairs seen in two handbooks, validated leave-one-out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from knowledge import load_handbook
from knowledge.associations import ASSOCIATIONS
from knowledge.bridge_data import RECORDS, TARGETS
from knowledge.learn import (
    Corpus,
    Rules,
    development_corpora,
    evaluate_with,
    learn,
    learn_bridge,
    leave_one_out,
    question_features,
    write_module,
)
from knowledge.search import Matcher

# Three small handbooks of different communities, worded differently: none says 串门 (dropping in),
# which residents of all three use for a visit; each calls it 来访 somewhere.
HANDBOOKS = {
    "a": {
        "来访人员登记": "外来访客进入小区需在东门岗亭登记姓名和来访楼栋,由业主确认后放行。",
        "物业费怎么交?": "物业费按季度缴纳,可在服务中心窗口或物业App支付。",
        "垃圾分类投放": "厨余垃圾每天早七点至九点投放到小区西侧垃圾房。",
        "养狗要办证吗?": "饲养犬只须办理养犬登记证,遛狗时牵绳并清理粪便。",
    },
    "b": {
        "访客进出": "来访客人请在门岗出示身份证登记,业主电话确认后进入。",
        "管理费缴纳": "管理费每年一月缴清,支持银行代扣和现金。",
        "装修要办什么手续?": "装修前到服务中心提交图纸并交纳装修押金,审核通过后开工。",
        "快递放哪里?": "快递统一存放在南门快递柜,超时收取保管费。",
    },
    "c": {
        "外来人员来访": "外来人员来访需登记,晚上十点后由值班保安联系业主。",
        "停车收费": "地面车位每月两百元,临时停车首小时免费。",
        "电梯坏了找谁?": "电梯故障请拨打服务中心电话,维保单位半小时内到场。",
        "游乐设施开放时间": "儿童游乐区每天早八点至晚八点开放。",
    },
}
QUESTIONS = {
    "a": [("同学来串门要登记吗", "来访人员登记"), ("串门的客人怎么进来", "来访人员登记"),
          ("物业费在哪交", "物业费怎么交?"), ("狗要上户口吗", "养狗要办证吗?"), ("小区有游泳池吗", None)],
    "b": [("同事来串门门口让进吗", "访客进出"), ("亲朋串门怎么办手续", "访客进出"),
          ("管理费怎么交", "管理费缴纳"), ("装修要交押金吗", "装修要办什么手续?"), ("附近有地铁吗", None)],
    "c": [("串门要登记吗", "外来人员来访"), ("停车一个月多少钱", "停车收费"),
          ("电梯坏了打谁电话", "电梯坏了找谁?"), ("哪里可以买菜", None)],
}


def write_corpus(root: Path, name: str) -> Corpus:
    """Write one synthetic handbook and its questions under root."""
    folder = root / name
    folder.mkdir()
    body = "".join(f"## {title}\n\n{answer}\n\n" for title, answer in HANDBOOKS[name].items())
    (folder / "handbook.md").write_text(f"# 手册\n\n{body}", encoding="utf-8")
    questions = root / f"{name}.jsonl"
    questions.write_text("".join(json.dumps({"question": q, "section": s}, ensure_ascii=False) + "\n"
                                 for q, s in QUESTIONS[name]), encoding="utf-8")
    return Corpus(name, folder, (questions,))


# Small counts: the synthetic sets are tiny.
RULES = Rules(min_question_count=2, min_pair_count=2, min_handbooks=2, min_probability=0.3, min_lift=1.5,
              per_term=10)


def test_an_association_learned_from_two_handbooks_helps_a_third(tmp_path: Path) -> None:
    a, b, c = (write_corpus(tmp_path, name) for name in "abc")
    table = learn([a, b], RULES)
    assert "访客" in dict(table["串门"])   # 串门 → 访客 (来访 folds to it), seen in both handbooks
    handbook = load_handbook(c.folder)
    question = "串门要登记吗"
    plain, learned = Matcher(handbook.entries, associations={}), Matcher(handbook.entries, associations=table)
    assert plain.answer(question) is None
    ranked = learned.scores(question)
    assert ranked[0][1].title == "外来人员来访"
    assert learned.confidence(ranked) > plain.confidence(plain.scores(question))
    assert (found := learned.answer(question)) is not None and found.title == "外来人员来访"


def test_a_pair_seen_in_one_handbook_only_is_not_kept(tmp_path: Path) -> None:
    a, b = write_corpus(tmp_path, "a"), write_corpus(tmp_path, "b")
    assert "串门" in learn([a, b], RULES)
    assert "串门" not in learn([a], RULES)   # two questions, but one community's wording
    assert "串门" in learn([a], dataclasses.replace(RULES, min_handbooks=1))


def test_learning_is_deterministic_and_the_written_module_loads_back(tmp_path: Path) -> None:
    corpora = [write_corpus(tmp_path, name) for name in "abc"]
    first, second = learn(corpora, RULES), learn(list(reversed(corpora)), RULES)
    assert first == second and first
    module = tmp_path / "table.py"
    write_module(first, module)
    text = module.read_text(encoding="utf-8")
    write_module(learn(corpora, RULES), module)
    assert module.read_text(encoding="utf-8") == text   # byte-for-byte the same file
    namespace: dict[str, object] = {}
    exec(compile(text, str(module), "exec"), namespace)
    assert namespace["ASSOCIATIONS"] == first


def test_leave_one_out_reports_every_handbook_before_and_after(tmp_path: Path) -> None:
    corpora = [write_corpus(tmp_path, name) for name in "abc"]
    results = leave_one_out(corpora, RULES)
    assert list(results) == ["a", "b", "c"]
    for before, after in results.values():
        assert len(before) == len(after) == 4
        assert all(0.0 <= x <= 1.0 for x in (*before, *after))
    # c's visit question is declined without a table and answered with one learned on a and b.
    before, after = results["c"]
    assert after[0] > before[0]
    assert evaluate_with(corpora[2], None).in_scope == 3


def test_question_features_leave_out_the_pattern_of_a_question() -> None:
    features = question_features("物业费什么时候交")
    assert "物业" in features
    assert not {"么时", "费什", "什么", "时候"} & features


def test_the_shipped_table_is_small_and_well_formed() -> None:
    # It grows with the development corpora (9,411 terms from seventy-one handbooks): the bound catches a
    # runaway rule, not growth; what the size costs, the bundled handbook's load time, is benchmarked.
    assert 0 < len(ASSOCIATIONS) < 10000
    for term, targets in ASSOCIATIONS.items():
        assert term and 0 < len(targets) <= Rules().per_term
        assert all(target != term and 0.0 < p <= 1.0 for target, p in targets)


def write_aliased(root: Path, name: str, title: str, alias: str, answer: str) -> Corpus:
    """A small handbook whose only resident wording is an alias, with no in-scope question asked."""
    folder = root / name
    folder.mkdir()
    body = (f"## {title}\n别名: {alias}\n\n{answer}\n\n"
            "## 物业费怎么交?\n\n物业费按季度缴纳,可在服务中心窗口支付。\n\n"
            "## 快递放哪里?\n\n快递统一存放在南门快递柜。\n\n")
    (folder / "handbook.md").write_text(f"# 手册\n\n{body}", encoding="utf-8")
    questions = root / f"{name}.jsonl"
    questions.write_text(json.dumps({"question": "小区有游泳池吗", "section": None}, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    return Corpus(name, folder, (questions,))


def test_aliases_are_learned_from_as_questions_for_their_entry(tmp_path: Path) -> None:
    # Neither community's residents asked anything; both handbooks' writers guessed that residents say 串门.
    a = write_aliased(tmp_path, "a", "来访人员登记", "亲友串门", "外来访客在东门岗亭登记,业主确认后放行。")
    b = write_aliased(tmp_path, "b", "访客进出", "亲友串门", "来访客人在门岗登记,业主电话确认后进入。")
    with_aliases = learn([a, b], RULES)
    assert "访客" in dict(with_aliases["串门"])
    # An alias is not evidence for itself: its entry's terms leave the aliases out, so the alias's own
    # words (亲友, 串门, in both handbooks) do not point at each other.
    assert "亲友" not in dict(with_aliases["串门"])
    assert "串门" not in dict(with_aliases.get("亲友", ()))
    assert "串门" not in learn([a, b], dataclasses.replace(RULES, alias_questions=False))


def test_no_association_from_the_part_of_a_domain_word_the_handbook_lacks(tmp_path: Path) -> None:
    # The handbook has 业主 and 公告 but no owners' meeting: 业委会 (folded to 业主大会) asks for a topic it lacks,
    # so a learned 主大 → 公告 must not make it an answer about the notice board.
    folder = tmp_path / "handbook"
    folder.mkdir()
    (folder / "handbook.md").write_text(
        "# 手册\n\n## 小区公告在哪看?\n\n业主可在每栋楼大堂的公告栏查看小区公告。\n\n"
        "## 物业费怎么交?\n\n业主可在服务中心窗口缴纳物业费。\n\n"
        "## 快递放哪里?\n\n快递统一存放在南门快递柜。\n\n", encoding="utf-8")
    entries = load_handbook(folder).entries
    question = "业委会怎么选举"
    table = {"主大": (("公告", 1.0),)}
    learned = Matcher(entries, associations=table)
    plain = Matcher(entries, associations={})
    assert learned.answer(question) is None
    assert learned.confidence(learned.scores(question)) == plain.confidence(plain.scores(question))
    # The same association from a word the handbook merely words differently does apply.
    other = {"告示": (("公告", 1.0),)}
    assert Matcher(entries, associations=other).scores("告示牌在哪")[0][1].title == "小区公告在哪看?"


def test_the_shipped_tables_are_learned_from_the_development_corpora_as_they_are_now() -> None:
    # associations.py and bridge_data.py are generated by `python -m knowledge.learn`; a handbook,
    # question file or lexicon edited without re-running it would leave the matcher on stale data.
    corpora = development_corpora()
    assert learn(corpora) == ASSOCIATIONS, "re-run `python -m knowledge.learn`"
    assert learn_bridge(corpora) == (TARGETS, RECORDS), "re-run `python -m knowledge.learn`"
