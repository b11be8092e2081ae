"""Match a resident's question to the handbook entry that answers it, or decline.

Works on any handbook in the format: weights come from the handbook's own
statistics (IDF over its entries) and from generic vocabulary in `lexicon`;
nothing here knows any particular entry.

Scoring a candidate entry (each part in [0, 1]):
- *coverage*: how much of the question's informative weight (IDF of its
  character bigrams, unigrams and words) the entry explains, with BM25F
  saturation over title+aliases, tags+chapter and answer;
- *sentence*: the same for the single answer sentence that explains most;
- *fuzzy*: rapidfuzz ratio against the closest title or alias (typos, echoes).
Learned from labelled questions of other communities (`knowledge.learn`): term associations
(`associations.py`) and the topic bridge (`knowledge.bridge`), whose nearest questions add their
entries' terms as evidence and, when they were out of scope there, lower every score.
Confidence is the best score raised by its lead over the second best; below a
threshold calibrated on the handbook itself the matcher declines, because a
wrong confident answer is worse than handing over to a person.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.associations import ASSOCIATIONS
from knowledge.bridge import Bridge, run_features
from knowledge.bridge_data import RECORDS, TARGETS
from knowledge.handbook import Entry
from knowledge.lexicon import FUNCTION_CHARS, INTERROGATIVES, QUESTION_WORDS
from knowledge.text import (
    MAX_QUESTION_CHARS,
    domain_words,
    emergencies,
    is_unigram,
    kinds,
    normalise,
    situations,
    terms,
)

_SENTENCE_END = re.compile(r"[\n。;；!！?？]+")
_EMERGENCY_MARK = "!"   # prefix of the term an emergency:KIND tag becomes; no text term starts with it


_INTERROGATIVE = re.compile("|".join(sorted(INTERROGATIVES, key=len, reverse=True)))


def _interrogative_seams(run: str) -> frozenset[int]:
    """Positions of bigrams with one character inside an interrogative and one outside."""
    inside = [False] * len(run)
    for match in _INTERROGATIVE.finditer(run):
        inside[match.start():match.end()] = [True] * (match.end() - match.start())
    return frozenset(i for i in range(len(run) - 1) if inside[i] != inside[i + 1])


def _fuzzy_text(runs: tuple[str, ...]) -> str:
    """Text compared by spelling: the question's topic, without its interrogatives."""
    # Otherwise "房产证丢了怎么补办" is close to "门禁卡丢了怎么补?" by sharing the pattern of the question.
    text = "".join(runs)
    return _INTERROGATIVE.sub("", text) or text


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
    """Weights of the matcher; generic, chosen on known sets and proxies of unseen ones (test_quality.py)."""

    unigram_weight: float = 0.5       # single characters say less than bigrams
    unknown_weight: float = 0.6       # share of max IDF for terms the handbook never uses
    unknown_word_weight: float = 1.5  # the same for a whole (English) word the handbook never uses
    function_weight: float = 0.5      # a bigram with a function character (个, 这, 是…) counts this much
    function_unknown: float = 0.3     # and this much more when the handbook never uses that bigram
    question_word_weight: float = 0.5  # 哪里, 多少, 怎么…: kept, but they cannot carry a match alone
    # A known bigram across the edge of an interrogative (失怎, 么补 of 丢失怎么补) is the pattern of a question,
    # echoing a title of that pattern ("门禁卡丢了怎么补?") whatever its topic: it counts this much.
    interrogative_seam: float = 0.1
    letter_weight: float = 0.3        # a lone ASCII letter ("唱k") counts this much of an unknown word
    skip_weight: float = 0.25         # a skip-bigram (A_C of ABC) where the bigram AB is unknown
    number_weight: float = 0.7        # a number counts this much
    isolated_unknown: float = 0.3     # an unknown bigram between known ones: likely a word boundary
    unknown_domain_weight: float = 1.0  # share of max IDF for a domain word (text.DOMAIN_WORDS) it never uses
    unknown_run_chars: int = 3        # a run this short with no known bigram (a glossed English word?) is a word
    key_field: float = 3.0            # BM25F field weights: title and aliases,
    tag_field: float = 1.5            # tags and chapter title,
    answer_field: float = 1.0         # answer text
    k1: float = 1.2
    b: float = 0.5
    expansion_weight: float = 0.5     # topic words a described situation adds to the question count this much,
    expansion_cap: float = 2.0        # but each situation adds at most this times the weight of its own words;
    explained_unknown: float = 0.3    # situation words the handbook never uses keep this share of their weight
    explain_runs: bool = True         # and so does an unknown short run that contains a situation word
    emergency_weight: float = 1.0     # share of its IDF for the emergency:KIND term of a described emergency
    emergency_share: float = 0.5       # ... or this share of the question's weight, if more
    # Learned associations (knowledge.learn): entry terms that the question's terms point at add evidence
    # at this share of P(entry term | question term) times the entry term's weight, without raising the bar.
    # 0.7 since session 6 (0.5 before): with thirty-two communities learned, their evidence is worth more;
    # leave one handbook out top-1 0.845 -> 0.856 with bridge_cap 0.7, wrong 0.067 -> 0.068 (docs/knowledge.md).
    association_weight: float = 0.7
    association_cap: float = 0.5      # and all of them together at most this share of the question's weight
    association_gap_only: bool = True  # only from question terms the handbook never uses (a vocabulary gap)
    # The topic bridge (knowledge.bridge): the entries that answered the nearest labelled questions of other
    # communities point at terms, which add evidence at this share of their similarity-weighted vote times
    # their weight, without raising the bar,
    bridge_weight: float = 0.5
    bridge_cap: float = 0.7           # all of them together at most this share of the question's weight (0.5
                                      # before session 6, with association_weight above);
    bridge_k: int = 10                # from this many nearest labelled questions,
    bridge_min_similarity: float = 0.5  # at least this similar (cosine over IDF-weighted terms)
    bridge_min_shared: int = 2        # and sharing at least this many terms with the question (one word is chance);
    bridge_relative: float = 0.8      # and at least this share of the nearest one's similarity
    bridge_answer_share: float = 1.0  # a term of such an entry's answer only (not its title or aliases) counts this
    # Nearest questions that were out of scope: every score times (1 - this * their similarity-weighted share),
    # each counted by the share of the words it shares with the question that this handbook lacks (** below):
    # a pool question is out of scope elsewhere, not in a handbook with a pool.
    bridge_null_penalty: float = 0.8
    bridge_null_lacking: float = 1.0
    # The decline bar is calibrated without the bridge: a title asked with its entry hidden gains evidence
    # for its siblings from the bridge, which raised the bar and declined answerable questions (LOO top-1
    # 0.832 calibrated with it, 0.840 without, wrong 0.055 and 0.056).
    bridge_calibrate: bool = False
    length_gamma: float = 0.7         # <1: long questions need not be covered word for word
    w_sentence: float = 0.2           # share of the score from the best single answer line
    w_fuzzy: float = 0.15             # share of the score from the best fuzzy title/alias match
    kind_penalty: float = 0.05        # score lost by an entry whose title answers another kind of question
    lone_second: float = 0.5          # a lone candidate leads only a phantom runner-up at this share of its score
    margin_weight: float = 3.0        # confidence = best * (1 + margin_weight * (best - second))
    # The decline threshold is calibrated on each handbook: its own titles are asked
    # with their entry hidden, which shows how confident a near-miss looks in this handbook.
    null_quantile: float = 0.4        # threshold = this quantile of those near-miss confidences,
    prior_threshold: float = 0.3      # and shrunk towards this prior by prior_weight,
    prior_weight: float = 0.5
    threshold_floor: float = 0.2      # kept within these bounds for tiny or odd handbooks;
    # the densest handbook we know (bundled: rich aliases, many sibling question titles) calibrates to 0.39,
    # all others (alias-stripped proxies included) to 0.23-0.35. A higher bar comes from sibling titles
    # (heating fee, heating cold, stopping heating) whose near misses are siblings, not topics the handbook
    # lacks, so it would decline answerable questions rather than out-of-scope ones.
    threshold_ceiling: float = 0.4
    # The operating point: the calibrated bar times this. Below 1 answers more and declines fewer
    # out-of-scope questions; the curve per development handbook is in docs/knowledge.md (seventh round).
    threshold_scale: float = 1.0
    # Suggestions after a decline ("maybe one of these?"): offered when the confidence reaches this share
    # of the bar, and only candidates scoring at least suggest_share of the best. Chosen on the development
    # handbooks (docs/knowledge.md, "Suggestions"): the right entry is among them for 55-86% of declined
    # in-scope questions, while 13-41% of out-of-scope questions get any.
    suggest_floor: float = 0.65
    suggest_share: float = 0.5
    probes: int = 100                 # near-miss questions asked at load (sampled evenly)
    probe_aliases: bool = False       # ask aliases too, not only titles
    candidates: int = 25              # entries scored in full per question
    posting_cap: float = 0.3          # terms in more than this share of entries do not pick candidates


