"""Reading residents' and staff's words: flat numbers, ticket codes, commands, language.

Pure functions; the conversation's state itself lives in the ``dialogue`` table
(bot/store.py) so a restart loses nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT_CHARS = 4000  # residents' longer messages are cut (and said so) before classification and tickets


class State:
    """Names of the pending question in a chat (Dialogue.state)."""

    IDLE = "idle"
    NEED_FLAT = "need_flat"  # first contact: which flat?
    REPORT = "report"  # repair/complaint: waiting for the place or what is wrong
    CHOOSE_INTENT = "choose_intent"  # unsure classification: buttons offered
    RENOVATION = "renovation"  # renovation application: dates, contractor, scope, drawings
    RATING_REASON = "rating_reason"  # low rating: why?
    ADDING = "adding"  # next message goes to a chosen ticket
    WITH_AGENT = "with_agent"  # handed to a person: messages are relayed
    DONE_PHOTO = "done_photo"  # staff: an engineer finished a repair; waiting for the photo
    EMERGENCY_WHERE = "emergency_where"  # an emergency reported without a place: where is it?


@dataclass(frozen=True, slots=True)
class Flat:
    """A flat as building / unit / room."""

    building: str
    unit: str | None
    room: str

    def label(self) -> str:
        return f"{self.building}栋{self.unit + '单元' if self.unit else ''}{self.room}"


_FLAT_PATTERNS = (
    # 3栋2单元501, 3号楼2单元501室, 3幢501, 12号楼1802
    re.compile(
        r"(?P<b>\d{1,3}|[A-Za-z])\s*(?:栋|号楼|幢|座|楼)\s*(?:(?P<u>\d{1,2})\s*单元)?\s*[-—]?\s*(?P<r>\d{3,4})\s*(?:室|号)?"
    ),
    # 3-2-501, 3-501
    re.compile(r"(?<![\d-])(?P<b>\d{1,3}|[A-Za-z])\s*-\s*(?:(?P<u>\d{1,2})\s*-\s*)?(?P<r>\d{3,4})(?![\d-])"),
    # Building 3 Unit 2 Room 501 / Bldg 3, room 501 / block B flat 1802
    re.compile(
        r"(?:building|bldg|block)\s*(?P<b>\d{1,3}|[A-Za-z])\b[\s,]*(?:unit\s*(?P<u>\d{1,2})[\s,]*)?"
        r"(?:room|flat|apt|apartment|#)?\s*(?P<r>\d{3,4})",
        re.IGNORECASE,
    ),
)


def clean_text(text: str, limit: int | None = MAX_TEXT_CHARS) -> str:
    """Drop control characters (binary junk) and cut overlong text (``limit`` None: keep it all)."""
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    return kept if limit is None else kept[:limit]


def is_garbled(text: str) -> bool:
    """True when ``text`` holds what no keyboard types: U+FFFD (bytes that were not text), lone
    surrogates, unassigned or private code points, control characters other than line breaks and tabs."""
    return any(ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\r\t")
               for ch in text)


def parse_flat(text: str) -> Flat | None:
    """The flat a resident names ("3栋2单元501", "3-2-501", "Building 3 Unit 2 Room 501"), if any."""
    folded = unicodedata.normalize("NFKC", text)
    for pattern in _FLAT_PATTERNS:
        match = pattern.search(folded)
        if match:
            return Flat(match.group("b").upper(), match.group("u"), match.group("r"))
    return None


def is_bare_flat(text: str) -> bool:
    """True when the message is a flat number and little else ("我住3栋2单元501", "Building 3 Room 501")."""
    folded = unicodedata.normalize("NFKC", text)
    for pattern in _FLAT_PATTERNS:
        match = pattern.search(folded)
        if match:
            rest = (folded[:match.start()] + folded[match.end():]).strip(" \t\n,.，。!！:：")
            return len(rest) <= 8
    return False


# Words around a flat number that only introduce it ("我住", "我家是", "my flat is"): no request.
_FLAT_FILLER = re.compile(
    r"我|们|家|住|在|是|的|房号|房间|地址|业主|\b(?:my|our|flat|home|address|is|i|we|live|living|in|at|it's|its|"
    r"room|apartment|apt|unit|number|no)\b",
    re.IGNORECASE,
)


def words_besides_flat(text: str) -> str:
    """What a message says apart from the flat it names and the words introducing it ("" if nothing).

    "9栋3单元701客厅灯不亮了" → "客厅灯不亮了"; "我住3栋2单元501" → "". The whole text when it names no flat.
    """
    folded = unicodedata.normalize("NFKC", text)
    for pattern in _FLAT_PATTERNS:
        match = pattern.search(folded)
        if match:
            rest = f"{folded[:match.start()]} {folded[match.end():]}"
            if not _FLAT_FILLER.sub(" ", rest).strip(" \t\n,.，。!！:：;；、-"):
                return ""
            return rest.strip(" \t\n,.，。!！:：;；、-")
    return text.strip()


_WORD = re.compile(r"[\u3400-\u9fff]|[A-Za-z]{2,}")


def has_words(text: str) -> bool:
    """True when a message has words to read besides flat numbers and ticket codes ("5", "3-2-501",
    "R-20261123-0001" and "#@!" have none)."""
    folded = unicodedata.normalize("NFKC", text)
    folded = _CODE.sub(" ", folded)
    for pattern in _FLAT_PATTERNS:
        folded = pattern.sub(" ", folded)
    return bool(_WORD.search(folded))


_BUILDING = re.compile(r"(\d{1,3}|[A-Za-z])\s*(?:栋|号楼|幢|座)|(?:building|bldg|block)\s*(\d{1,3}|[A-Za-z])\b",
                       re.IGNORECASE)


def parse_building(text: str) -> str | None:
    """The building a message names ("3号楼电梯" → "3"), if any."""
    match = _BUILDING.search(unicodedata.normalize("NFKC", text))
    return (match.group(1) or match.group(2)).upper() if match else None


_DATA_CHARS = re.compile(r"[\d\s\W_年月日号到至栋幢座单元室楼层点时分am pm]+", re.IGNORECASE)


def is_data_answer(text: str) -> bool:
    """True for answers made of numbers: dates, times, phone and flat numbers ("12月1日到2月28日").

    Such a message answers the question we asked; it is never taken for an alarm,
    whatever the classifier makes of its digits.
    """
    folded = unicodedata.normalize("NFKC", text)
    return bool(re.search(r"\d", folded)) and len(_DATA_CHARS.sub("", folded)) <= 2


_CODE = re.compile(r"\b([RCDEQ])-?(\d{8})-?(\d{4})\b", re.IGNORECASE)


def find_codes(text: str) -> list[str]:
    """Ticket numbers mentioned in ``text``, normalised (R-20261123-0007)."""
    return [f"{p.upper()}-{d}-{n}" for p, d, n in _CODE.findall(unicodedata.normalize("NFKC", text))]


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command: ``/name arg1 rest…``."""

    name: str
    args: tuple[str, ...]
    rest: str  # everything after the name

    def arg(self, i: int) -> str | None:
        return self.args[i] if i < len(self.args) else None


