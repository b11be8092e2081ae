"""Writing a notice: fields per template, parsing staff input, checks, preview and timing rules.

Pure and transport-free: ``now`` and the community's time zone are arguments.
The plan's rule (停水停电应急预案): a planned water or power cut is announced at
least 24 hours ahead; a shorter notice needs the sender's explicit confirmation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import TemplateError

from bot.notices.models import NoticeKind, NoticePurpose
from bot.render import template_environment

PLANNED_CUT_NOTICE = timedelta(hours=24)  # plan §停水停电: 提前24小时通知
CUT_REMINDER_LEAD = timedelta(hours=2)  # the automatic reminder, shortly before the cut
SIGNUP_REMINDER_LEAD = timedelta(hours=24)  # the day before an activity…
SIGNUP_REMINDER_SHORT_LEAD = timedelta(hours=2)  # …or two hours before, if announced late
MIN_REMINDER_GAP = timedelta(minutes=30)  # a reminder right after the notice is noise
STALE_AFTER = timedelta(hours=24)  # an undated notice missed for longer than this is dropped
MAX_FIELD_CHARS = 1000
MAX_TEXT_CHARS = 3500  # below Telegram's 4096, leaving room for the pin/sign-up chrome
MAX_CAPACITY = 100_000
MAX_BUILDINGS_CHARS = 200  # stored comma-separated in a 255-character column

KIND_NAMES_ZH = {
    NoticeKind.WATER_CUT: "停水通知",
    NoticeKind.POWER_CUT: "停电通知",
    NoticeKind.FIRE_DRILL: "消防演练",
    NoticeKind.ACTIVITY: "社区活动",
    NoticeKind.REMINDER: "温馨提示",
    NoticeKind.GENERAL: "通用",
}

# How staff may name a kind in a command: the Chinese name, a short form, or the English value.
KIND_ALIASES: dict[str, NoticeKind] = {
    **{name: kind for kind, name in KIND_NAMES_ZH.items()},
    **{kind.value: kind for kind in NoticeKind},
    "停水": NoticeKind.WATER_CUT,
    "water": NoticeKind.WATER_CUT,
    "停电": NoticeKind.POWER_CUT,
    "power": NoticeKind.POWER_CUT,
    "演练": NoticeKind.FIRE_DRILL,
    "消防": NoticeKind.FIRE_DRILL,
    "drill": NoticeKind.FIRE_DRILL,
    "活动": NoticeKind.ACTIVITY,
    "提示": NoticeKind.REMINDER,
    "温馨": NoticeKind.REMINDER,
    "通知": NoticeKind.GENERAL,
    "公告": NoticeKind.GENERAL,
}

# Template fields per kind: (required, optional). "time" fills start/end.
KIND_FIELDS: dict[NoticeKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    NoticeKind.WATER_CUT: (("start", "end", "area", "reason"), ("contact",)),
    NoticeKind.POWER_CUT: (("start", "end", "area", "reason"), ("contact",)),
    NoticeKind.FIRE_DRILL: (("start", "place"), ("end", "details", "contact")),
    NoticeKind.ACTIVITY: (("title", "start", "place"), ("end", "details", "contact", "capacity")),
    NoticeKind.REMINDER: (("body",), ("title", "contact")),
    NoticeKind.GENERAL: (("title", "body"), ("contact",)),
}

# Options that are not template fields.
OPTIONS = ("audience", "at", "pin", "private", "language")

# Field names as staff type them (Chinese or English) -> canonical name.
FIELD_ALIASES: dict[str, str] = {
    "时间": "time", "time": "time", "when": "time",
    "开始": "start", "开始时间": "start", "start": "start", "from": "start",
    "结束": "end", "结束时间": "end", "恢复时间": "end", "恢复": "end", "end": "end", "until": "end",
    "区域": "area", "范围": "area", "影响范围": "area", "停水范围": "area", "停电范围": "area", "area": "area",
    "原因": "reason", "reason": "reason",
    "联系": "contact", "联系电话": "contact", "电话": "contact", "联系人": "contact", "contact": "contact",
    "地点": "place", "集合地点": "place", "place": "place", "where": "place",
    "标题": "title", "活动": "title", "名称": "title", "主题": "title", "title": "title",
    "内容": "body", "正文": "body", "body": "body", "text": "body",
    "说明": "details", "详情": "details", "注意事项": "details", "details": "details",
    "名额": "capacity", "人数": "capacity", "capacity": "capacity",
    "对象": "audience", "楼栋": "audience", "发给": "audience", "audience": "audience", "to": "audience",
    "发送时间": "at", "发送": "at", "at": "at", "send": "at",
    "置顶": "pin", "pin": "pin",
    "私信": "private", "private": "private",
    "语言": "language", "language": "language", "lang": "language",
}

FIELD_LABELS_ZH = {
    "time": "时间", "start": "开始", "end": "结束", "area": "区域", "reason": "原因", "contact": "联系电话",
    "place": "地点", "title": "标题", "body": "内容", "details": "说明", "capacity": "名额",
    "audience": "对象", "at": "发送时间", "pin": "置顶", "private": "私信", "language": "语言",
}

DATETIME_FIELDS = ("start", "end")
MULTILINE_FIELDS = ("body", "details")
YES = {"是", "要", "yes", "y", "true", "1", "置顶", "on"}
NO = {"否", "不", "no", "n", "false", "0", "off", ""}
NOW_WORDS = {"立即", "马上", "现在", "now", "立刻"}
ALL_WORDS = {"全部", "所有", "全体", "全小区", "all", "*", "everyone"}

_LINE = re.compile(r"^\s*([^:：=\s][^:：=]*?)\s*[:：=]\s*(.*?)\s*$")
_RANGE_SPLIT = re.compile(r"\s*(?:至|到|~|～|—|–|\bto\b|\s-\s|(?<=\d)-(?=\s*\d{1,2}[:：]\d{2}\s*$))\s*")
_OPTIONAL_MARK = re.compile(r"[(（]可选[)）]")
_CLOCK = re.compile(r"(\d{1,2})[:：点时](\d{2})?")
_FULL_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})[日号]?")
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2}


class ComposeError(ValueError):
    """Staff input that cannot become a notice; the message says what to fix (Chinese)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What staff typed, split into kind, canonical fields and options (strings, unchecked)."""

    kind: NoticeKind
    fields: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()  # field names nobody understood, reported back


@dataclass(frozen=True, slots=True)
class Composition:
    """A checked notice, ready to preview and store; times are aware UTC."""

    kind: NoticeKind
    language: str
    fields: Mapping[str, str]
    text: str
    buildings: tuple[str, ...]  # () = the whole community
    private: bool
    pin: bool
    capacity: int | None
    send_at: datetime
    send_now: bool
    event_at: datetime | None
    relevant_until: datetime | None
    warnings: tuple[str, ...] = ()  # need the sender's confirmation (the 24-hour rule)
    reminders: tuple["ReminderPlan", ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        """True when the sender must confirm a warning before it can go."""
        return bool(self.warnings)

    def fields_json(self) -> str:
        """The fields as stored, so an edit starts from what was entered."""
        return json.dumps(dict(self.fields), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """A reminder the desk will send on its own, derived from a notice."""

    purpose: NoticePurpose
    send_at: datetime
    relevant_until: datetime


class NoticeTemplates:
    """The notice texts (jinja2, zh and en) and the staff-facing texts of this feature."""

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.zone = ZoneInfo(timezone)
        self._env = template_environment("bot.notices")
        self._env.filters["when"] = self._format_when
        self._env.filters["local"] = self._format_local

    def render(self, name: str, **context: object) -> str:
        """Render one template by file name; surrounding blank lines trimmed."""
        return self._env.get_template(name).render(**context).strip()

    def notice_text(self, kind: NoticeKind, language: str, fields: Mapping[str, object]) -> str:
        """The text residents see for a notice of ``kind``."""
        return self.render(f"{kind.value}.{language}.j2", f=_with_blanks(kind, fields), lang=language)

    def reminder_text(self, purpose: NoticePurpose, kind: NoticeKind, language: str,
                      fields: Mapping[str, object]) -> str:
        """The text of a derived reminder (before a cut, before an activity)."""
        return self.render(f"{purpose.value}.{language}.j2", f=_with_blanks(kind, fields),
                           kind=kind.value, lang=language)

    def local(self, value: datetime, lang: str = "zh") -> str:
        """A UTC instant as community local time, e.g. 2026年11月25日(周三) 09:00."""
        return self._format_local(value, lang)

    def _format_local(self, value: datetime | None, lang: str = "zh") -> str:
        if value is None:
            return ""
        local = value.astimezone(self.zone)
        if lang == "en":
            return local.strftime("%a %d %b %Y %H:%M")
        weekday = "一二三四五六日"[local.weekday()]
        return f"{local.year}年{local.month}月{local.day}日(周{weekday}) {local:%H:%M}"

    def _format_when(self, start: datetime | None, end: datetime | None = None, lang: str = "zh") -> str:
        if start is None:
            return ""
        text = self._format_local(start, lang)
        if end is None:
            return text
        s, e = start.astimezone(self.zone), end.astimezone(self.zone)
        return f"{text}–{e:%H:%M}" if s.date() == e.date() else f"{text} – {self._format_local(end, lang)}"


def _with_blanks(kind: NoticeKind, fields: Mapping[str, object]) -> dict[str, object]:
    """Every field of the kind present (None when not given), so StrictUndefined catches typos only."""
    required, optional = KIND_FIELDS[kind]
    return {name: fields.get(name) for name in (*required, *optional)}


def parse_kind(word: str) -> NoticeKind:
    """The kind staff named ("停水", "activity", "社区活动"…)."""
    kind = KIND_ALIASES.get(word.strip().casefold())
    if kind is None:
        names = "、".join(KIND_NAMES_ZH.values())
        raise ComposeError(f"不认识的通知类型「{word.strip()[:20]}」。可用: {names}")
    return kind


def parse_draft(text: str, kind: NoticeKind | None = None) -> Draft:
    """Split ``/notice 停水`` + ``字段: 值`` lines into a Draft.

    The first line may name the kind; every other non-empty line is
    ``name: value`` (``:``, ``：`` or ``=``). A line without a separator
    continues the previous field (multi-line bodies).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    if kind is None:
        first = lines.pop(0).strip() if lines else ""
        if not first:
            raise ComposeError("请在第一行写通知类型,例如: /notice 停水")
        head, _, rest = first.partition(" ")
        kind = parse_kind(head)
        if rest.strip():
            lines.insert(0, rest)
    fields: dict[str, str] = {}
    options: dict[str, str] = {}
    unknown: list[str] = []
    last: dict[str, str] | None = None
    last_key = ""
    for raw in lines:
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        name = FIELD_ALIASES.get(_OPTIONAL_MARK.sub("", match.group(1)).strip().casefold()) if match else None
        if match is None or name is None:
            # A continuation of the field above: any line without a separator, or any line at
            # all inside a free-text field (a body may well contain "注意: …").
            if last is not None and (match is None or last_key in MULTILINE_FIELDS):
                last[last_key] = f"{last[last_key]}\n{raw.strip()}"
            else:
                unknown.append((match.group(1) if match else raw.strip())[:20])
            continue
        value = match.group(2)
        target = options if name in OPTIONS else fields
        if name == "time":
            start, end = split_range(value)
            fields["start"] = start
            if end:
                fields["end"] = end
            last, last_key = fields, "start"
            continue
        target[name] = value
        last, last_key = target, name
    return Draft(kind=kind, fields=fields, options=options, unknown=tuple(unknown))