DEFAULT_TUNING = Tuning()

_BRIDGE: Bridge | None = None
_BRIDGE_LOCK = threading.Lock()


def _default_bridge() -> Bridge:
    """The shipped bridge (bridge_data.py), built once, on the first handbook loaded (about 15 ms)."""
    global _BRIDGE
    with _BRIDGE_LOCK:
        if _BRIDGE is None:
            _BRIDGE = Bridge(TARGETS, RECORDS)
        return _BRIDGE


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: Entry
    phrases: tuple[str, ...]          # normalised title and aliases, for fuzzy matching
    kinds: frozenset[str]             # what the title and aliases say the entry answers (text.kinds)
    sat: dict[str, float]             # term -> BM25F saturated frequency in [0, 1)
    lines: tuple[frozenset[str], ...]  # terms of each answer sentence


class Matcher:
    """An index over a handbook's entries, built once, answering many questions."""

    def __init__(self, entries: Sequence[Entry], tuning: Tuning = DEFAULT_TUNING,
                 associations: Mapping[str, tuple[tuple[str, float], ...]] = ASSOCIATIONS,
                 bridge: Bridge | None = None) -> None:
        self.tuning = tuning
        self._associations = associations
        self._bridge = bridge if bridge is not None else _default_bridge()
        fields: list[tuple[Counter[str], Counter[str], Counter[str]]] = []
        phrases_of: list[tuple[str, ...]] = []
        lines_of: list[tuple[frozenset[str], ...]] = []
        df: Counter[str] = Counter()
        for entry in entries:
            key: Counter[str] = Counter()
            phrases = []
            for phrase in (entry.title, *entry.aliases):
                runs = normalise(phrase)
                key.update(terms(runs))
                phrases.append(_fuzzy_text(runs))
            plain_tags = [t for t in entry.tags if not t.lower().startswith("emergency")]
            tagged = Counter(terms(normalise(" ".join([*plain_tags, entry.chapter]))))
            # An emergency tag becomes a term of its own ("!flood"), which a question describing
            # that emergency (text.emergencies) reaches whatever the entry's title says.
            tagged.update(_EMERGENCY_MARK + t.split(":", 1)[1].strip().lower()
                          for t in entry.tags if t.lower().startswith("emergency:"))
            # The answer is read line by line (a sentence is also the unit of the sentence feature).
            lines = [terms(normalise(line)) for line in _SENTENCE_END.split(entry.answer) if line.strip()]
            answer = Counter(t for line in lines for t in line)
            lines_of.append(tuple(frozenset(line) for line in lines if line))
            fields.append((key, tagged, answer))
            phrases_of.append(tuple(p for p in phrases if p))
            df.update(set(key) | set(tagged) | set(answer))
        n = max(len(fields), 1)
        avg = [max(sum(sum(f[i].values()) for f in fields) / n, 1.0) for i in range(3)]
        weights = (tuning.key_field, tuning.tag_field, tuning.answer_field)
        self._items: list[_Indexed] = []
        for entry, f, phrases, lines in zip(entries, fields, phrases_of, lines_of, strict=True):
            norms = [1 - tuning.b + tuning.b * sum(f[i].values()) / avg[i] for i in range(3)]
            tf: dict[str, float] = defaultdict(float)
            for i in range(3):
                scale = weights[i] / norms[i]
                for term, count in f[i].items():
                    tf[term] += scale * count
            sat = {term: value / (value + tuning.k1) for term, value in tf.items()}
            answers = kinds(" ".join((entry.title, *entry.aliases)))
            self._items.append(_Indexed(entry, phrases, answers, sat, lines))
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Candidates come from bigrams and words; single characters and terms found nearly everywhere
        # cannot pick an entry, only slow the search down.
        cap = max(tuning.posting_cap * n, 30)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, item in enumerate(self._items):
            for term, value in item.sat.items():
                if df[term] <= cap and (len(term) > 1 or term.isascii()):
                    self._postings[term].append((i, value))
        # The threshold is calibrated on first use, not at load: loading stays cheap for tools that
        # only check or list a handbook, and a desk pays it once, on its first question.
        self._threshold: float | None = None
        self._threshold_lock = threading.Lock()

    @property
    def threshold(self) -> float:
        """The decline threshold of this handbook, calibrated once on first use."""
        if self._threshold is None:
            with self._threshold_lock:
                if self._threshold is None:
                    self._threshold = self._calibrate()
        return self._threshold

    def _calibrate(self) -> float:
        """The decline threshold for this handbook, from near-miss questions (see Tuning)."""
        tuning = self.tuning
        probes = [(item.entry, phrase) for item in self._items
                  for phrase in (item.entry.title, *(item.entry.aliases if tuning.probe_aliases else ()))]
        step = max(1, math.ceil(len(probes) / tuning.probes))
        near_misses = sorted(
            self.confidence([r for r in self._scores(phrase, tuning.bridge_calibrate) if r[1] is not entry])
            for entry, phrase in probes[::step]
        )
        if len(near_misses) < 5:   # too small a handbook to learn from
            return tuning.prior_threshold * tuning.threshold_scale
        value = near_misses[int(tuning.null_quantile * (len(near_misses) - 1))]
        # Shrink towards a prior: near-miss samples are few and a wrong answer costs more than a decline.
        value = (1 - tuning.prior_weight) * value + tuning.prior_weight * tuning.prior_threshold
        return min(max(value, tuning.threshold_floor), tuning.threshold_ceiling) * tuning.threshold_scale

    def _weight(self, term: str) -> float:
        idf = self._idf.get(term)
        if idf is None:
            share = self.tuning.unknown_weight if _is_cjk(term) else self.tuning.unknown_word_weight
            idf = self._max_idf * share
        return idf * (self.tuning.unigram_weight if is_unigram(term) else 1.0)

    def _question_weights(self, runs: tuple[str, ...]) -> dict[str, float]:
        """IDF weight of each question term; unknown bigrams next to known ones count little."""
        weights: dict[str, float] = {}
        tuning = self.tuning
        for run in runs:
            if not _is_cjk(run):
                # Numbers are specifics (a flat, an amount, 119), not a topic; nor is a lone letter (唱k, A栋).
                weights[run] = self._weight(run) * (self.tuning.number_weight if run.isdigit() else
                                                    self.tuning.letter_weight if len(run) == 1 else 1.0)
                continue
            if len(run) == 1:   # a one-character word (often a glossed English word) is a whole term
                weights[run] = max(weights.get(run, 0.0), self._weight(run) / self.tuning.unigram_weight)
                continue
            for ch in run:
                weights[ch] = max(weights.get(ch, 0.0), 0.0 if ch in FUNCTION_CHARS else self._weight(ch))
            bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
            known = [b in self._idf for b in bigrams]
            seams = _interrogative_seams(run)
            if 2 <= len(run) <= tuning.unknown_run_chars and not any(known):
                # "会所" alone, from "clubhouse": a topic this handbook does not have.
                weights[run] = self._max_idf * self.tuning.unknown_word_weight
                continue
            for i, bigram in enumerate(bigrams):
                weight = self._weight(bigram)
                # "物业费在哪交": 费在 is unknown but sits between 业费 and 在哪, so it is a seam, not a topic.
                if not known[i] and (i == 0 or known[i - 1]) and (i == len(bigrams) - 1 or known[i + 1]):
                    weight *= self.tuning.isolated_unknown
                if bigram[0] in FUNCTION_CHARS or bigram[1] in FUNCTION_CHARS:
                    # An unknown bigram with a function character ("业在") is a seam between words, not a topic.
                    weight *= self.tuning.function_weight * (1.0 if known[i] else self.tuning.function_unknown)
                if bigram in QUESTION_WORDS:
                    weight *= self.tuning.question_word_weight
                elif i in seams and known[i]:
                    # Unknown seams keep their weight: next to a topic the handbook lacks (燃气怎么开户) they
                    # are part of the evidence that it lacks it.
                    weight *= tuning.interrogative_seam
                weights[bigram] = max(weights.get(bigram, 0.0), weight)
            # "燃气怎么开户" where the handbook never mentions 燃气: a domain word it lacks is a topic it lacks,
            # not a seam between words.
            for word in domain_words(run):
                if tuning.unknown_domain_weight and not any(word[i:i + 2] in self._idf for i in range(len(word) - 1)):
                    weights[word] = max(weights.get(word, 0.0), self._max_idf * tuning.unknown_domain_weight)
            # "停车一个月" vs "停车月租": a skip-bigram bridges one inserted character where the bigram is unknown.
            for i in range(len(run) - 2):
                skip = run[i] + "_" + run[i + 2]
                if skip in self._idf and run[i:i + 2] not in self._idf:
                    weights[skip] = self._idf[skip] * self.tuning.skip_weight
        return weights

    def _associate(self, runs: tuple[str, ...], weights: dict[str, float], q_terms: set[str],
                   total: float) -> None:
        """Add the entry terms the question's terms are learned to point at (evidence, not the bar)."""
        tuning = self.tuning
        if not self._associations or not tuning.association_weight:
            return
        added: dict[str, float] = {}
        # A domain word the handbook never uses (燃气 where it has no gas) is a topic it lacks: evidence
        # against answering, not a different wording of something it has.
        # So is its unknown part when the handbook has only part of it (业主大会 where it says only 业主).
        lacking = {word[i:i + 2] for run in runs for word in domain_words(run)
                   for i in range(len(word) - 1) if word[i:i + 2] not in self._idf}
        # All the question's terms, not only weighted ones: 串门 inside 来串门, a short run the handbook
        # never uses, is weighed as one missing word but may be a resident's word for something it has.
        for term in [t for t in sorted(q_terms) if t in self._associations and t not in lacking
                     and not (tuning.association_gap_only and t in self._idf)]:
            for target, probability in self._associations[term]:
                if target in self._idf and target not in q_terms:
                    weight = self._weight(target) * probability * tuning.association_weight
                    added[target] = max(added.get(target, 0.0), weight)
        extra = sum(added.values())
        scale = min(1.0, tuning.association_cap * total / extra) if extra else 0.0
        for target, weight in added.items():
            weights[target] = max(weights.get(target, 0.0), weight * scale)

    def _cross(self, runs: tuple[str, ...], weights: dict[str, float], q_terms: set[str], total: float) -> float:
        """Add the entry terms the nearest labelled questions of other communities point at (evidence);
        return the share of those questions that were out of scope."""
        tuning = self.tuning
        if not self._bridge or not tuning.bridge_weight:
            return 0.0
        features = run_features(runs)
        near = self._bridge.nearest(features, tuning.bridge_k, tuning.bridge_min_similarity,
                                    tuning.bridge_min_shared)
        if near and tuning.bridge_relative:
            near = [n for n in near if n[0] >= near[0][0] * tuning.bridge_relative]
        mass = sum(n[0] for n in near)
        votes: dict[str, float] = defaultdict(float)
        null = 0.0
        for similarity, key, answer, shared in near:
            for target in key:
                votes[target] += similarity / mass
            for target in answer:
                votes[target] += similarity / mass * tuning.bridge_answer_share
            if not key and not answer:
                # An out-of-scope question elsewhere says "no handbook there answers this" only where this
                # handbook lacks the words they share too (a pool question is out of scope only without a pool).
                lacking = sum(w for t, w in shared.items() if t not in self._idf) / sum(shared.values())
                null += similarity / mass * (lacking ** tuning.bridge_null_lacking)
        added: dict[str, float] = {}
        for target, vote in votes.items():
            if target in self._idf and target not in q_terms:
                added[target] = self._weight(target) * vote * tuning.bridge_weight
        extra = sum(added.values())
        scale = min(1.0, tuning.bridge_cap * total / extra) if extra else 0.0
        for target, weight in added.items():
            weights[target] = max(weights.get(target, 0.0), weight * scale)
        return null

    def scores(self, question: str) -> list[tuple[float, Entry]]:
        """Candidate entries with their scores, best first (empty when nothing is comparable)."""
        return self._scores(question, True)

    def _scores(self, question: str, cross: bool) -> list[tuple[float, Entry]]:
        if not isinstance(question, str) or not question.strip() or len(question) > MAX_QUESTION_CHARS:
            return []
        runs = normalise(question)
        q_terms = set(terms(runs))
        if not any(len(t) > 1 and not t.isdigit() for t in q_terms):
            return []   # a lone character, a number or only filler words: nothing to match on
        tuning = self.tuning
        weights = self._question_weights(runs)
        described = situations(question)
        # A described situation is translated into topic words, which may carry at most as much as the
        # situation words themselves: otherwise "会所的棋牌室几点开门" would be sure of the office hours.
        budgets = [tuning.expansion_cap * sum(weights.get(t, 0.0) for t in set(terms(situation)))
                   for situation, _ in described]
        # Situation words the handbook never uses ("朋友" where it says 访客) are explained by the
        # lexicon, not a topic the handbook lacks: they weigh less against the bar.
        explained = {run for situation, _ in described for run in situation if len(run) > 1}
        for situation, _ in described:
            for t in {t for t in terms(situation) if t not in self._idf}:
                if t in weights:
                    weights[t] *= tuning.explained_unknown
        # A short run the handbook never uses is taken as a missing topic (门锁坏): not when a situation
        # word explains it.
        if tuning.explain_runs:
            for t in [t for t in weights if len(t) > 2 and t not in self._idf and _is_cjk(t)
                      and any(word in t for word in explained)]:
                weights[t] *= tuning.explained_unknown
        total = sum(weights.values())
        # An emergency happening now points at the handbook's entry for that kind, whatever else the
        # resident says around it: evidence worth a share of the whole question, not raising the bar.
        for kind in emergencies(question):
            if (mark := _EMERGENCY_MARK + kind) in self._idf:
                weights[mark] = max(self._idf[mark], tuning.emergency_share * total) * tuning.emergency_weight
        # Topic words add evidence but do not raise the bar (total).
        for (_, topic), budget in zip(described, budgets, strict=True):
            added = {t: self._weight(t) * tuning.expansion_weight
                     for t in set(terms(topic)) - q_terms if t in self._idf}
            scale = min(1.0, budget / extra) if (extra := sum(added.values())) else 0.0
            for t, weight in added.items():
                weights[t] = max(weights.get(t, 0.0), weight * scale)
        self._associate(runs, weights, q_terms, total)
        # The share of like questions elsewhere that no handbook answered lowers every score.
        null = self._cross(runs, weights, q_terms, total) if cross else 0.0
        doubt = 1.0 - tuning.bridge_null_penalty * null
        acc: dict[int, float] = defaultdict(float)
        for term, weight in weights.items():
            for i, value in self._postings.get(term, ()):
                acc[i] += weight * value
        if not acc:
            return []
        q_text = _fuzzy_text(runs)
        asked = kinds(question)
        q_set = set(weights)
        reference = 4 * self._max_idf   # about four informative bigrams: a short question
        bar = total ** tuning.length_gamma * reference ** (1 - tuning.length_gamma)
        results: list[tuple[float, Entry]] = []
        exact: list[Entry] = []   # candidates whose title or an alias is the question, word for word
        weighted = [(t, weights[t]) for t in q_set]   # in q_set's order, so every sum below is as before
        for i in heapq.nlargest(tuning.candidates, acc, key=acc.__getitem__):
            item = self._items[i]
            sat = item.sat
            coverage = min(1.0, sum(w * sat[t] for t, w in weighted if t in sat) / bar)
            best_line = max((sum(weights[t] for t in q_set & line) for line in item.lines), default=0.0)
            sentence = min(1.0, best_line / bar)
            closest = process.extractOne(q_text, item.phrases, scorer=fuzz.ratio) if item.phrases else None
            fuzzy = closest[1] / 100 if closest else 0.0
            score = ((1 - tuning.w_fuzzy - tuning.w_sentence) * coverage + tuning.w_sentence * sentence
                     + tuning.w_fuzzy * fuzzy)
            # "装修押金什么时候退" asks for a refund, not "押金交多少": a title that answers another kind
            # of question counts less. Topic titles ("访客停车") say no kind and are not judged.
            if asked and item.kinds and not asked & item.kinds:
                score *= 1 - tuning.kind_penalty
            results.append((min(max(score * doubt, 0.0), 1.0), item.entry))
            if fuzzy == 1.0:
                exact.append(item.entry)
        results.sort(key=lambda r: -r[0])
        if len(exact) == 1 and results[0][1] is not (named := exact[0]):
            # The question is an entry's own title or alias, word for word ("物业费怎么交?"): what
            # other communities asked in like words (the bridge) must not hand it to a sibling. It
            # takes the best score; the entry it passes takes its place.
            at = next(k for k, (_, e) in enumerate(results) if e is named)
            results[0], results[at] = (results[0][0], named), (results[at][0], results[0][1])
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

    def suggest(self, question: str, limit: int = 3) -> tuple[Entry, ...]:
        """Up to ``limit`` plausible entries, best first, or () when even a suggestion would be a guess.

        Meant for questions `answer` declines: the floor is well below the answer bar, so these are
        shown to the resident as choices, never as the answer.
        """
        try:
            ranked = self.scores(question)
        except (ValueError, TypeError, RecursionError, MemoryError):  # as in answer: never reaches the user
            return ()
        if not ranked or limit < 1 or self.confidence(ranked) < self.tuning.suggest_floor * self.threshold:
            return ()
        least = ranked[0][0] * self.tuning.suggest_share
        return tuple(entry for score, entry in ranked[:limit] if score >= least)

    def confidence(self, ranked: list[tuple[float, Entry]]) -> float:
        """How sure the best match is, in [0, 1]: its score, raised by its lead over the second.

        A question the handbook covers usually matches one entry clearly; one it does
        not cover matches several entries a little, with no clear winner.
        """
        if not ranked:
            return 0.0
        best = ranked[0][0]
        # A lone candidate has no runner-up to lead: that is thin evidence, not a clear win.
        second = ranked[1][0] if len(ranked) > 1 else best * self.tuning.lone_second
        return min(1.0, best * (1 + self.tuning.margin_weight * (best - second)))