def parse_command(text: str) -> Command | None:
    """``/take R-1 …`` → Command("take", ("R-1", …)); None when ``text`` is no command.

    Only the command word is normalised (a full-width ／ or letters still count); the
    rest is kept exactly as typed, because it is often a reply to a resident.
    """
    text = text.strip()
    if not unicodedata.normalize("NFKC", text[:1]) == "/":
        return None
    body = text[1:]
    split = re.search(r"\s", body)
    head, rest = (body[:split.start()], body[split.end():]) if split else (body, "")
    name = unicodedata.normalize("NFKC", head).split("@", 1)[0].lower()  # Telegram appends @botname in groups
    if not name:
        return None
    rest = rest.strip()
    return Command(name, tuple(rest.split()), rest)


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")


def detect_language(text: str, hint: str | None = None) -> str:
    """zh or en: the transport's hint when it is one of them, else the script of ``text``."""
    if hint:
        short = hint.lower()[:2]
        if short in ("zh", "en"):
            return short
    if text.lstrip().startswith("/"):
        return "zh"  # a command says nothing about the language: default to the community's
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return "zh"


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ADDRESS_WORDS = frozenset({"building", "room", "unit", "bldg", "block", "flat"})  # part of a flat number, not English


def clear_language(text: str) -> str | None:
    """zh or en when the words plainly are one of them; None for numbers, codes, commands and one-word text."""
    if not text or text.lstrip().startswith("/"):
        return None
    if _CJK.search(text):
        return "zh"
    words = _LATIN_WORD.findall(unicodedata.normalize("NFKC", text))
    if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 4 and words[0].lower() not in _ADDRESS_WORDS):
        return "en"
    return None


