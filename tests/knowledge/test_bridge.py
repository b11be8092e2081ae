"""The topic bridge: nearest labelled questions of other communities, as evidence and as doubt."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from knowledge import load_handbook
from knowledge.bridge import Bridge, build, features
from knowledge.bridge_data import RECORDS, TARGETS
from knowledge.learn import bridge_texts, learn_bridge, write_bridge
from knowledge.search import DEFAULT_TUNING, Matcher
from tests.knowledge.test_learn import write_corpus

NO_BRIDGE = Bridge((), ())


def test_nearest_questions_need_similarity_and_two_shared_terms() -> None:
    bridge = Bridge(*build([("访客登记", "来访人员在门岗登记。")],
                           [("朋友来串门要登记吗", 0), ("串门", 0), ("小区有游泳池吗", -1)]))
    near = bridge.nearest(features("亲戚来串门要不要登记"), k=10, min_similarity=0.3, min_shared=2)
    assert [round(s, 6) > 0 for s, *_ in near] == [True]          # only the question sharing 串门 and 登记
    _, key, answer, shared = near[0]
    assert "访客" in key and "门岗" in answer and set(shared) == {"串门", "登记"}
    assert bridge.nearest(features("亲戚来串门要不要登记"), k=10, min_similarity=0.99, min_shared=2) == []
    assert bridge.nearest(features("今天天气怎么样"), k=10, min_similarity=0.0) == []


def test_a_bridge_learned_from_two_handbooks_helps_a_third(tmp_path: Path) -> None:
    a, b, c = (write_corpus(tmp_path, name) for name in "abc")
    bridge = Bridge(*learn_bridge([a, b]))
    entries = load_handbook(c.folder).entries
    question = "同学来串门门口要登记吗"
    plain = Matcher(entries, associations={}, bridge=NO_BRIDGE)
    learned = Matcher(entries, associations={}, bridge=bridge)
    assert learned.scores(question)[0][1].title == "外来人员来访"
    assert learned.confidence(learned.scores(question)) > plain.confidence(plain.scores(question))
    # Calibrated without the bridge: the bar is the plain matcher's.
    assert learned.threshold == plain.threshold


def test_out_of_scope_neighbours_lower_scores_only_where_the_handbook_lacks_their_words(tmp_path: Path) -> None:
    bridge = Bridge(*build([], [("游泳池办卡", -1), ("游泳池要办卡吗", -1), ("小区有游泳池吗", -1)]))
    question = "游泳池办卡"

    def folder(name: str, body: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "handbook.md").write_text(f"# 手册\n\n{body}", encoding="utf-8")
        return path

    common = ("## 服务中心几点上班?\n\n服务中心每天八点至晚六点开门。\n\n"
              "## 门禁卡怎么办?\n\n门禁卡办卡请带身份证到服务中心。\n\n")
    without_pool = load_handbook(folder("a", common)).entries
    with_pool = load_handbook(folder("b", common + "## 泳池开放时间\n\n游泳池每天早九点至晚九点开放,游泳池办卡请到会所前台。\n\n")).entries
    for entries, lowered in ((without_pool, True), (with_pool, False)):
        plain = Matcher(entries, associations={}, bridge=NO_BRIDGE).scores(question)
        doubted = Matcher(entries, associations={}, bridge=bridge).scores(question)
        assert plain and [e.title for _, e in plain] == [e.title for _, e in doubted]
        if lowered:
            assert doubted[0][0] < plain[0][0]
            assert all(d <= p for (p, _), (d, _) in zip(plain, doubted, strict=True))
        else:
            assert [s for s, _ in plain] == [s for s, _ in doubted]
    off = dataclasses.replace(DEFAULT_TUNING, bridge_null_penalty=0.0)
    assert (Matcher(without_pool, off, associations={}, bridge=bridge).scores(question)
            == Matcher(without_pool, off, associations={}, bridge=NO_BRIDGE).scores(question))


def test_the_bridge_data_is_deterministic_and_loads_back(tmp_path: Path) -> None:
    corpora = [write_corpus(tmp_path, name) for name in "abc"]
    data = learn_bridge(corpora)
    assert data == learn_bridge(corpora) and data[1]
    module = tmp_path / "bridge_data.py"
    write_bridge(data, module)
    namespace: dict[str, object] = {}
    exec(compile(module.read_text(encoding="utf-8"), str(module), "exec"), namespace)  # noqa: S102 (our own output)
    assert (namespace["TARGETS"], namespace["RECORDS"]) == data
    entries, questions = bridge_texts(corpora)
    assert len(entries) == 12 and sum(i < 0 for _, i in questions) == 3   # out-of-scope questions kept


def test_the_shipped_bridge_is_well_formed() -> None:
    # About one target an entry and a record a question of the development handbooks (34 now):
    # the bounds catch a runaway or empty generation, not growth.
    assert 0 < len(TARGETS) < 5000 and 0 < len(RECORDS) < 50000
    assert all(q and -1 <= i < len(TARGETS) for q, i in RECORDS)
    assert any(i < 0 for _, i in RECORDS) and all(any(t) for t in TARGETS)
    assert len(Bridge(TARGETS, RECORDS)) == len(RECORDS)
