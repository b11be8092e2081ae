"""A topic bridge across communities: what residents' whole questions were about, in handbooks' words.

Residents of different communities ask about the same topics in shared words, while each handbook
names them its own way. The bridge keeps, for every labelled question of the development handbooks
(`knowledge.learn` writes it to `bridge_data.py`), the question's terms and the terms of the entry
that answered it (its title and aliases; none for an out-of-scope question). A new question finds
its nearest labelled questions by the terms they share (IDF over the labelled questions, cosine),
and their entries' terms, weighted by similarity, become evidence for the new handbook's entries
that use those terms (`search.Matcher`). Nearest questions that were out of scope vote for
nothing, so a question like those that no handbook answered gains little.

Standard library only; nothing here names a community or an entry.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from knowledge.lexicon import FUNCTION_CHARS, INTERROGATIVES, QUESTION_WORDS
from knowledge.text import normalise

_INTERROGATIVE = re.compile("|".join(sorted(INTERROGATIVES, key=len, reverse=True)))
_NUMERALS = frozenset("一二两三四五六七八九十百千万几")
# Modal, negation and locative characters: a bigram with one (里能 of 小区里能, 不上 of 连不上) is a seam
# between a topic and the question's pattern, learned from many questions but pointing at no topic.
_PARTICLES = frozenset("能会要可不没里得")

# An entry that answered labelled questions: its title and aliases' terms, and its answer's other terms,
# each a space-separated string (compact as generated data).
Target = tuple[str, str]
# One labelled question: its terms (space-separated) and the index of its entry, or -1 when out of scope.
Record = tuple[str, int]


def run_features(runs: Iterable[str]) -> set[str]:
    """Terms of normalised runs worth associating: bigrams and words, not interrogatives, seams or
    function words."""
    out: set[str] = set()
    for run in runs:
        if run.isascii():
            if len(run) > 1 and not run.isdigit():
                out.add(run)
            continue
        # 么时 of 什么时候, 费怎 of 物业费怎么交: the pattern of a question, not its topic.
        inside = [False] * len(run)
        for match in _INTERROGATIVE.finditer(run):
            inside[match.start():match.end()] = [True] * (match.end() - match.start())
        for i in range(len(run) - 1):
            bigram = run[i:i + 2]
            if not (inside[i] or inside[i + 1] or bigram in QUESTION_WORDS
                    or any(ch in FUNCTION_CHARS or ch in _NUMERALS or ch in _PARTICLES for ch in bigram)):
                out.add(bigram)
    return out


def features(text: str) -> set[str]:
    """Terms of a text worth associating (see run_features)."""
    return run_features(normalise(text))


class Bridge:
    """Nearest labelled questions of other communities, and the entry terms they point at."""

    def __init__(self, targets: Sequence[Target], records: Sequence[Record]) -> None:
        self._targets = [(tuple(key.split()), tuple(answer.split())) for key, answer in targets]
        self._entry: list[int] = []
        self._terms: list[frozenset[str]] = []
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, (question, entry) in enumerate(records):
            q_terms = frozenset(question.split())
            self._terms.append(q_terms)
            self._entry.append(entry)
            for term in q_terms:
                postings[term].append(i)
        n = max(len(records), 1)
        self._idf = {t: math.log(1 + n / len(ids)) for t, ids in postings.items()}
        self._postings = dict(postings)
        self._norms = [math.sqrt(sum(self._idf[t] ** 2 for t in q)) or 1.0 for q in self._terms]

    def __len__(self) -> int:
        return len(self._entry)

    def __bool__(self) -> bool:
        return bool(self._entry)

    def nearest(self, q_terms: Iterable[str], k: int, min_similarity: float, min_shared: int = 1
                ) -> list[tuple[float, tuple[str, ...], tuple[str, ...], dict[str, float]]]:
        """The k nearest labelled questions at least min_similarity alike (cosine over IDF-weighted terms)
        and sharing at least min_shared terms: (similarity, their entry's title and alias terms, its
        answer's other terms (both empty when out of scope), the shared terms with their squared IDF)."""
        q = [t for t in set(q_terms) if t in self._idf]
        if not q:
            return []
        q_norm = math.sqrt(sum(self._idf[t] ** 2 for t in q))
        # Count shared terms first (Counter.update loops in C, not Python), then weigh only the
        # questions that share enough. The dot product adds the same weights in the same order (q's)
        # as one pass over the postings would, so the similarities are identical to the last bit.
        count: Counter[int] = Counter()
        for t in q:
            count.update(self._postings[t])
        weighted = [(t, self._idf[t] ** 2) for t in q]
        terms = self._terms

        def dot(i: int) -> float:
            shared, d = terms[i], 0.0
            for t, w in weighted:
                if t in shared:
                    d += w
            return d

        near = heapq.nlargest(k, ((dot(i) / (q_norm * self._norms[i]), i) for i, c in count.items()
                                  if c >= min_shared))
        out = []
        for similarity, i in near:
            if similarity < min_similarity:
                break
            key, answer = self._targets[self._entry[i]] if self._entry[i] >= 0 else ((), ())
            out.append((similarity, key, answer, {t: self._idf[t] ** 2 for t in q if t in self._terms[i]}))
        return out


def build(entries: Iterable[tuple[str, str]], questions: Iterable[tuple[str, int]]
          ) -> tuple[tuple[Target, ...], tuple[Record, ...]]:
    """Generated data from texts: entries as (title and aliases, answer), questions as (text, entry index
    or -1). Terms are sorted, so the data is deterministic."""
    targets = []
    for key_text, answer_text in entries:
        key = features(key_text)
        targets.append((" ".join(sorted(key)), " ".join(sorted(features(answer_text) - key))))
    records = tuple((" ".join(sorted(features(text))), entry) for text, entry in questions)
    # A question with no terms finds nothing; an entry with none would look out of scope.
    return tuple(targets), tuple((q, e) for q, e in records if q and (e < 0 or any(targets[e])))
