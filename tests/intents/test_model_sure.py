"""The model's last word (classifier.MODEL_SURE): an emergency the naive Bayes model is all but
sure of is not lost because the lexicon's cues read it too weakly or as a near miss."""

from __future__ import annotations

import pytest

from intents import classifier, classify
from intents.classifier import UNSURE_BELOW
from intents.labels import EmergencyKind, Intent

# Danger now told with a "nearly" about its consequence, which the cues take for a near miss.
SURE_ONLY_TO_THE_MODEL = [
    ("the underground garage is under water, cars almost floating, level B1", EmergencyKind.FLOOD),
    ("楼道里一股煤气味 刚才有个老人差点晕倒", EmergencyKind.GAS),
    ("the stairwell stinks of gas on floor 9, an old man nearly passed out", EmergencyKind.GAS),
]


@pytest.mark.parametrize(("text", "kind"), SURE_ONLY_TO_THE_MODEL)
def test_an_emergency_the_model_is_sure_of_pages_the_staff(text: str, kind: EmergencyKind) -> None:
    result = classify(text)
    assert (result.intent, result.emergency) == (Intent.EMERGENCY, kind)
    assert result.confidence >= UNSURE_BELOW  # the desk acts on it instead of asking
    assert any(item.startswith("model_sure:") for item in result.evidence)
    assert result.alternatives[0] == (Intent.EMERGENCY, result.confidence)


@pytest.mark.parametrize(("text", "kind"), SURE_ONLY_TO_THE_MODEL)
def test_without_the_last_word_the_cues_alone_miss_them(
    monkeypatch: pytest.MonkeyPatch, text: str, kind: EmergencyKind
) -> None:
    """What the stage adds: with it turned off these read as a complaint or a repair."""
    monkeypatch.setattr(classifier, "MODEL_SURE", None)
    assert classify(text).intent is not Intent.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "yesterday the whole tower lost power for an hour, fixed now, thanks",  # past, settled
        "昨天地库进水了 车差点泡了 现在已经抽干了 谢谢",  # past, settled
        "如果电梯里有人被困住了 应该打哪个电话",  # what if
        "下周三消防演习 楼道里会有烟 大家别慌",  # a drill
        "电梯停在三楼不动了 里面没人",  # a lift with nobody inside
    ],
)
def test_the_model_never_overrules_a_danger_that_is_not_here_and_now(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(classifier, "MODEL_SURE", 0.0)  # the model is taken as sure of every message
    assert classify(text).intent is not Intent.EMERGENCY


def test_with_a_cue_of_danger_a_lower_bar_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """MODEL_SURE_WITH_CUE: a likelihood under MODEL_SURE counts when a danger cue was read too weakly."""
    from intents.classifier import _model_sure, _Reading
    from intents.model import features
    from intents.normalize import normalize

    monkeypatch.setattr(classifier, "MODEL_SURE", 0.9)
    monkeypatch.setattr(classifier, "MODEL_SURE_WITH_CUE", 0.75)
    feats = features(normalize("楼道里一股怪味 越来越冲"))
    nothing = _Reading(None, 0.0, ())
    with_cue = _model_sure(nothing, {"smell": ("怪味",)}, feats, 0.8)
    assert with_cue is not None  # the kind model names it
    assert _model_sure(nothing, {"question": ("吗",)}, feats, 0.8) is None  # no cue: the 0.9 bar
    assert _model_sure(nothing, {"smell": ("怪味",)}, feats, 0.7) is None  # under both bars
    assert _model_sure(_Reading(None, 0.0, ("past",)), {"smell": ("怪味",)}, feats, 0.8) is None  # not now
    monkeypatch.setattr(classifier, "MODEL_SURE_WITH_CUE", None)
    assert _model_sure(nothing, {"smell": ("怪味",)}, feats, 0.8) is None  # turned off
