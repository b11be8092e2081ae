"""Find the building / unit / room a message names: 3栋2单元501, 5号楼1802, 十二栋, B座, building 3 flat 1202."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from intents.labels import Place
from intents.normalize import normalize

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@dataclass(frozen=True, slots=True)
class _Gated:
    """A pattern that can only match where one of ``needs`` occurs: the cheap test runs first.

    Most messages name no building, unit or room, and re scans a pattern that opens with a
    lookbehind or an alternation position by position; ``in`` finds a literal in C at once.
    """

    pattern: re.Pattern[str]
    needs: tuple[str, ...]

    def possible(self, text: str) -> bool:
        return any(need in text for need in self.needs)

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.possible(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.possible(text) else iter(())


_NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})"


def _either(words: tuple[str, ...]) -> str:
    """The alternation of literal words, for a pattern gated on the same words (one list, no copy)."""
    return "(?:" + "|".join(map(re.escape, words)) + ")"


# A building: a number or letter before 栋/幢/座/号楼 ("12楼" alone is a floor, not a building),
# or after building/block/tower in English.
_BUILDING_WORDS = ("号楼", "号栋", "栋", "幢", "座", "#楼")
_BUILDING_ZH = _Gated(re.compile(rf"(?<![\d.a-z])({_NUM}|[a-z])\s*" + _either(_BUILDING_WORDS)), _BUILDING_WORDS)
_BUILDING_WORDS_EN = ("building", "bldg", "block", "blk", "tower")
_BUILDING_EN = _Gated(
    re.compile(r"\b" + _either(_BUILDING_WORDS_EN) + r"\.?\s*(?:no\.?\s*|#\s*)?(\d{1,3}|[a-z])\b"),
    _BUILDING_WORDS_EN,
)
_UNIT_ZH = _Gated(re.compile(rf"(?<![\d.])({_NUM})\s*单元"), ("单元",))
_UNIT_WORDS_EN = ("unit", "entrance")
_UNIT_EN = _Gated(
    re.compile(r"\b" + _either(_UNIT_WORDS_EN) + r"\s*(?:no\.?\s*|#\s*)?(\d{1,2})\b(?!\s*(?:f|/f|floor)\b)"),
    _UNIT_WORDS_EN,
)
# A room: right after a building or unit (13栋402, 2单元501), before 室/房/号房, or after
# flat/room/apt (English "unit 803" is a flat: units are 1–2 digits, rooms 3–4).
_NOT_A_ROOM = (
    r"(?![\d:/%-]|\.\d|(?:楼|层|号楼|栋|幢|座|单元|年|月|日|号|点|分|路|次|个|人|天|小时|度|斤)"
    r"|\s*(?:f\b|/f|floor|元|块|米|平|kg|cm|mm|am|pm|h\b|min|yuan|rmb|m2|sqm|%))"
)
_ROOM_AFTER = re.compile(r"(?:号楼|号栋|栋|幢|座|单元)\s*[-—,，]?\s*(\d{3,4})" + _NOT_A_ROOM)
_ROOM_WORDS = ("室", "号房", "房间", "房")
_ROOM_SUFFIX = _Gated(re.compile(r"(?<![\d.])(\d{3,4})\s*" + _either(_ROOM_WORDS)), _ROOM_WORDS)
_ROOM_WORDS_EN = ("flat", "room", "rm", "apt", "apartment", "unit", "suite")
_ROOM_EN = _Gated(
    re.compile(r"(?:\b" + _either(_ROOM_WORDS_EN) + r"\.?|#)\s*(?:no\.?\s*)?(\d{3,4})\b"),
    (*_ROOM_WORDS_EN, "#"),
)
# 3-2-501 / 3-1-1201: building-unit-room, the way residents write an address quickly;
# 5-1802: building-room.
_DASHED = _Gated(re.compile(r"(?<![\d.:/-])(\d{1,2})\s*-\s*(\d{1,2})\s*-\s*(\d{3,4})(?![\d.:/-])"), ("-",))
_DASHED_TWO = _Gated(re.compile(r"(?<![\d.:/a-z-])(\d{1,2})\s*-\s*(\d{3,4})(?![\d.:/-])"), ("-",))
# A room said digit by digit: 五零一, 一二零一, 八〇二 (after a building or unit).
_ROOM_CN_DIGITS = re.compile(
    r"(?:号楼|号栋|栋|幢|座|单元)\s*(?:的)?\s*([零〇一二三四五六七八九]{3,4})(?![零〇一二三四五六七八九十百楼层])"
)
# A room as a bare number once a building or unit is named: "18栋2单元 我家在26楼 2601",
# "Tower D 2203". Not a floor (12楼, 12f), an amount, a time or a date.
_ROOM_BARE = re.compile(r"(?<![\d.:/#a-z-])(?<!位)(?<!spot )(?<!space )(?<!no\. )(\d{3,4})" + _NOT_A_ROOM)
# A room named by the resident as theirs, without a building: 我家1201, 住在1602, we're in 1401.
_ROOM_MINE = re.compile(
    r"(?:我家|我家在|住在|家住|我住|我是|到|we're in|we are in|i'm in|i am in|i live in|live in)\s*(\d{3,4})(?![\d楼层])"
)
_ROOM_LEADING = re.compile(r"^(\d{3,4})(?=的|室|号房|\s)")


def _cn_number(text: str) -> str | None:
    """'12' → '12', '十二' → '12', '二十三' → '23', '两' → '2'; None when not a number."""
    if text.isdigit():
        return str(int(text))
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        head = _CN_DIGITS.get(hundreds, 1 if not hundreds else None)
        tail = _cn_number(rest.lstrip("零〇")) if rest.lstrip("零〇") else "0"
        if head is None or tail is None:
            return None
        return str(head * 100 + int(tail))
    if "十" in text:
        tens, _, ones = text.partition("十")
        ten = _CN_DIGITS.get(tens, 1 if not tens else None)
        one = _CN_DIGITS.get(ones, 0 if not ones else None)
        if ten is None or one is None:
            return None
        return str(ten * 10 + one)
    if len(text) == 1 and text in _CN_DIGITS:
        return str(_CN_DIGITS[text])
    return None


def _building(token: str) -> str | None:
    if token.isalpha() and token.isascii():
        return token.upper()
    if token == "两":  # "两栋中间": two buildings, not building 2
        return None
    number = _cn_number(token)
    return number if number and number != "0" else None


# Nothing below can match without one of these: most messages name no place and stop here.
_PLACE_HINT = re.compile(
    r"[0-9]|栋|幢|座|号楼|单元|室|房|我家|住在|building|bldg|block|blk|tower|flat|room|apt|unit|suite|#"
)


def parse_place_normalized(text: str) -> Place | None:
    """Like parse_place, on text already normalised (NFKC, case-folded, simplified)."""
    if not _PLACE_HINT.search(text):
        return None
    building = unit = room = None
    dashed = _DASHED.search(text)
    if dashed:
        building, unit, room = str(int(dashed[1])), str(int(dashed[2])), dashed[3]
    for pattern in (_BUILDING_ZH, _BUILDING_EN):
        if building is None:
            for match in pattern.finditer(text):
                building = _building(match[1])
                if building:
                    break
    for pattern in (_UNIT_ZH, _UNIT_EN):
        if unit is None:
            for match in pattern.finditer(text):
                unit = _cn_number(match[1])
                if unit and unit != "0":
                    break
                unit = None
    if building is None and unit is None and (dashed_two := _DASHED_TWO.search(text)):
        building, room = str(int(dashed_two[1])), dashed_two[2]
    for pattern in (_ROOM_AFTER, _ROOM_SUFFIX, _ROOM_EN, _ROOM_MINE):
        if room is None and (match := pattern.search(text)):
            room = match[1]
    if room is None and (match := _ROOM_CN_DIGITS.search(text)):
        room = "".join(str(_CN_DIGITS[ch]) for ch in match[1])
    if room is None and (building or unit) and (match := _ROOM_BARE.search(text)):
        room = match[1]
    if room is None and building is None and unit is None and (match := _ROOM_LEADING.search(text)):
        room = match[1]
    if building is None and unit is None and room is None:
        return None
    return Place(building=building, unit=unit, room=room)


def parse_place(text: str) -> Place | None:
    """The building / unit / room ``text`` names, normalised; None when it names none."""
    return parse_place_normalized(normalize(text).text)
