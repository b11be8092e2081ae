"""Cross-validation of the classifier: how it meets wording it was not trained on.

Run: ``python -m intents.crossval`` prints, for each protocol, macro-F1 / emergency recall /
precision / kind accuracy:

- 5-fold over the union of ``data/examples*.jsonl`` (stratified by intent, folds by a hash
  of the text, so a line stays in its fold whatever order the files are in);
- file-level leave-one-out: train without one example file, test on it;
- the independent holdout (``benchmarks/data/intents-holdout.jsonl``, development data now),
  trained on every example file.

The lexicon is the same in every run (it is hand-written); the models and the known-words
list are retrained without the test rows, as a fresh import would train them.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from pathlib import Path

from intents import classifier
from intents.evaluate import Report, evaluate, read_labelled

FOLDS = 5
HOLDOUT = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "intents-holdout.jsonl"


def _retrain(rows: list[dict]) -> None:
    """Point the classifier at models trained on ``rows`` only."""
    classifier.use_training_rows(rows)


def _folds(rows: list[dict], k: int) -> list[list[dict]]:
    """Stratified folds: within each intent, rows ordered by a hash of their text, dealt round-robin."""
    by_intent: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_intent[row["intent"]].append(row)
    folds: list[list[dict]] = [[] for _ in range(k)]
    for intent in sorted(by_intent):
        ordered = sorted(by_intent[intent], key=lambda r: hashlib.sha1(r["text"].encode()).hexdigest())
        for i, row in enumerate(ordered):
            folds[i % k].append(row)
    return folds


def _line(name: str, report: Report) -> str:
    return (
        f"{name:<34}{report.total:>6}  macro-F1 {report.macro_f1:.3f}  em-recall {report.emergency_recall:.3f}"
        f"  em-precision {report.emergency_precision:.3f}  kind {report.emergency_kind_accuracy:.3f}"
    )


def run() -> list[tuple[str, Report]]:
    """Every protocol, as (name, report) pairs; restores the shipped models afterwards."""
    files = classifier.example_files()
    per_file = {path.name: read_labelled(path.read_text(encoding="utf-8")) for path in files}
    union = [row for rows in per_file.values() for row in rows]
    results = []
    try:
        folds = _folds(union, FOLDS)
        pooled: list[dict] = []
        predictions = {}
        for i, test in enumerate(folds):
            _retrain([row for j, fold in enumerate(folds) if j != i for row in fold])
            for row in test:
                predictions[row["text"]] = classifier.classify(row["text"])
            pooled.extend(test)
        results.append((f"{FOLDS}-fold over all examples", evaluate(pooled, predictions.__getitem__)))
        for name, test in per_file.items():
            if len(per_file) < 2:
                break
            _retrain([row for other, rows in per_file.items() if other != name for row in rows])
            results.append((f"leave out {name}", evaluate(test, classifier.classify)))
        _retrain(union)
        if HOLDOUT.exists():
            holdout = read_labelled(HOLDOUT.read_text(encoding="utf-8"))
            results.append(("holdout (all examples)", evaluate(holdout, classifier.classify)))
    finally:
        _retrain(union)
    return results


def main() -> int:
    """Print the cross-validated figures."""
    for name, report in run():
        print(_line(name, report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
