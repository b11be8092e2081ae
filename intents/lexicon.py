"""The phrase groups of ``data/lexicon.toml``, compiled for fast matching.

The data lives in the TOML file so a property manager can read and extend it; this module
only loads it and finds which groups a normalised message hits. Chinese phrases are
substrings of the ``cjk`` view; English phrases are whole words of the ``words`` view, a
trailing ``*`` matching any ending. English words the lexicon does not know are folded to a
known word when rapidfuzz finds a close one ("elevater" → "elevator").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from intents.labels import EmergencyKind, Intent
from intents.normalize import DATA, Normalized

_LATIN_PHRASE = re.compile(r"^[a-z0-9' *\-]+$")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# rapidfuzz cut-offs for English typo folding. 87 (of 100) accepts one wrong letter in a
# word of 8+ letters ("elevater" → "elevator", 87.5) or one missing letter in 7+ ("leakng")
# but not one wrong letter in a 7-letter word, which is as often another word ("backing"
# vs "barking", "leaving" vs "leaking": 85.7). Words shorter than 6 letters are never
# folded: at that length one letter makes a different word (fire/hire, flood/floor).
TYPO_MIN_SCORE = 87
# A Chinese phrase written 水管~爆 matches its parts in order with up to 4 characters between
# them, within one clause: residents put words in the middle (水管好像爆了, 燃气的那个味).
GAP = r"[^|,.!?;:，。！？；：、]{0,4}"
TYPO_MIN_LENGTH = 6
_REPEATED_LETTER = re.compile(r"([a-z])\1+")


@dataclass(frozen=True, slots=True)
class Group:
    """One [[group]] of the lexicon: phrases that mean one thing."""

    name: str
    rule: str
    weights: Mapping[Intent, float]
    kind: EmergencyKind | None
    kind_weight: float
    phrases: tuple[str, ...]
    excepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A phrase as searched for: ``needle`` in the cjk or words view (``gap``: a 水管~爆 phrase)."""

    group: int
    phrase: str
    needle: str
    latin: bool
    gap: re.Pattern[str] | None = None
    is_except: bool = False  # an ``except`` phrase of its group: where it occurs, the group's phrases do not count

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the phrase occurs in ``text``."""
        if self.gap is not None:
            return [m.span() for m in self.gap.finditer(text)]
        return _spans(self.needle, text)


@dataclass
class Lexicon:
    """All groups, with phrase indexes by first two characters (Chinese) or first word (English).

    The ``except`` phrases share the indexes with the phrases, so one pass over a message finds
    both: a message is checked only against the phrases and exceptions it can contain.
    """

    groups: tuple[Group, ...]
    # Chinese phrases by their first two characters (one-character phrases by that character):
    # a message is checked only against phrases whose opening pair it contains.
    _by_pair: dict[str, list[tuple[str, _Pattern]]] = field(default_factory=dict)
    _by_char: dict[str, list[tuple[str, _Pattern]]] = field(default_factory=dict)
    # English phrases of whole words by their first word; "flood*" phrases by their first two letters.
    _by_word: dict[str, list[_Pattern]] = field(default_factory=dict)
    _prefix_by_start: dict[str, list[_Pattern]] = field(default_factory=dict)
    # The "flood*" phrases (not exceptions) once more, as a list: what typo folding may complete a word to.
    _prefix_words: list[_Pattern] = field(default_factory=list)
    known_words: frozenset[str] = frozenset()  # correct English words never folded (examples, word list)
    _vocabulary: tuple[str, ...] = ()
    _lexicon_words: frozenset[str] = frozenset()
    _typo_cache: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        vocabulary: set[str] = set()
        for index, group in enumerate(self.groups):
            for phrase in group.phrases:
                pattern = _compile(index, phrase)
                if pattern.latin:
                    vocabulary.update(w for w in _LATIN_WORD.findall(phrase))
                self._index(pattern)
            for phrase in group.excepts:
                self._index(_compile(index, phrase, is_except=True))
        self._vocabulary = tuple(sorted(w for w in vocabulary if len(w) >= TYPO_MIN_LENGTH))
        self._lexicon_words = frozenset(vocabulary)
        self.known_words = self.known_words | vocabulary

    def _index(self, pattern: _Pattern) -> None:
        if pattern.latin:
            if " " not in pattern.needle.strip() and not pattern.needle.endswith(" "):
                if len(pattern.needle) < 3:
                    raise ValueError(f"{pattern.phrase!r}: a phrase ending in * needs at least two letters before it")
                if not pattern.is_except:  # typo folding completes the phrases' prefixes, not the exceptions'
                    self._prefix_words.append(pattern)
                self._prefix_by_start.setdefault(pattern.needle[1:3], []).append(pattern)
            else:
                self._by_word.setdefault(pattern.needle.split(" ")[1], []).append(pattern)
        elif len(pattern.needle) >= 2:
            self._by_pair.setdefault(pattern.needle[:2], []).append((pattern.needle, pattern))
        else:
            self._by_char.setdefault(pattern.needle, []).append((pattern.needle, pattern))

    def match(self, norm: Normalized) -> dict[str, tuple[str, ...]]:
        """Return {group name: phrases matched} for a normalised message."""
        words = self._fold_typos(norm.words)
        found: dict[int, list[_Pattern]] = {}
        excepted: dict[int, list[_Pattern]] = {}  # the except phrases that occur, by group
        cjk = norm.cjk
        by_pair, by_char = self._by_pair, self._by_char
        # Only the phrases whose opening pair (or single character) occurs: set intersections in C.
        pairs = {cjk[i : i + 2] for i in range(len(cjk) - 1)}
        candidates = [entry for pair in by_pair.keys() & pairs for entry in by_pair[pair]]
        candidates += [entry for ch in by_char.keys() & set(cjk) for entry in by_char[ch]]
        for needle, pattern in candidates:
            if needle in cjk and (pattern.gap is None or pattern.gap.search(cjk)):
                (excepted if pattern.is_except else found).setdefault(pattern.group, []).append(pattern)
        if len(words) > 2:
            split = words.split()
            latin = [p for word in self._by_word.keys() & set(split) for p in self._by_word[word]]
            starts = {word[:2] for word in split}
            latin += [p for start in self._prefix_by_start.keys() & starts for p in self._prefix_by_start[start]]
            for pattern in latin:
                if pattern.needle in words:
                    (excepted if pattern.is_except else found).setdefault(pattern.group, []).append(pattern)
        hits: dict[str, tuple[str, ...]] = {}
        for index in sorted(found):  # in lexicon order, whatever order the indexes gave
            patterns = found[index]
            if index in excepted:
                blocked = _blocked_spans(excepted[index], cjk, words)
                kept = [p.phrase for p in patterns if not _excepted(p, blocked, cjk, words)]
            else:
                kept = [p.phrase for p in patterns]
            if kept:
                hits[self.groups[index].name] = tuple(sorted(set(kept)))
        return hits

    def _fold_typos(self, words: str) -> str:
        if len(words) <= 2:
            return words
        split = words.split()
        # Most words were seen before: their folding is one cache lookup each, in C.
        folded = list(map(self._typo_cache.get, split))
        if None in folded:
            folded = [self._fold_word(w) if f is None else f for f, w in zip(folded, split, strict=True)]
        return " " + " ".join(folded) + " "

    def _fold_word(self, word: str) -> str:
        """The lexicon word ``word`` is a typo of, or ``word`` itself."""
        folded = self._typo_cache.get(word)
        if folded is None:
            folded = word
            if word not in self.known_words and _REPEATED_LETTER.search(word):
                # A letter held down in alarm ("firee", "heeelp", "floooding"): a lexicon word once
                # the run is one letter again, or two.
                for run in (r"\1", r"\1\1"):
                    squeezed = _REPEATED_LETTER.sub(run, word)
                    if squeezed in self._lexicon_words or any(
                        squeezed.startswith(prefix.needle[1:]) for prefix in self._prefix_words
                    ):
                        folded = squeezed
                        break
            if folded == word and len(word) >= TYPO_MIN_LENGTH and word.isalpha() and word not in self.known_words:
                best = process.extractOne(
                    word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_SCORE
                )
                folded = best[0] if best else word
            # Bounded so a stream of junk words cannot grow memory without end.
            if len(self._typo_cache) < 50_000:
                self._typo_cache[word] = folded
        return folded


def _compile(group: int, phrase: str, is_except: bool = False) -> _Pattern:
    phrase = phrase.casefold()
    if _LATIN_PHRASE.match(phrase):
        prefix = phrase.endswith("*")
        body = " ".join(_LATIN_WORD.findall(phrase.rstrip("*")))
        needle = " " + body + ("" if prefix else " ")
        return _Pattern(group, phrase, needle, latin=True, is_except=is_except)
    phrase_cjk = phrase.replace(" ", "")
    if "~" in phrase_cjk:
        parts = [part for part in phrase_cjk.split("~") if part]
        gap = re.compile(GAP.join(map(re.escape, parts)))
        return _Pattern(group, phrase, parts[0], latin=False, gap=gap, is_except=is_except)
    return _Pattern(group, phrase_cjk, phrase_cjk, latin=False, is_except=is_except)


def _spans(needle: str, text: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return spans


def _blocked_spans(
    excepts: list[_Pattern], cjk: str, words: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where the except phrases found in a message occur: (spans in the cjk view, in the words view)."""
    in_cjk = [span for e in excepts if not e.latin for span in e.spans(cjk)]
    in_words = [span for e in excepts if e.latin for span in e.spans(words)]
    return in_cjk, in_words


