"""Match a resident's question to the handbook entry that answers it, or decline.

Works on any handbook in the format: every weight comes from the handbook's own
statistics (IDF over its entries) and from generic vocabulary in `lexicon`.

How an entry is scored (all parts in [0, 1]):
- *key coverage*: the share of the question's informative weight (IDF) found in
  the entry's title and aliases (tags and chapter count a little less);
- *phrase fit*: the best weighted Dice overlap between the question and one
  title or alias, so a question that *is* an alias scores near 1;
- *full coverage*: as key coverage, but words found only in the answer count too;
- *fuzzy*: rapidfuzz partial ratio against titles and aliases, for typos.
The score is their weighted sum. An answer is given only when the best score
clears a threshold and is not a near-tie with a different entry; declining is
cheaper than a wrong confident answer.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge.handbook import Entry
from knowledge.text import MAX_QUESTION_CHARS, is_unigram, normalise, terms


@dataclass(frozen=True, slots=True)
class Answer:
    """The entry that answers a question, how sure the match is, and runner-up titles."""

    entry: Entry
    score: float
    alternatives: tuple[tuple[str, float], ...] = ()

    @property
    def title(self) -> str:
        """The entry's title, which the desk cites as the source."""
        return self.entry.title

    @property
    def text(self) -> str:
        """The answer as written in the handbook (placeholders not filled)."""
        return self.entry.answer


@dataclass(frozen=True, slots=True)
class Tuning:
    """Weights of the matcher; generic, chosen on question sets of two handbooks."""

    unigram_weight: float = 0.35      # single characters say less than bigrams
    unknown_weight: float = 0.6       # share of max IDF for terms the handbook never uses
    key_field: float = 3.0            # BM25F field weights: title and aliases,
    tag_field: float = 1.5            # tags and chapter title,
    answer_field: float = 1.0         # answer text
    k1: float = 1.2
    b: float = 0.5
    w_fuzzy: float = 0.15             # share of the score from the best fuzzy title/alias match
    threshold: float = 0.3            # below this the handbook does not cover the question
    tie_margin: float = 0.0           # best and second within this, both below tie_floor: decline
    tie_floor: float = 0.6
    candidates: int = 40
    posting_cap: float = 0.3          # terms in more than this share of entries do not pick candidates


DEFAULT_TUNING = Tuning()


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: Entry
    phrases: tuple[str, ...]          # normalised title and aliases, for fuzzy matching
    sat: dict[str, float]             # term -> BM25F saturated frequency in [0, 1)


class Matcher:
    """An index over a handbook's entries, built once, answering many questions."""

    def __init__(self, entries: Sequence[Entry], tuning: Tuning = DEFAULT_TUNING) -> None:
        self.tuning = tuning
        fields: list[tuple[Counter[str], Counter[str], Counter[str]]] = []
        phrases_of: list[tuple[str, ...]] = []
        df: Counter[str] = Counter()
        for entry in entries:
            key: Counter[str] = Counter()
            phrases = []
            for phrase in (entry.title, *entry.aliases):
                runs = normalise(phrase)
                key.update(terms(runs))
                phrases.append("".join(runs))
            plain_tags = [t for t in entry.tags if not t.lower().startswith("emergency")]
            tagged = Counter(terms(normalise(" ".join([*plain_tags, entry.chapter]))))
            answer = Counter(terms(normalise(entry.answer)))
            fields.append((key, tagged, answer))
            phrases_of.append(tuple(p for p in phrases if p))
            df.update(set(key) | set(tagged) | set(answer))
        n = max(len(fields), 1)
        avg = [max(sum(sum(f[i].values()) for f in fields) / n, 1.0) for i in range(3)]
        weights = (tuning.key_field, tuning.tag_field, tuning.answer_field)
        self._items: list[_Indexed] = []
        for entry, f, phrases in zip(entries, fields, phrases_of, strict=True):
            norms = [1 - tuning.b + tuning.b * sum(f[i].values()) / avg[i] for i in range(3)]
            sat = {}
            for term in set(f[0]) | set(f[1]) | set(f[2]):
                tf = sum(weights[i] * f[i][term] / norms[i] for i in range(3))
                sat[term] = tf / (tf + tuning.k1)
            self._items.append(_Indexed(entry, phrases, sat))
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Candidate search skips terms found nearly everywhere: they cannot pick an entry, only slow it down.
        cap = max(tuning.posting_cap * n, 30)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, item in enumerate(self._items):
            for term, value in item.sat.items():
                if df[term] <= cap:
                    self._postings[term].append((i, value))

    def _weight(self, term: str) -> float:
        idf = self._idf.get(term)
        if idf is None:
            idf = self._max_idf * self.tuning.unknown_weight
        return idf * (self.tuning.unigram_weight if is_unigram(term) else 1.0)

    def scores(self, question: str) -> list[tuple[float, Entry]]:
        """Candidate entries with their scores, best first (empty when nothing is comparable)."""
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION_CHARS:
            return []
        runs = normalise(question)
        q_terms = set(terms(runs))
        if not any(not is_unigram(t) for t in q_terms):
            return []   # a lone character or only filler words: nothing to match on
        weights = {t: self._weight(t) for t in q_terms}
        total = sum(weights.values())
        acc: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            for i, value in self._postings.get(term, ()):
                acc[i] += weight * value
        if not acc:
            return []
        tuning = self.tuning
        q_text = "".join(runs)
        results = []
        for i in heapq.nlargest(tuning.candidates, acc, key=acc.__getitem__):
            item = self._items[i]
            coverage = sum(w * item.sat.get(t, 0.0) for t, w in weights.items()) / total
            fuzzy = max((fuzz.ratio(q_text, p) / 100 for p in item.phrases), default=0.0)
            score = (1 - tuning.w_fuzzy) * coverage + tuning.w_fuzzy * fuzzy
            results.append((min(max(score, 0.0), 1.0), item.entry))
        results.sort(key=lambda r: -r[0])
        return results
    def answer(self, question: str) -> Answer | None:
        """The best entry when it clearly answers the question, else None."""
        try:
            ranked = self.scores(question)
        except (ValueError, TypeError, RecursionError, MemoryError):  # hostile input never reaches the user
            return None
        if not ranked:
            return None
        best_score, best = ranked[0]
        if best_score < self.tuning.threshold:
            return None
        if len(ranked) > 1:
            second = ranked[1][0]
            if best_score - second < self.tuning.tie_margin and best_score < self.tuning.tie_floor:
                return None
        alternatives = tuple((e.title, round(s, 3)) for s, e in ranked[1:4] if s >= self.tuning.threshold * 0.8)
        return Answer(entry=best, score=round(best_score, 3), alternatives=alternatives)
