"""Text normalisation and terms for matching: the same steps for handbooks and questions.

normalise → runs of comparable text; terms → character unigrams and bigrams of
Chinese runs plus whole ASCII words. Pure functions, standard library only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge import lexicon

# Questions longer than this are pasted documents or abuse, not questions.
MAX_QUESTION_CHARS = 1000

# Control, format, private-use and non-character code points (Unicode category C, the common ranges).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u180e\u200b-\u200f\u202a-\u202e"
                      "\u2060-\u206f\ud800-\udfff\ue000-\uf8ff\ufeff\ufff0-\uffff]")
_PLACEHOLDER = re.compile(r"\{\{[A-Za-z0-9_]+\}\}")
_MARKUP = re.compile(r"[#*_`>|~\[\]()<>]")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run is Chinese characters, or an ASCII word/number; everything else separates runs.
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_IS_CJK = re.compile(rf"[{_CJK}]")
_ENGLISH_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")


def _alternation(words: list[str]) -> re.Pattern[str]:
    # Longest first, so "物业管理费" wins over "物业" at the same position.
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


_TRAD = str.maketrans(lexicon.TRADITIONAL_TO_SIMPLIFIED)
_TYPOS = _alternation(list(lexicon.TYPOS))
_DIALECT_CJK = _alternation([w for w in lexicon.DIALECT if not w.isascii()])
# Latin chat abbreviations (zm, pls, u) only as whole words: "u" inside "bus" is not "you".
_DIALECT_LATIN = re.compile(r"(?<![a-z0-9'])(?:" + "|".join(
    re.escape(w) for w in sorted((w for w in lexicon.DIALECT if w.isascii()), key=len, reverse=True)
) + r")(?![a-z0-9'])")
# A dialect question particle ending a clause (停车不, 修好未, 可以伐): the clause ends at punctuation,
# a space or the end; after some characters it ends a standard word instead (怎么, 砍伐: the lexicon).
_FINAL_PARTICLE = re.compile(
    rf"(?<=[{_CJK}])(?:{'|'.join(sorted(lexicon.FINAL_PARTICLES, key=len, reverse=True))})"
    rf"(?=$|[^{_CJK}a-z0-9])")
_SYNONYM_OF = {variant: group[0] for group in lexicon.SYNONYM_GROUPS for variant in group}
_SYNONYMS = _alternation(list(_SYNONYM_OF))
_HOW = _alternation(list(lexicon.HOW_WORDS))
_FILLER_SAFE_MARK = {w: f"\x00{i}\x00" for i, w in enumerate(lexicon.FILLER_SAFE)}
_FILLER_SAFE_BACK = {v: k for k, v in _FILLER_SAFE_MARK.items()}
_FILLER_SAFE = _alternation(list(lexicon.FILLER_SAFE))
_FILLER_SAFE_RESTORE = re.compile("\x00\\d+\x00")
_FILLERS = _alternation(list(lexicon.FILLERS))
_SUFFIXES = {"s", "d", "ed", "es", "ing", "ning", "ting", "ping", "ped", "ted", "ned"}
_CONCEPTS = _alternation(list(lexicon.CONCEPTS))
_ENGLISH_PHRASES = sorted((p for p in lexicon.ENGLISH if " " in p), key=len, reverse=True)
_ENGLISH_PHRASE = re.compile(
    r"\b(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in _ENGLISH_PHRASES) + r")\b"
)


def clean(text: str) -> str:
    """Make any string safe and comparable: valid Unicode, NFKC, case-folded, no control characters."""
    # Lone surrogates (from broken clients) cannot be encoded; replace them instead of failing.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFKC", text).casefold()
    return _CONTROL.sub(" ", text).translate(_TRAD)


def _english_to_chinese(text: str) -> str:
    text = _ENGLISH_PHRASE.sub(lambda m: " " + lexicon.ENGLISH[" ".join(m.group(0).split())] + " ", text)

    def word(match: re.Match[str]) -> str:
        w = match.group(0).removesuffix("'s").removesuffix("'")
        if w in lexicon.ENGLISH_STOPWORDS:
            return " "
        if w in lexicon.ENGLISH:
            return " " + lexicon.ENGLISH[w] + " "
        # Inflections not listed: moved → move, stops → stop, planning → plan.
        for cut in (1, 2, 3, 4):
            stem = w[:-cut]
            if len(stem) >= 3 and w[-cut:] in _SUFFIXES and stem in lexicon.ENGLISH:
                return " " + lexicon.ENGLISH[stem] + " "
        return w

    return _ENGLISH_WORD.sub(word, text)


def _chat_abbreviation(match: re.Match[str]) -> str:
    word, text = match.group(0), match.string
    # A lone letter next to Chinese is a building or flat (R栋, Y座), not chat for "are" or "why".
    if len(word) == 1 and (_IS_CJK.match(text[match.start() - 1: match.start()] or " ")
                           or _IS_CJK.match(text[match.end(): match.end() + 1] or " ")):
        return word
    return lexicon.DIALECT[word]


def _final_particle(match: re.Match[str]) -> str:
    particle = match.group(0)
    return particle if match.string[match.start() - 1] in lexicon.FINAL_PARTICLES[particle] else ""


def _prepare(text: str) -> str:
    text = clean(text)
    text = _PLACEHOLDER.sub(" ", _MARKUP.sub(" ", text))
    text = _TYPOS.sub(lambda m: lexicon.TYPOS[m.group(0)], text)
    # Dialect and chat forms to standard Mandarin (咋个 → 怎么, 边度 → 哪里, zm → 怎么), then a final
    # particle the dialect asks with (…停车不) is dropped like 吗.
    text = _DIALECT_CJK.sub(lambda m: lexicon.DIALECT[m.group(0)], text)
    text = _DIALECT_LATIN.sub(_chat_abbreviation, text)
    text = _FINAL_PARTICLE.sub(_final_particle, text)
    return _english_to_chinese(text)


@lru_cache(maxsize=4096)
def normalise(text: str) -> tuple[str, ...]:
    """Runs of comparable text: fixed typos, English glossed to Chinese, synonyms folded, fillers gone."""
    text = _prepare(text)
    # Twice: a fold can make a new variant ("在" + "几号楼"→"哪里" is "在哪里", itself a variant of 哪里).
    text = _SYNONYMS.sub(lambda m: _SYNONYM_OF[m.group(0)], text)
    text = _SYNONYMS.sub(lambda m: _SYNONYM_OF[m.group(0)], text)
    text = _HOW.sub("怎么", text)
    text = _FILLER_SAFE.sub(lambda m: _FILLER_SAFE_MARK[m.group(0)], text)
    text = _FILLERS.sub("", text)
    text = _FILLER_SAFE_RESTORE.sub(lambda m: _FILLER_SAFE_BACK[m.group(0)], text)
    return tuple(_RUN.findall(text))


# A measure word inside a separable verb (刷个墙, 消一次毒, 通一下马桶) splits a situation word in two.
_SEPARABLE = re.compile(r"(?<=[\u4e00-\u9fff])(?:个|一个|一次|一下|过)(?=[\u4e00-\u9fff])")


@lru_cache(maxsize=4096)
def situations(question: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(situation runs, topic runs) for each situation the question describes (lexicon.CONCEPTS)."""
    prepared = _prepare(question)
    words = [m.group(0) for m in _CONCEPTS.finditer(prepared)]
    joined = _SEPARABLE.sub("", prepared)
    if joined != prepared:
        words += [m.group(0) for m in _CONCEPTS.finditer(joined) if m.group(0) not in words]
    return tuple((normalise(word), normalise(lexicon.CONCEPTS[word])) for word in words)