def split_range(value: str) -> tuple[str, str]:
    """"2026-11-25 09:00-17:00" -> ("2026-11-25 09:00", "2026-11-25 17:00")."""
    parts = [p for p in _RANGE_SPLIT.split(value.strip(), maxsplit=1) if p is not None]
    if len(parts) < 2 or not parts[1].strip():
        return value.strip(), ""
    start, end = parts[0].strip(), parts[1].strip()
    date_part = start.rsplit(" ", 1)[0] if " " in start else ""
    if date_part and _CLOCK.fullmatch(end):  # "09:00-17:00": the end shares the start's date
        end = f"{date_part} {end}"
    return start, end


def parse_when(value: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """A local date-time as staff type it -> aware UTC.

    Accepts ``2026-11-25 09:00``, ``2026/11/25 9:00``, ``11-25 09:00`` (this
    year, or next if already past), ``11月25日 9点``, ``明天 14:30``, ISO-8601.
    """
    text = value.strip().replace("T", " ")
    if not text:
        raise ComposeError("时间不能为空")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        local = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        return local.astimezone(UTC)
    today = now.astimezone(zone).date()
    day: date | None = None
    rest = text
    if m := _FULL_DATE.search(text):
        day = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), value)
        rest = text[m.end():]
    elif m := _MONTH_DAY.match(text):
        day = _safe_date(today.year, int(m.group(1)), int(m.group(2)), value)
        if day < today - timedelta(days=1):
            day = _safe_date(today.year + 1, day.month, day.day, value)
        rest = text[m.end():]
    else:
        day = today  # a bare clock time means today
        for word, offset in _RELATIVE_DAYS.items():
            if text.casefold().startswith(word):
                day = today + timedelta(days=offset)
                rest = text[len(word):]
                break
    clock = _CLOCK.search(rest)
    if day is None or clock is None:
        raise ComposeError(f"看不懂的时间「{value.strip()[:30]}」,请写成 2026-11-25 09:00")
    hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    if "下午" in rest or "晚上" in rest or "pm" in rest.casefold():
        hour = hour + 12 if hour < 12 else hour
    if hour > 23 or minute > 59:
        raise ComposeError(f"时间「{value.strip()[:30]}」不存在")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


