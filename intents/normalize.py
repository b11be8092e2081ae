"""Text normalisation for the classifier: one canonical form for every way of writing a message.

The steps, in order, each for a reason:

1. Lone surrogates, control characters and other unprintables become spaces, so junk
   never reaches the matcher (and never raises).
2. NFKC: full-width ``？３Ａ`` become ``?3A``; compatibility forms fold.
3. ``casefold``: "FIRE", "Fire" and "fire" are one word.
4. Traditional to simplified for the characters residents actually use in this domain
   (``data/folding.tsv``, section ``[chars]``), so one lexicon serves both scripts.
5. Typos and homophones residents type with a pinyin keyboard (电悌 → 电梯, 压金 → 押金;
   ``data/folding.tsv``, section ``[words]``).

The result has two views: ``cjk`` (whitespace removed, punctuation kept as a clause
break, for Chinese phrases) and ``words`` (`` word word `` with single spaces and a space
at each end, for English phrases matched on word boundaries).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Messages are cut here before any work: residents describe a fault in far less (the
# longest of 400 dev messages is ~200 characters), and a 20,000-character paste must not
# cost much more than a normal message. The head is kept: residents state the problem first.
MAX_CHARS = 600

_UNPRINTABLE_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "Cf"}
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A space between two non-ASCII characters. Written space first, so re looks for the literal
# space and checks the character before it only there (twice as fast as a leading lookbehind).
# Korean and Russian put a space between every two words, as English does: a space beside
# Hangul or Cyrillic parts words, not clauses, and is dropped like one beside a Latin word.
_SPACED_SCRIPTS = "\u0400-\u04ff\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
_CJK_SPACE = re.compile(rf" (?=[^\x00-\x7f{_SPACED_SCRIPTS}])(?<=[^\x00-\x7f{_SPACED_SCRIPTS}] )")
# A message is spaced word by word (see _spaced_word_by_word) from this many Chinese words between
# spaces, this share of them one or two characters long.
WORD_SPACED_MIN_WORDS = 5
WORD_SPACED_SHORT_SHARE = 0.8
_CHINESE_WORD = re.compile(r"[\u3400-\u9fff]+")
# Zero-width joiners and variation selectors are format characters (Cf) that carry emoji; drop them
# instead of making them spaces so "🔥\ufe0f" stays one symbol.
_DROP = {"\u200d", "\ufe0f", "\ufe0e", "\u200b", "\u200c", "\u2060", "\ufeff"}


@dataclass(frozen=True, slots=True)
class Normalized:
    """A message in canonical form, in the two views the matcher uses."""

    text: str  # folded text with single spaces: what places are parsed from
    cjk: str  # no whitespace; for Chinese phrases
    words: str  # " w1 w2 ... " latin words and numbers only; for English phrases


def _load_folding() -> tuple[dict[int, str], tuple[tuple[str, str], ...]]:
    chars: dict[int, str] = {}
    words: list[tuple[str, str]] = []
    section = ""
    for raw in (DATA / "folding.tsv").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        wrong, _, right = line.partition("\t")
        wrong, right = wrong.strip(), right.strip()
        if not wrong or not right:
            continue
        if section == "chars":
            # A character that is the same in both scripts (水, 燃) needs no entry; leaving it out
            # lets most messages skip the translation (_TRADITIONAL below).
            chars.update((ord(w), r) for w, r in zip(wrong, right, strict=True) if w != r)
        elif section == "words":
            words.append((unicodedata.normalize("NFKC", wrong).casefold(), right.casefold()))
    # Longest first, so a longer typo is fixed before a shorter one inside it.
    words.sort(key=lambda pair: -len(pair[0]))
    return chars, tuple(words)


_CHAR_TABLE, _WORD_FIXES = _load_folding()
# The characters the table changes: str.translate looks up every character of a message in a dict,
# so it runs only when one of these occurs (a message in traditional script; most are not).
_TRADITIONAL = frozenset(map(chr, _CHAR_TABLE))


def _index_by_first_char(fixes: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, ...]]:
    """Each first character's fixes as indexes into ``fixes``, in order (so longest first still)."""
    index: dict[str, list[int]] = {}
    for i, (wrong, _) in enumerate(fixes):
        index.setdefault(wrong[0], []).append(i)
    return {first: tuple(ids) for first, ids in index.items()}


# The fixes by first character, so a message is checked only against fixes that can occur in it.
_FIXES_BY_FIRST_CHAR = _index_by_first_char(_WORD_FIXES)
_FIX_FIRST_CHARS = frozenset(_FIXES_BY_FIRST_CHAR)


def _clean_char(ch: str) -> str:
    if ch in _DROP:
        return ""
    if ch in "\t\n\r":
        return " "
    if unicodedata.category(ch) in _UNPRINTABLE_CATEGORIES:
        return " "
    return ch


def clean(text: str) -> str:
    """Replace what cannot be read (lone surrogates, control characters) by spaces; cut to MAX_CHARS."""
    text = text[:MAX_CHARS]
    if text.isprintable():  # the common case: nothing to replace, no per-character work
        return text
    return "".join(_clean_char(ch) for ch in text)


def _spaced_word_by_word(folded: str) -> bool:
    """Most Chinese of the message comes in space-separated words of one or two characters.

    Clause-spaced messages ("电梯坏了 里面有人 快来") have runs of three or more characters between
    their spaces; a word-spaced one has at least WORD_SPACED_MIN_WORDS runs, nearly all short.
    """
    if folded.count(" ") < WORD_SPACED_MIN_WORDS - 1:
        return False
    words = [token for token in folded.split(" ") if _CHINESE_WORD.fullmatch(token)]
    if len(words) < WORD_SPACED_MIN_WORDS:
        return False
    return sum(len(word) <= 2 for word in words) >= WORD_SPACED_SHORT_SHARE * len(words)


@lru_cache(maxsize=4096)
def normalize(text: str) -> Normalized:
    """Return the canonical form of ``text`` (pure; cached because residents repeat themselves)."""
    folded = unicodedata.normalize("NFKC", clean(text)).casefold()
    if not _TRADITIONAL.isdisjoint(folded):
        folded = folded.translate(_CHAR_TABLE)
    if not _FIX_FIRST_CHARS.isdisjoint(folded):
        # Only the fixes whose first character is in the message, still longest first.
        present = _FIX_FIRST_CHARS.intersection(folded)
        for i in sorted(i for first in present for i in _FIXES_BY_FIRST_CHAR[first]):
            wrong, right = _WORD_FIXES[i]
            if wrong in folded:
                folded = folded.replace(wrong, right)
    folded = folded.replace("’", "'").replace("‘", "'")
    folded = " ".join(folded.split())  # each run of whitespace one space, none at either end
    # A space between two Chinese characters is a clause break ("电梯坏了 里面没人"); elsewhere
    # (around Latin words, digits) it is dropped, so phrases never join across clauses. In a
    # message typed all in pinyin the spaces only part syllables: they break nothing
    # ("dian ti li you ren chu bu lai" keeps 电梯 and 出不来 in one clause).
    # A message spaced word by word (learners of Chinese, some voice input: "我家 的 水管 破 了 ,
    # 水 一直 喷") is the same: its spaces part words, and its punctuation still breaks clauses.
    typed_in_pinyin = text.isascii()
    if typed_in_pinyin or _spaced_word_by_word(folded):
        cjk = folded.replace(" ", "")
    else:
        cjk = _CJK_SPACE.sub("|", folded).replace(" ", "")
    words = " " + " ".join(_LATIN_WORD.findall(folded)) + " "
    return Normalized(text=folded, cjk=cjk, words=words)
