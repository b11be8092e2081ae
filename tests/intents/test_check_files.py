"""The blind check files of rounds d–j (and sessions 10–13) keep the figures their rounds reached.

Each file was written before its round changed anything and scored once then: that first score
is the round's honest measure (docs/intents.md). The floors sit a little under each file's score
at the end of its round, so a later round cannot quietly lose what an earlier one won.
"""

from __future__ import annotations

import pytest

from intents import classify
from intents.evaluate import evaluate, read_labelled
from tests.intents.conftest import HERE

# file, floors for emergency recall / precision / kind; in the comment, recall / precision before → after its round
CHECK_FILES = [
    ("check-emergency-d.jsonl", 0.95, 0.93, 0.95),  # 0.920 / 0.958 → 0.960 / 0.970
    ("check-emergency-e.jsonl", 0.90, 0.92, 0.95),  # 0.901 / 0.935 → 0.937 / 0.937
    ("check-emergency-f.jsonl", 0.97, 0.95, 0.95),  # 0.927 / 0.971 → 0.982 / 1.000
    ("check-outage-g.jsonl", 0.97, 0.95, 0.95),     # 0.977 / 0.988 → 1.000 / 1.000
    ("check-emergency-h.jsonl", 0.97, 0.95, 0.95),  # 0.944 / 0.956 → 1.000 / 1.000 (its misses were fixed as classes)
    ("check-emergency-i.jsonl", 0.98, 0.97, 0.97),  # 0.933 / 0.979 → 0.993 / 1.000 (its misses were fixed as classes)
    ("check-emergency-j.jsonl", 0.98, 0.97, 0.96),  # 0.927 / 0.986 → 1.000 / 1.000 (its misses were fixed as classes)
    # Session 10, questions; never trained on (training on it cost two blind sets): 0.982 / 0.982 → 0.994 / 1.000
    ("check-questions-k19.jsonl", 0.98, 0.97, 0.97),
    # Session 11, understatement; never trained on (training on it cost a blind set an emergency): 0.952 / 0.982 → 0.982 / 0.994
    ("check-understated-k21.jsonl", 0.97, 0.97, 0.97),
    # Session 11, the senses; never trained on (training on it cost a blind set an emergency): 0.989 / 0.927 → 0.994 / 0.962
    ("check-senses-k22.jsonl", 0.98, 0.95, 0.97),
    # Session 12, forms, lists and pasted app text; never trained on (training on it cost two blind sets an
    # emergency each): 0.970 / 0.970 → 1.000 / 0.988
    ("check-structured-k24.jsonl", 0.98, 0.97, 0.97),
    # Session 12, water and power at their boundaries; never trained on (training on it lost an emergency in
    # an opened set and added two false alarms in the unread ones): 0.923 / 0.994 → 0.988 / 0.994
    ("check-water-power-k25.jsonl", 0.98, 0.98, 0.97),
    # Session 13, the owner's description by a third writer; never trained on (training on it cost one blind set an
    # emergency while another gained one): 0.970 / 0.994 → 1.000 / 1.000
    ("check-owner-k26.jsonl", 0.98, 0.97, 0.97),
    # Session 13, short, garbled and typed in a hurry; never trained on (training on it cost a blind set an
    # emergency): 0.970 / 0.988 → 1.000 / 1.000
    ("check-garbled-k27.jsonl", 0.98, 0.97, 0.97),
    # Session 13, told by someone else or forwarded; never trained on (training on it cost one blind set an
    # emergency while another gained one): 0.958 / 0.982 → 0.988 / 1.000
    ("check-relayed-k28.jsonl", 0.98, 0.97, 0.97),
    # Session 13, long and many-sided; never trained on (training on it cost two blind sets an emergency and
    # added three false alarms): 0.934 / 0.957 → 1.000 / 1.000
    ("check-long-k29.jsonl", 0.98, 0.97, 0.97),
    # Session 13, translated and non-native; never trained on (training on it cost two blind sets an emergency):
    # 0.964 / 0.976 → 1.000 / 0.994
    ("check-translated-k30.jsonl", 0.98, 0.97, 0.97),
    # Session 13, weather, seasons and the night; never trained on (training on it cost a blind set an emergency):
    # 0.970 / 0.976 → 1.000 / 1.000
    ("check-weather-k31.jsonl", 0.98, 0.97, 0.97),
]


@pytest.mark.parametrize(("name", "recall", "precision", "kind"), CHECK_FILES, ids=[c[0] for c in CHECK_FILES])
def test_check_file_keeps_its_floors(name: str, recall: float, precision: float, kind: float) -> None:
    report = evaluate(read_labelled((HERE / "data" / name).read_text(encoding="utf-8")), classify)
    assert report.emergency_recall >= recall
    assert report.emergency_precision >= precision
    assert report.emergency_kind_accuracy >= kind
