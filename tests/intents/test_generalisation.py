"""How the classifier meets wording it was not trained on: cross-validation floors and the
guards that let the statistical model carry part of the emergency decision.

The sentences below are written for these tests, not taken from any example or evaluation file.
"""

from __future__ import annotations

import pytest

from intents import EmergencyKind, Intent, classifier, classify, crossval
from intents.normalize import normalize


@pytest.fixture(scope="module")
def cross_validated() -> dict[str, crossval.Report]:
    """Every cross-validation protocol, once for this module (~3 s)."""
    return dict(crossval.run())


def test_folds_are_disjoint_stratified_and_cover_every_example() -> None:
    rows = [{"text": f"message {i}", "intent": "emergency" if i % 5 == 0 else "repair"} for i in range(100)]
    folds = crossval._folds(rows, 5)
    assert sorted(r["text"] for fold in folds for r in fold) == sorted(r["text"] for r in rows)
    for fold in folds:
        assert len(fold) == 20 and sum(r["intent"] == "emergency" for r in fold) == 4


def test_cross_validated_floors(cross_validated: dict[str, crossval.Report]) -> None:
    """5-fold over all examples: 0.930 / 0.973 / 0.970 when written (0.921 / 0.947 / 0.951 before);
    0.938 / 0.996 / 0.987 over 4,090 after round d (0.925 / 0.962 / 0.969 with `-d` added, before its rules);
    0.945 / 0.985 / 0.985 over 9,716 after round k, whose nine files are the hardest yet (two in three
    lines an emergency told without its keyword), so the recall floor is 0.98 since."""
    report = cross_validated["5-fold over all examples"]
    assert report.total >= 4000
    assert report.macro_f1 >= 0.93
    assert report.emergency_recall >= 0.98
    assert report.emergency_precision >= 0.97
    assert report.emergency_kind_accuracy >= 0.98


def test_leave_one_file_out_floors(cross_validated: dict[str, crossval.Report]) -> None:
    """Trained without a colleague's file, tested on it: emergency recall 0.960 / 0.983 when written."""
    for name in ("examples-more-a.jsonl", "examples-more-b.jsonl"):
        report = cross_validated[f"leave out {name}"]
        assert report.emergency_recall >= 0.94, name
        assert report.emergency_precision >= 0.9, name


def test_cross_validation_leaves_the_shipped_models_in_place(cross_validated: dict[str, crossval.Report]) -> None:
    vocabulary = len(classifier.INTENT_MODEL.rows)
    crossval._retrain(crossval.read_labelled(classifier.example_files()[0].read_text(encoding="utf-8")))
    assert len(classifier.INTENT_MODEL.rows) < vocabulary
    crossval._retrain([r for p in classifier.example_files() for r in crossval.read_labelled(p.read_text("utf-8"))])
    assert len(classifier.INTENT_MODEL.rows) == vocabulary


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # A whole building cut with no notice: "没收到过停电通知" denies a notice, it is no drill.
        ("5栋刚才整栋楼一下全黑了 电梯也停了 我们都没收到过停电通知", EmergencyKind.OUTAGE),
        ("十一栋突然整栋没水了 之前也没有贴停水通知", EmergencyKind.OUTAGE),
        # Asking whether it is gas is a gas smell.
        ("这不是煤气味吗 楼梯间里好冲 9栋", EmergencyKind.GAS),
    ],
)
def test_dangers_the_guards_must_not_cancel(text: str, kind: EmergencyKind) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, kind), result.evidence


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # A lift with nobody inside is a repair, however much the wording resembles a trapping.
        ("2号楼电梯卡在五楼不动了 里面没人", Intent.REPAIR),
        ("电梯停了 没人在里面 就是停在三楼", Intent.REPAIR),
        # A smell said not to be gas is a nuisance.
        ("楼上天天熬中药 那个味太冲了 不是煤气味 就是熏得难受", Intent.COMPLAINT),
        ("the bin room stinks again, not gas just rotten food, please clean it", Intent.COMPLAINT),
    ],
)
def test_near_misses_the_model_must_not_page_staff_for(text: str, intent: Intent) -> None:
    result = classify(text)
    assert result.intent == intent, result.evidence


@pytest.mark.parametrize(
    ("text", "chinese", "kind"),
    [
        ("dian ti ka zhu le, wo ba zai li mian chu bu lai, 5 dong", "出不来", EmergencyKind.ELEVATOR),
        ("ranqi wei hen nong, lou dao li, 2 dong 3 lou", "燃气味", EmergencyKind.GAS),
        ("guan zi bao le, shui dao chu dou shi, 8 dong 1201", "管子爆了", EmergencyKind.FLOOD),
    ],
)
def test_whole_danger_phrases_typed_in_pinyin(text: str, chinese: str, kind: EmergencyKind) -> None:
    """Folded to Chinese, so the lexicon reads them, not only the model (which has seen a few)."""
    assert chinese in normalize(text).text
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, kind), result.evidence


@pytest.mark.parametrize(
    "text",
    [
        "the bao let me in, thanks",
        "Ryan Wu here, has my parcel come?",
        "this is Mei Qi in 3-201, when is the gas bill due?",
    ],
)
def test_english_words_and_names_are_not_read_as_pinyin_dangers(text: str) -> None:
    assert classify(text).intent is not Intent.EMERGENCY
