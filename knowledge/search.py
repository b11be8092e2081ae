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
from knowledge.text import MAX_QUESTION_CHARS, expansions, is_unigram, normalise, terms


def _is_cjk(term: str) -> bool:
    return not term.isascii()


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
    unknown_word_weight: float = 1.5  # the same for a whole (English) word the handbook never uses
    isolated_unknown: float = 0.3     # an unknown bigram between known ones: likely a word boundary
    unknown_run_word: bool = True     # a short run with no known bigram (often a glossed English word) is a word
    key_field: float = 3.0            # BM25F field weights: title and aliases,
    tag_field: float = 1.5            # tags and chapter title,
    answer_field: float = 1.0         # answer text
    k1: float = 1.2
    b: float = 0.5
    expansion_weight: float = 0.5     # topic words a described situation adds to the question
    w_fuzzy: float = 0.15             # share of the score from the best fuzzy title/alias match
    margin_weight: float = 3.0        # confidence = best * (1 + margin_weight * (best - second))
    # The decline threshold is calibrated on each handbook: its own titles and aliases are asked
    # with their entry hidden, which shows how confident a near-miss looks in this handbook.
    null_quantile: float = 0.45       # threshold = this quantile of those near-miss confidences,
    threshold_floor: float = 0.2      # kept within these bounds for tiny or odd handbooks
    threshold_ceiling: float = 0.6
    probes: int = 80                  # near-miss questions asked at load (sampled evenly)
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
        self.threshold = self._calibrate()

    def _calibrate(self) -> float:
        """The decline threshold for this handbook, from near-miss questions (see Tuning)."""
        tuning = self.tuning
        probes = [(item.entry, phrase) for item in self._items for phrase in (item.entry.title, *item.entry.aliases)]
        step = max(1, math.ceil(len(probes) / tuning.probes))
        near_misses = sorted(
            self.confidence([r for r in self.scores(phrase) if r[1] is not entry]) for entry, phrase in probes[::step]
        )
        if len(near_misses) < 5:   # too small a handbook to learn from
            return tuning.threshold_floor
        value = near_misses[int(tuning.null_quantile * (len(near_misses) - 1))]
        return min(max(value, tuning.threshold_floor), tuning.threshold_ceiling)

    def _weight(self, term: str) -> float:
        idf = self._idf.get(term)
        if idf is None:
            share = self.tuning.unknown_weight if _is_cjk(term) else self.tuning.unknown_word_weight
            idf = self._max_idf * share
        return idf * (self.tuning.unigram_weight if is_unigram(term) else 1.0)

    def _question_weights(self, runs: tuple[str, ...]) -> dict[str, float]:
        """IDF weight of each question term; unknown bigrams next to known ones count little."""
        weights: dict[str, float] = {}
        for run in runs:
            if not _is_cjk(run):
                weights[run] = self._weight(run)
                continue
            for ch in run:
                weights[ch] = self._weight(ch)
            bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
            known = [b in self._idf for b in bigrams]
            if self.tuning.unknown_run_word and 2 <= len(run) <= 4 and not any(known):
                # "会所" alone, from "clubhouse": a topic this handbook does not have.
                weights[run] = self._max_idf * self.tuning.unknown_word_weight
                continue
            for i, bigram in enumerate(bigrams):
                weight = self._weight(bigram)
                # "物业费在哪交": 费在 is unknown but sits between 业费 and 在哪, so it is a seam, not a topic.
                if not known[i] and (i == 0 or known[i - 1]) and (i == len(bigrams) - 1 or known[i + 1]):
                    weight *= self.tuning.isolated_unknown
                weights[bigram] = max(weights.get(bigram, 0.0), weight)
        return weights

    def scores(self, question: str) -> list[tuple[float, Entry]]:
        """Candidate entries with their scores, best first (empty when nothing is comparable)."""
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION_CHARS:
            return []
        runs = normalise(question)
        q_terms = set(terms(runs))
        if not any(not is_unigram(t) for t in q_terms):
            return []   # a lone character or only filler words: nothing to match on
        tuning = self.tuning
        weights = self._question_weights(runs)
        total = sum(weights.values())
        # Topic words of a described situation add evidence but do not raise the bar (total).
        for term in set(terms(expansions(question))) - q_terms:
            if term in self._idf:
                weights[term] = self._weight(term) * tuning.expansion_weight
        acc: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            for i, value in self._postings.get(term, ()):
                acc[i] += weight * value
        if not acc:
            return []
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
        confidence = self.confidence(ranked)
        if confidence < self.threshold:
            return None
        # Runner-ups close to the best are worth a "did you mean" from the desk.
        alternatives = tuple((e.title, round(s, 3)) for s, e in ranked[1:4] if s >= best_score * 0.75)
        return Answer(entry=best, score=round(confidence, 3), alternatives=alternatives)

    def confidence(self, ranked: list[tuple[float, Entry]]) -> float:
        """How sure the best match is, in [0, 1]: its score, raised by its lead over the second.

        A question the handbook covers usually matches one entry clearly; one it does
        not cover matches several entries a little, with no clear winner.
        """
        if not ranked:
            return 0.0
        best = ranked[0][0]
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        return min(1.0, best * (1 + self.tuning.margin_weight * (best - second)))
