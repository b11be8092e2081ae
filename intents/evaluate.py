"""Evaluate the classifier on a labelled JSON Lines file (labels.md format).

Prints accuracy, macro-F1, per-intent precision / recall / F1, the emergency figures the
desk is held to (recall, precision, kind accuracy) and the confusion table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from intents.labels import Classification, EmergencyKind, Intent

INTENTS = tuple(Intent)


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of one evaluation run."""

    total: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    emergency_recall: float
    emergency_precision: float
    emergency_kind_accuracy: float
    confusion: dict[str, dict[str, int]]
    mistakes: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The machine-readable form (``desk classify --eval FILE --json``)."""
        return {
            "total": self.total,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_intent": self.per_intent,
            "emergency": {
                "recall": self.emergency_recall,
                "precision": self.emergency_precision,
                "kind_accuracy": self.emergency_kind_accuracy,
            },
            "confusion": self.confusion,
        }


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def evaluate(rows: Iterable[dict], classify: Callable[[str], Classification]) -> Report:
    """Classify each labelled row and compare with its labels."""
    gold_pred: list[tuple[str, str, str | None, str | None]] = []
    mistakes = []
    for row in rows:
        result = classify(str(row.get("text", "")))
        gold, predicted = str(row["intent"]), result.intent.value
        kind = result.emergency.value if result.emergency else None
        gold_pred.append((gold, predicted, row.get("emergency"), kind))
        if gold != predicted or (gold == "emergency" and row.get("emergency") != kind):
            mistakes.append(
                {
                    "text": row.get("text"),
                    "gold": gold,
                    "gold_kind": row.get("emergency"),
                    "predicted": predicted,
                    "kind": kind,
                    "confidence": result.confidence,
                }
            )
    total = len(gold_pred)
    confusion = {g.value: {p.value: 0 for p in INTENTS} for g in INTENTS}
    for gold, predicted, _, _ in gold_pred:
        confusion.setdefault(gold, {p.value: 0 for p in INTENTS})[predicted] += 1
    per_intent = {}
    f1s = []
    for intent in INTENTS:
        name = intent.value
        tp = confusion.get(name, {}).get(name, 0)
        predicted = sum(row.get(name, 0) for row in confusion.values())
        actual = sum(confusion.get(name, {}).values())
        precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
        f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
        per_intent[name] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
        if actual:
            f1s.append(f1)
    correct = sum(1 for g, p, _, _ in gold_pred if g == p)
    emergencies = [(gk, pk, p) for g, p, gk, pk in gold_pred if g == "emergency"]
    caught = [(gk, pk) for gk, pk, p in emergencies if p == "emergency"]
    return Report(
        total=total,
        accuracy=_ratio(correct, total),
        macro_f1=round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        per_intent=per_intent,
        emergency_recall=per_intent["emergency"]["recall"],
        emergency_precision=per_intent["emergency"]["precision"],
        emergency_kind_accuracy=_ratio(sum(1 for gk, pk in caught if gk == pk), len(caught)),
        confusion=confusion,
        mistakes=mistakes,
    )


def format_report(report: Report) -> str:
    """The human-readable report, with each emergency target beside its figure."""
    lines = [
        f"messages          {report.total}",
        f"accuracy          {report.accuracy:.3f}",
        f"macro-F1          {report.macro_f1:.3f}   (target >= 0.92)",
        f"emergency recall  {report.emergency_recall:.3f}   (target >= 0.98)",
        f"emergency precis. {report.emergency_precision:.3f}   (target >= 0.90)",
        f"emergency kind    {report.emergency_kind_accuracy:.3f}   (target >= 0.95, of emergencies caught)",
        "",
        f"{'intent':<12}{'precision':>10}{'recall':>8}{'F1':>8}{'n':>6}",
    ]
    for name, figures in report.per_intent.items():
        lines.append(
            f"{name:<12}{figures['precision']:>10.3f}{figures['recall']:>8.3f}"
            f"{figures['f1']:>8.3f}{figures['support']:>6}"
        )
    short = {
        "emergency": "emerg",
        "repair": "repair",
        "complaint": "compl",
        "renovation": "renov",
        "inquiry": "inqu",
        "other": "other",
    }
    lines += [
        "",
        "confusion (rows: labelled, columns: classified)",
        f"{'':<12}" + "".join(f"{short.get(p.value, p.value):>8}" for p in INTENTS),
    ]
    for gold, row in report.confusion.items():
        lines.append(f"{gold:<12}" + "".join(f"{row.get(p.value, 0):>8}" for p in INTENTS))
    return "\n".join(lines)


def read_labelled(text: str) -> list[dict]:
    """Rows of a labels.md JSON Lines file; raises ValueError naming the bad line."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: not JSON ({error.msg})") from None
        if (
            not isinstance(row, dict)
            or "text" not in row
            or row.get("intent") not in {i.value for i in INTENTS}
        ):
            raise ValueError(f'line {number}: needs "text" and an "intent" from labels.md')
        kind = row.get("emergency")
        if kind is not None and kind not in {k.value for k in EmergencyKind}:
            raise ValueError(f"line {number}: unknown emergency kind {kind!r}")
        rows.append(row)
    return rows