_KIND_CUES = {kind: _alternation(list(cues)) for kind, cues in lexicon.QUESTION_KINDS.items()}


@lru_cache(maxsize=4096)
def kinds(text: str) -> frozenset[str]:
    """What the text asks for (lexicon.QUESTION_KINDS): amount, time, place, refund, procedure, rule, contact."""
    prepared = _prepare(text)
    folded = "".join(normalise(text))
    return frozenset(kind for kind, cue in _KIND_CUES.items() if cue.search(prepared) or cue.search(folded))


_EMERGENCY_CUES = {kind: _alternation(list(words)) for kind, words in lexicon.EMERGENCY_WORDS.items()}


@lru_cache(maxsize=4096)
def emergencies(question: str) -> frozenset[str]:
    """Emergency kinds (labels.md) the question describes as happening (lexicon.EMERGENCY_WORDS)."""
    prepared = _prepare(question)
    found = {kind for kind, cue in _EMERGENCY_CUES.items() if cue.search(prepared)}
    if "outage" in found and _one_flat_only(prepared):
        found.discard("outage")
    if "elevator" in found and _NOBODY_INSIDE.search(prepared.replace(" ", "")):
        found.discard("elevator")
    return frozenset(found)


_ONE_FLAT = _alternation(list(lexicon.ONE_FLAT_ONLY))
_NEIGHBOUR = _alternation(list(lexicon.NEIGHBOURS))
_STILL_SUPPLIED = _alternation(list(lexicon.STILL_SUPPLIED))
_BUILDING_WIDE = _alternation(list(lexicon.BUILDING_WIDE))
_NOBODY_INSIDE = _alternation(list(lexicon.NOBODY_INSIDE))


def _one_flat_only(prepared: str) -> bool:
    """The resident says the cut is in their flat only (a repair), not building-wide (labels.md)."""
    supplied = bool(_STILL_SUPPLIED.search(prepared))
    if supplied and _ONE_FLAT.search(prepared):
        return True   # "整栋楼都有电 就我家黑了": the building is named as the one still supplied
    if _BUILDING_WIDE.search(prepared):
        return False
    return bool(_NEIGHBOUR.search(prepared) and supplied) or bool(_ONE_FLAT.search(prepared))


def _domain_words() -> frozenset[str]:
    words: set[str] = set()
    for text in (*(group[0] for group in lexicon.SYNONYM_GROUPS), *lexicon.ENGLISH.values(),
                 *lexicon.CONCEPTS.values(), *lexicon.TYPOS.values()):
        words.update(run for run in normalise(text) if len(run) >= 2 and _IS_CJK.match(run))
    # Interrogatives (多少, 时间, 哪里) are in every kind of handbook's questions, not a topic.
    return frozenset(words - lexicon.QUESTION_WORDS - {"怎么"})


# Words of the property-management domain (what the lexicon maps to), in their folded form:
# when a question names one the handbook never uses, it asks about something the handbook lacks.
DOMAIN_WORDS = _domain_words()
_DOMAIN_WORD = _alternation(list(DOMAIN_WORDS))


def domain_words(run: str) -> list[str]:
    """Domain words found in a normalised run, longest first at each position."""
    return _DOMAIN_WORD.findall(run)


def terms(runs: tuple[str, ...]) -> list[str]:
    """Terms of normalised runs: unigrams, bigrams and skip-bigrams (A_C) of Chinese runs, ASCII words."""
    out: list[str] = []
    for run in runs:
        if _IS_CJK.match(run):
            out.extend(run)
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.extend(run[i] + "_" + run[i + 2] for i in range(len(run) - 2))
        else:
            out.append(run)
    return out


def is_unigram(term: str) -> bool:
    """True for a single Chinese character term."""
    return len(term) == 1 and bool(_IS_CJK.match(term))