_HUMAN_ALONE = re.compile(
    r"^\s*(?:转人工|人工|人工客服|客服|找客服|真人|human|agent|operator|real person|a person|someone)\s*[!！。.?？]*\s*$",
    re.IGNORECASE,
)
# A request for a person anywhere in a sentence ("请帮我转人工客服", "can I talk to a real person").
_HUMAN_IN_SENTENCE = re.compile(
    r"转人工|人工客服|人工服务|找客服|联系客服|要客服|真人|找个人|找人工|找个人工|跟人说|和人说|找工作人员"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s*)?(?:real\s+|live\s+)?"
    r"(?:human|person|people|one|body|agent|operator|staff|someone|somebody)"
    r"|\b(?:real|live)\s+(?:person|human|agent)\b|\bhuman\s+(?:agent|being|please)\b"
    r"|\b(?:want|need|get)\s+(?:a\s+|an\s+)?(?:human|agent|operator)\b"
    r"|\bconnect\s+me\s+(?:to|with)\b|\btransfer\s+me\b",
    re.IGNORECASE,
)


def wants_human(text: str) -> bool:
    """True when the message clearly asks for a person (转人工, 人工客服, talk to a human), alone or in a sentence."""
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) > 200:  # a long story that mentions 客服 is a complaint, not a hand-over request
        return False
    return bool(_HUMAN_ALONE.match(folded) or _HUMAN_IN_SENTENCE.search(folded))


_BARE = re.compile(
    r"^\s*(?:我要|我想|想|要)?\s*(?:报修|报事报修|维修|修理|投诉|反映问题|反映|repair|complaint|report"
    r"|i want to (?:report|complain|make a complaint|report a repair)|something is broken)"
    r"(?:一下|个问题)?\s*[!！。.,,~]*\s*$",
    re.IGNORECASE,
)


def names_only_the_kind(text: str) -> bool:
    """True for "我要报修" / "投诉" / "I want to report": the kind of request, and nothing about it."""
    return bool(_BARE.match(unicodedata.normalize("NFKC", text)))


def is_bare_report(text: str) -> bool:
    """True when a repair/complaint message says nothing about what is wrong ("我要报修")."""
    return bool(_BARE.match(unicodedata.normalize("NFKC", text))) or len(text.strip()) < 3


_HOME = re.compile(
    r"我家|家里|我们家|屋里|室内|厨房|卫生间|洗手间|厕所|浴室|阳台|卧室|客厅|户内|my (?:flat|home|apartment|kitchen|bathroom)"
    r"|in my|our (?:flat|home)|at home",
    re.IGNORECASE,
)
_PUBLIC = re.compile(
    r"电梯|车库|停车|楼道|走廊|大堂|门厅|单元门|门禁|小区|花园|广场|绿化|路灯|地下室|楼梯|消防通道|屋顶|天台|垃圾|大门|门口|道闸|健身|游乐|"
    r"\d+\s*(?:栋|号楼|幢)|lift|elevator|garage|parking|corridor|hallway|lobby|stair|gate|entrance|playground|garden",
    re.IGNORECASE,
)