def _safe_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ComposeError(f"日期「{original.strip()[:30]}」不存在") from None


# A building: a number with optional letters or dashes (3, 12A, 12-1), or one letter (A栋).
_BUILDING_NAME = re.compile(r"(?=[^\s]*\d)[0-9A-Za-z\-]{1,8}|[A-Za-z]")


def parse_buildings(value: str) -> tuple[str, ...]:
    """"3号楼, 5栋" -> ("3", "5"); "全部"/"all"/"" -> () meaning everyone."""
    text = value.strip()
    if text.casefold() in ALL_WORDS or not text:
        return ()
    parts = re.split(r"[\s,，、;；/]+", text)
    result: list[str] = []
    for part in parts:
        name = re.sub(r"(号楼|号|栋|幢|楼|building|bldg\.?)$", "", part.strip(), flags=re.I)
        name = re.sub(r"^(building|bldg\.?)", "", name, flags=re.I).strip()
        if not name:
            continue
        if not _BUILDING_NAME.fullmatch(name):
            raise ComposeError(f"对象: 看不懂的楼栋「{part[:20]}」,请写成 3号楼, 5号楼, A栋 或 全部")
        if name not in result:
            result.append(name)
    if not result:  # "号楼": a building word with no building is not "everyone"
        raise ComposeError(f"对象: 没有写是哪栋楼「{text[:20]}」,请写成 3号楼, 5号楼 或 全部")
    if len(",".join(result)) > MAX_BUILDINGS_CHARS:
        raise ComposeError("楼栋太多了;发给所有楼栋请写「全部」")
    return tuple(result)