def _excepted(
    pattern: _Pattern, blocked: tuple[list[tuple[int, int]], list[tuple[int, int]]], cjk: str, words: str
) -> bool:
    """True when every occurrence of ``pattern`` overlaps an ``except`` phrase."""
    spans = blocked[1] if pattern.latin else blocked[0]
    if not spans:
        return False
    text = words if pattern.latin else cjk
    for start, end in pattern.spans(text):
        # An English needle carries its boundary spaces; compare the word itself.
        if pattern.latin:
            start, end = start + 1, end - (1 if pattern.needle.endswith(" ") else 0)
        if not any(b_start < end and start < b_end for b_start, b_end in spans):
            return False
    return True


def _parse_group(raw: dict) -> Group:
    weights: dict[Intent, float] = {}
    if "intent" in raw:
        weights[Intent(raw["intent"])] = float(raw["weight"])
    for intent, weight in raw.get("weights", {}).items():
        weights[Intent(intent)] = float(weight)
    kind = EmergencyKind(raw["kind"]) if "kind" in raw else None
    return Group(
        name=raw["name"],
        rule=raw.get("rule", ""),
        weights=weights,
        kind=kind,
        kind_weight=float(raw.get("weight", 0.0)) if kind else 0.0,
        phrases=tuple(p.casefold() for p in raw["phrases"]),
        excepts=tuple(p.casefold() for p in raw.get("except", ())),
    )


def load_lexicon(path: Path = DATA / "lexicon.toml", known_words: frozenset[str] = frozenset()) -> Lexicon:
    """Read and compile a lexicon file (done once, at import of the classifier)."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    known = known_words | english_words()
    return Lexicon(groups=tuple(_parse_group(g) for g in raw["group"]), known_words=known)


@cache  # read once, however often the lexicon is rebuilt (cross-validation trains once a fold)
def english_words(path: Path = DATA / "english-words.txt") -> frozenset[str]:
    """Common English words: correctly spelt, so never folded to a lexicon word that looks like them."""
    with path.open(encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))