def mentions_home(text: str) -> bool:
    return bool(_HOME.search(text))


def mentions_public_place(text: str) -> bool:
    return bool(_PUBLIC.search(text))


_QUESTION = re.compile(
    r"[?？]|吗|什么|怎么|多少|几点|多久|哪里|哪儿|哪些|哪家|有没有|能不能|可以|是否|要不要|how|what|when|where|which|can i|can my|do i|is it",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


_HIGH = re.compile(
    r"漏水|渗水|滴水|爆|停电|没电|跳闸|没水|停水|堵|溢|电梯|门禁|打不开|关不上|冒水|leak|no water|no power|blocked|flood|lift",
    re.IGNORECASE,
)
_REPEAT = re.compile(r"又|还是|还没|多次|好几次|三番|again|still|several times", re.IGNORECASE)


def is_pressing(text: str) -> bool:
    """A repair that spreads or blocks daily life, or a complaint about a repeat: high priority."""
    return bool(_HIGH.search(text) or _REPEAT.search(text))


_PHONE = re.compile(r"^\s*(?:电话|手机|手机号|号码|phone|mobile|tel)?\s*[:：是为]?\s*"
                    r"(?P<n>(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}|(?:0\d{2,3}[\s-]?)?[2-9]\d{6,7}"
                    r"|\+\d[\d\s-]{7,16}\d)\s*[。.]?\s*$", re.IGNORECASE)


def parse_phone(text: str) -> str | None:
    """A typed phone number (13800138000, +86 138 0013 8000, 021-12345678), digits kept with a leading +."""
    match = _PHONE.match(unicodedata.normalize("NFKC", text))
    if match is None:
        return None
    number = match.group("n")
    digits = re.sub(r"\D", "", number)
    return ("+" if number.startswith("+") else "") + digits


def names_a_place(text: str) -> bool:
    """True when a message says where something is (a flat, a building, a public place or the home)."""
    return bool(parse_flat(text) or parse_building(text) or mentions_public_place(text) or mentions_home(text)
                or re.search(r"(?:\d+|[一二三四五六七八九十]+)\s*(?:楼|层|号|单元)|floor|unit", unicodedata.normalize("NFKC", text),
                             re.IGNORECASE))


_DATE_WORDS = re.compile(
    r"月|日|号|周|星期|礼拜|今天|明天|后天|下周|下个月|月初|月中|月底|年底|春节|国庆|元旦|天|个月"
    r"|today|tomorrow|next|week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec",
    re.IGNORECASE,
)


_NUMERIC_DATE = re.compile(r"\d{1,4}\s*[./-]\s*\d{1,2}")


def looks_like_dates(text: str) -> bool:
    """True when an answer could be the works' dates ("12月1日到2月28日", "下周一开始，一个月", "from 1 Dec",
    "12.1-2.28"); a bare number ("1") is not."""
    folded = unicodedata.normalize("NFKC", text)
    return bool(_DATE_WORDS.search(_DIGITS.sub(" ", folded)) or _NUMERIC_DATE.search(folded))


_DIGITS = re.compile(r"\d+")
_UNDECIDED = re.compile(
    r"不知道|不确定|不清楚|说不好|还没定|没定|未定|待定|没想好|还不知道|"
    r"not sure|unsure|don'?t know|not (?:yet )?decided|undecided|\btbd\b|no idea",
    re.IGNORECASE,
)


def says_undecided(text: str) -> bool:
    """True for "不知道" / "还没定" / "not sure": an answer that the thing asked is not known yet."""
    return bool(_UNDECIDED.search(unicodedata.normalize("NFKC", text)))