def _flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    word = value.strip().casefold()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ComposeError(f"{FIELD_LABELS_ZH[name]}请写 是 或 否")


def compose(draft: Draft, *, now: datetime, templates: NoticeTemplates) -> Composition:
    """Check a draft and render its text; raise ComposeError listing every problem.

    A planned cut announced less than 24 hours ahead is not an error but a
    warning in ``Composition.warnings`` that the sender must confirm.
    """
    zone = templates.zone
    problems: list[str] = []
    if draft.unknown:
        problems.append("不认识的字段: " + "、".join(draft.unknown) + "(可用字段见 /notice 的说明)")
    required, optional = KIND_FIELDS[draft.kind]
    values: dict[str, str] = {}
    for name in (*required, *optional):
        value = draft.fields.get(name, "").strip()
        if "\x00" in value:
            problems.append(f"{FIELD_LABELS_ZH[name]}含有无法显示的字符")
            continue
        if len(value) > MAX_FIELD_CHARS:
            problems.append(f"{FIELD_LABELS_ZH[name]}太长(最多 {MAX_FIELD_CHARS} 字)")
            continue
        if value:
            values[name] = value
        elif name in required:
            problems.append(f"缺少{FIELD_LABELS_ZH[name]}")
    extra = sorted(set(draft.fields) - set(required) - set(optional))
    if extra:
        problems.append(f"{KIND_NAMES_ZH[draft.kind]}没有这些字段: " + "、".join(FIELD_LABELS_ZH[e] for e in extra))

    times: dict[str, datetime] = {}
    for name in DATETIME_FIELDS:
        if name in values:
            try:
                times[name] = parse_when(values[name], now=now, zone=zone)
            except ComposeError as exc:
                problems.append(f"{FIELD_LABELS_ZH[name]}: {exc}")
    capacity: int | None = None
    if "capacity" in values:
        text = values["capacity"].removesuffix("人").strip()
        if not text.isdecimal() or len(text) > 6 or not 0 < int(text) <= MAX_CAPACITY:
            problems.append("名额请写一个正整数,例如 30")
        else:
            capacity = int(text)

    options = draft.options
    language = (options.get("language") or "zh").strip().casefold()
    language = {"中文": "zh", "zh-cn": "zh", "英文": "en", "english": "en"}.get(language, language)
    if language not in ("zh", "en"):
        problems.append("语言请写 zh 或 en")
        language = "zh"
    try:
        buildings = parse_buildings(options.get("audience", ""))
    except ComposeError as exc:
        problems.append(str(exc))
        buildings = ()
    try:
        pin = _flag(options.get("pin"), "pin")
        private = _flag(options.get("private"), "private")
    except ComposeError as exc:
        problems.append(str(exc))
        pin = private = False
    at_text = (options.get("at") or "").strip()
    send_now = not at_text or at_text.casefold() in NOW_WORDS
    send_at = now
    if not send_now:
        try:
            send_at = parse_when(at_text, now=now, zone=zone)
        except ComposeError as exc:
            problems.append(f"发送时间: {exc}")
        else:
            if send_at < now - timedelta(minutes=1):
                problems.append("发送时间已经过去了;立即发送请写「发送: 立即」")
            send_at = max(send_at, now)

    start, end = times.get("start"), times.get("end")
    if start and end and end <= start:
        problems.append("结束时间必须晚于开始时间")
    if start and start <= send_at and draft.kind is not NoticeKind.REMINDER:
        problems.append("开始时间必须晚于发送时间")
    if problems:
        raise ComposeError("\n".join(problems))

    for name, value in times.items():  # stored canonically, so reminders and edits read them back as meant
        values[name] = value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    render_fields: dict[str, object] = dict(values)
    render_fields.update(times)
    if capacity is not None:
        render_fields["capacity"] = capacity
    try:
        text = templates.notice_text(draft.kind, language, render_fields)
    except TemplateError as exc:  # a broken template is our bug, not the sender's
        raise RuntimeError(f"notice template {draft.kind}.{language} failed") from exc
    if len(text) > MAX_TEXT_CHARS:
        raise ComposeError(f"通知太长({len(text)} 字),最多 {MAX_TEXT_CHARS} 字")

    warnings: list[str] = []
    if draft.kind in (NoticeKind.WATER_CUT, NoticeKind.POWER_CUT) and start is not None:
        if start - send_at < PLANNED_CUT_NOTICE:
            hours = max(0, int((start - send_at).total_seconds() // 3600))
            warnings.append(
                f"计划性{'停水' if draft.kind is NoticeKind.WATER_CUT else '停电'}应提前24小时通知业主"
                f"(服务方案),本通知距开始只有约 {hours} 小时。确认仍要发送吗?"
            )
    composition = Composition(
        kind=draft.kind,
        language=language,
        fields=dict(values),
        text=text,
        buildings=buildings,
        private=private,
        pin=pin,
        capacity=capacity,
        send_at=send_at,
        send_now=send_now,
        event_at=start,
        relevant_until=relevant_until(draft.kind, send_at=send_at, start=start, end=end),
        warnings=tuple(warnings),
    )
    return replace(composition, reminders=plan_reminders(composition))


def relevant_until(kind: NoticeKind, *, send_at: datetime, start: datetime | None,
                   end: datetime | None) -> datetime:
    """Until when a notice missed while the desk was down is still worth sending."""
    match kind:
        case NoticeKind.WATER_CUT | NoticeKind.POWER_CUT:
            return end or start or send_at + STALE_AFTER  # residents still want to know mid-cut
        case NoticeKind.ACTIVITY | NoticeKind.FIRE_DRILL:
            return start or send_at + STALE_AFTER
        case _:
            return send_at + STALE_AFTER


def plan_reminders(c: Composition) -> tuple[ReminderPlan, ...]:
    """The reminders the desk adds on its own: before a cut, and before an activity."""
    if c.event_at is None:
        return ()
    if c.kind in (NoticeKind.WATER_CUT, NoticeKind.POWER_CUT):
        at = c.event_at - CUT_REMINDER_LEAD
        if at - c.send_at >= MIN_REMINDER_GAP:
            return (ReminderPlan(NoticePurpose.CUT_REMINDER, at, c.event_at),)
        return ()
    if c.kind is NoticeKind.ACTIVITY:
        for lead in (SIGNUP_REMINDER_LEAD, SIGNUP_REMINDER_SHORT_LEAD):
            at = c.event_at - lead
            if at - c.send_at >= MIN_REMINDER_GAP:
                return (ReminderPlan(NoticePurpose.SIGNUP_REMINDER, at, c.event_at),)
    return ()


def render_fields(kind: NoticeKind, fields: Mapping[str, str], *, now: datetime,
                  zone: ZoneInfo) -> dict[str, object]:
    """Stored (string) fields -> template context, for reminders rendered later."""
    result: dict[str, object] = dict(fields)
    for name in DATETIME_FIELDS:
        if fields.get(name):
            result[name] = parse_when(fields[name], now=now, zone=zone)
    if fields.get("capacity"):
        result["capacity"] = int(str(fields["capacity"]).removesuffix("人").strip())
    return result


def form_for(kind: NoticeKind) -> str:
    """A fill-in form for the dialogue: one ``字段: `` line per field, required ones first."""
    required, optional = KIND_FIELDS[kind]
    lines = [f"{FIELD_LABELS_ZH[name]}: " for name in required]
    lines += [f"{FIELD_LABELS_ZH[name]}(可选): " for name in optional]
    lines += ["对象: 全部", "发送: 立即", "置顶: 否"]
    return "\n".join(lines)
