"""A small multinomial naive Bayes over character and word n-grams, in pure Python.

It gives the classifier a reading of wording the lexicon does not list ("家里一股臭鸡蛋的
味道" is gas without saying 燃气). Its counts come from the labelled examples in
``data/examples*.jsonl``; ``intents.training`` caches them in ``data/model.cache.json`` and
recounts at import when an example file changed, so adding an example line is all it takes
to teach it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import add
from pathlib import Path

from intents.normalize import Normalized, normalize

# Laplace smoothing: small, because examples are few and most n-grams are seen once.
ALPHA = 0.2
_LATIN_RUN = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"[0-9]+")
# Addresses and floors (3栋2单元501, 12楼, 5f) say where, not what: left out of the n-grams, or
# the model learns that whoever writes their flat number has an emergency.
# The lookbehind starts a number only where a run of letters and digits starts: the match would start
# there anyway, and without it re retries every letter of a long English run (quadratic in its length).
_PLACE_NUMBER = re.compile(
    r"(?<![0-9a-z])[0-9a-z]*[0-9][0-9a-z]*\s*(?:号楼|号栋|号|栋|幢|座|单元|室|楼|层|f\b)?|[a-z](?=座|栋)(?:座|栋)"
)
_CLAUSE_BREAK = re.compile(r"[^\w]+")


def features(norm: Normalized) -> set[str]:
    """Character 1–2-grams of the Chinese text and word 1–2-grams of the English text.

    Trigrams were tried: no better on the held-out examples, and 20 % slower per message.
    """
    feats: set[str] = set()
    chinese = _LATIN_RUN.sub(" ", _PLACE_NUMBER.sub(" ", norm.cjk))
    for run in _CLAUSE_BREAK.split(chinese):
        if run:
            feats.update(run)
            feats.update(map(add, run, run[1:]))  # the bigrams, joined in C
    words = ["w:" + w for w in norm.words.split() if not w[0].isdigit()]
    feats.update(words)
    feats.update([a + "_" + b[2:] for a, b in pairwise(words)])
    return feats


@dataclass(frozen=True, slots=True)
class NaiveBayes:
    """Per-class feature log probabilities; ``scores`` gives length-normalised log-likelihoods."""

    classes: tuple[Hashable, ...]
    log_prior: tuple[float, ...]
    log_unseen: tuple[float, ...]  # per class: log P(feature | class) of a feature never seen with it
    # feature -> per class, log P(feature | class) - log_unseen[class] (zero for a class the
    # feature was never seen with): a message's score is the column sums of its rows.
    rows: dict[str, tuple[float, ...]]

    def scores(self, feats: set[str]) -> dict[Hashable, float]:
        """Scaled log-likelihood of the known features plus a damped prior, per class (higher is likelier)."""
        # The rows of the known features and their column sums, all in C (filter, map, zip, sum)
        # rather than a Python loop per feature and class. Every row is a non-empty tuple, so
        # filter(None) drops exactly the unknown features.
        known = list(filter(None, map(self.rows.get, feats)))
        n = len(known)
        totals = list(map(sum, zip(*known))) if n else [0.0] * len(self.classes)
        # Dividing by sqrt(n) keeps long messages from producing absurd certainty: naive Bayes
        # counts overlapping n-grams as independent evidence, which they are not. A message of
        # two or three known n-grams says little: shrink its reading further towards the prior.
        scale = min(1.0, n / 6) / math.sqrt(n) if n else 0.0
        return {
            c: self.log_prior[i] * 0.2 + (totals[i] + n * self.log_unseen[i]) * scale
            for i, c in enumerate(self.classes)
        }


@dataclass(frozen=True, slots=True)
class Counts:
    """What training learns from the examples: messages and feature occurrences per class (cacheable)."""

    classes: tuple[str, ...]
    docs: tuple[int, ...]  # messages per class
    features: dict[str, tuple[int, ...]]  # feature -> messages of each class that contain it


def count(samples: Sequence[tuple[set[str], str]]) -> Counts:
    """Count (features, label) pairs."""
    classes = tuple(sorted({label for _, label in samples}, key=str))
    # One Counter per class: the counting stays in C (Counter.update).
    per_class: dict[str, Counter[str]] = {c: Counter() for c in classes}
    for feats, label in samples:
        per_class[label].update(feats)
    vocabulary = list(frozenset().union(*per_class.values()))
    # Built column by column with C-level dict / map / zip: training at import stays fast.
    columns = []
    for c in classes:
        table = dict.fromkeys(vocabulary, 0)
        table.update(per_class[c])
        columns.append(map(table.__getitem__, vocabulary))
    docs = Counter(label for _, label in samples)
    return Counts(classes, tuple(docs[c] for c in classes), dict(zip(vocabulary, zip(*columns))))


def fit(counts: Counts) -> NaiveBayes:
    """The naive Bayes tables of some counts."""
    classes, rows_of_counts = counts.classes, counts.features
    totals = [sum(column) for column in zip(*rows_of_counts.values())] or [0] * len(classes)
    denominators = [math.log(t + ALPHA * len(rows_of_counts)) for t in totals]
    log_unseen = tuple(math.log(ALPHA) - d for d in denominators)
    most = max((max(row) for row in rows_of_counts.values()), default=0)
    # bonus[0] is exactly 0.0: a feature never seen with a class adds nothing beyond log_unseen.
    bonus = [math.log(n + ALPHA) - math.log(ALPHA) for n in range(most + 1)]
    rows = {feat: tuple(map(bonus.__getitem__, row)) for feat, row in rows_of_counts.items()}
    n_docs = sum(counts.docs)
    log_prior = tuple(math.log(d / n_docs) for d in counts.docs)
    return NaiveBayes(classes, log_prior, log_unseen, rows)


def train(samples: Sequence[tuple[set[str], str]]) -> NaiveBayes:
    """Fit on (features, label) pairs."""
    return fit(count(samples))


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


def count_examples(rows: Iterable[dict]) -> tuple[Counts, Counts]:
    """Count the intent model's and the emergency-kind model's evidence in labelled rows."""
    intent_samples, kind_samples = [], []
    for row in rows:
        feats = features(normalize(row["text"]))
        intent_samples.append((feats, row["intent"]))
        if row["intent"] == "emergency" and row.get("emergency"):
            kind_samples.append((feats, row["emergency"]))
    return count(intent_samples), count(kind_samples)


def train_from_examples(rows: Iterable[dict]) -> tuple[NaiveBayes, NaiveBayes]:
    """Train the intent model and the emergency-kind model from labelled rows."""
    intent, kind = count_examples(rows)
    return fit(intent), fit(kind)
