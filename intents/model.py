"""A small multinomial naive Bayes over character and word n-grams, in pure Python.

It gives the classifier a reading of wording the lexicon does not list ("家里一股臭鸡蛋的
味道" is gas without saying 燃气). It is trained when the package is imported, from the
labelled examples in ``data/examples.jsonl`` (a few milliseconds), so adding an example
line is all it takes to teach it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from intents.normalize import Normalized, normalize

# Laplace smoothing: small, because examples are few and most n-grams are seen once.
ALPHA = 0.2
_LATIN_RUN = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"[0-9]+")
_CLAUSE_BREAK = re.compile(r"[^\w]+")


def features(norm: Normalized) -> set[str]:
    """Character 1–3-grams of the Chinese text and word 1–2-grams of the English text."""
    feats: set[str] = set()
    chinese = _DIGITS.sub("0", _LATIN_RUN.sub(" ", norm.cjk))
    for run in _CLAUSE_BREAK.split(chinese):
        n = len(run)
        for i in range(n):
            feats.add(run[i])
            if i + 1 < n:
                feats.add(run[i : i + 2])
                if i + 2 < n:
                    feats.add(run[i : i + 3])
    words = _DIGITS.sub("0", norm.words).split()
    for i, word in enumerate(words):
        feats.add("w:" + word)
        if i + 1 < len(words):
            feats.add("w:" + word + "_" + words[i + 1])
    return feats


@dataclass(frozen=True, slots=True)
class NaiveBayes:
    """Per-class log probabilities of features; ``scores`` gives length-normalised log-likelihoods."""

    classes: tuple[Hashable, ...]
    log_prior: dict[Hashable, float]
    log_prob: dict[str, tuple[float, ...]]
    log_unseen: tuple[float, ...]

    def scores(self, feats: Iterable[str]) -> dict[Hashable, float]:
        """Mean log-likelihood per known feature plus prior, per class (higher is likelier)."""
        totals = [0.0] * len(self.classes)
        known = 0
        for feat in feats:
            row = self.log_prob.get(feat)
            if row is None:
                continue
            known += 1
            for i, value in enumerate(row):
                totals[i] += value
        # Dividing by sqrt(n) keeps long messages from producing absurd certainty: naive Bayes
        # counts overlapping n-grams as independent evidence, which they are not.
        # A message of two or three known n-grams says little: shrink its reading towards
        # the prior rather than trust one n-gram.
        scale = min(1.0, known / 6) / math.sqrt(known) if known else 0.0
        return {c: self.log_prior[c] * 0.2 + totals[i] * scale for i, c in enumerate(self.classes)}


def train(samples: Sequence[tuple[set[str], Hashable]]) -> NaiveBayes:
    """Fit on (features, label) pairs."""
    classes = tuple(sorted({label for _, label in samples}, key=str))
    index = {c: i for i, c in enumerate(classes)}
    counts: dict[str, list[int]] = {}
    totals = [0] * len(classes)
    docs = Counter(label for _, label in samples)
    for feats, label in samples:
        i = index[label]
        for feat in feats:
            counts.setdefault(feat, [0] * len(classes))[i] += 1
            totals[i] += 1
    vocabulary = len(counts)
    denominators = [math.log(t + ALPHA * vocabulary) for t in totals]
    log_prob = {
        feat: tuple(math.log(row[i] + ALPHA) - denominators[i] for i in range(len(classes)))
        for feat, row in counts.items()
    }
    log_unseen = tuple(math.log(ALPHA) - d for d in denominators)
    n = len(samples)
    log_prior = {c: math.log(docs[c] / n) for c in classes}
    return NaiveBayes(classes, log_prior, log_prob, log_unseen)


def read_examples(path: Path) -> list[dict]:
    """Labelled examples in the labels.md JSON Lines format; blank and # lines skipped."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not a JSON object: {error.msg}") from None
    return rows


def train_from_examples(rows: Iterable[dict]) -> tuple[NaiveBayes, NaiveBayes]:
    """Train the intent model and the emergency-kind model from labelled rows."""
    intent_samples, kind_samples = [], []
    for row in rows:
        feats = features(normalize(row["text"]))
        intent_samples.append((feats, row["intent"]))
        if row["intent"] == "emergency" and row.get("emergency"):
            kind_samples.append((feats, row["emergency"]))
    return train(intent_samples), train(kind_samples)
