"""All wording of the desk: jinja2 templates in bot/templates/{zh,en,staff}/.

Residents read zh or en; staff read Chinese. StrictUndefined makes a missing
variable an error in tests instead of a blank in a resident's chat.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.models import told_kinds
from bot.workflow import STATUS_EN, STATUS_ZH, Status

LANGUAGES = ("zh", "en")

# Labels of the internal values that templates show to people (staff read Chinese; residents zh or en).
LABELS_ZH: dict[str, dict[str, str]] = {
    "priority": {"urgent": "紧急", "high": "高", "normal": "普通", "low": "低"},
    "kind": {"repair": "报修", "complaint": "投诉", "renovation": "装修", "emergency": "紧急情况", "inquiry": "咨询"},
    "emergency": {"fire": "火情", "elevator": "电梯困人/故障", "gas": "燃气泄漏", "flood": "水浸/爆管",
                  "outage": "停电", "security": "治安事件", "medical": "急病/受伤"},
    "action": {"dispatch": "派单", "accept": "接单", "return": "退单", "transfer": "转单", "start": "开始维修",
               "done": "完成", "analyse": "上报分析", "plan": "制定方案", "resolve": "处理完毕",
               "approve": "审核通过", "revise": "图纸需修改", "resubmit": "重新提交", "sign": "签订协议",
               "inspect": "施工巡查", "pass": "验收通过", "fail": "验收不通过", "refund": "退押金",
               "arrive": "到场", "answer": "答复", "followup": "回访", "archive": "归档", "close": "关闭",
               "reopen": "重新打开", "cancel": "撤销", "none": "无"},
    "event": {"opened": "登记", "status": "状态", "assigned": "派给", "taken": "接管对话", "handed_back": "交回机器人",
              "note": "内部备注", "message": "消息", "attachment": "附件", "acknowledged": "已确认",
              "alert": "提醒", "escalated": "升级", "rated": "评分", "reminded": "提醒评分",
              "violation": "违规", "delivery_failed": "送达失败", "edited": "修改消息"},
    "reason": {"unacknowledged": "紧急情况无人确认", "no_response": "超时未响应", "not_resolved": "超时未完成",
               "low rating": "低分评价", "opened": "登记"},
    "role": {"agent": "客服", "engineer": "工程师", "security": "保安", "manager": "主管"},
}
LABELS_EN: dict[str, dict[str, str]] = {
    "priority": {"urgent": "urgent", "high": "high", "normal": "normal", "low": "low"},
    "kind": {"repair": "repair", "complaint": "complaint", "renovation": "renovation", "emergency": "emergency",
             "inquiry": "enquiry"},
    "emergency": {"fire": "fire", "elevator": "lift", "gas": "gas leak", "flood": "flooding", "outage": "power cut",
                  "security": "security incident", "medical": "medical emergency"},
}
_TERMS_ZH = {**LABELS_ZH["action"], **LABELS_ZH["role"]}
_TERM = re.compile(r"\b(" + "|".join(sorted(_TERMS_ZH, key=len, reverse=True)) + r")\b")


def terms_zh(text: str) -> str:
    """Chinese for the step and role names inside a sentence ("不能“accept”（现在可以：cancel, dispatch）")."""
    return _TERM.sub(lambda m: _TERMS_ZH[m.group(1)], text or "")


_FLAT_ZH = re.compile(r"^(\w{1,3}?)栋(?:(\d{1,2})单元)?(\d{3,4})?$")
_PUBLIC_ZH = re.compile(r"^(?:(\w{1,3}?)栋)?公共区域$")


def place_en(place: str) -> str:
    """The desk's own Chinese place labels in English ("9栋3单元701", "5栋公共区域"); residents' words as written."""
    place = place or ""
    if flat := _FLAT_ZH.match(place):
        building, unit, room = flat.groups()
        return f"Building {building}{f' Unit {unit}' if unit else ''}{f' Room {room}' if room else ''}"
    if public := _PUBLIC_ZH.match(place):
        return f"public area{f', building {public.group(1)}' if public.group(1) else ''}"
    return place


def _state(ticket: object, labels: dict[Status, str], acknowledged: str) -> str:
    """A ticket's status for people: an acknowledged emergency no longer reads as unanswered."""
    status = Status(getattr(ticket, "status"))
    if status == Status.ALARMED and getattr(ticket, "responded_at", None) is not None:
        return acknowledged
    return labels.get(status, status.value)


def _actor_zh(actor: str) -> str:
    """Who did it, for staff: resident:7 → 业主, staff:王师傅 → 王师傅, desk → 系统."""
    actor = actor or ""
    if actor.startswith("resident:"):
        return "业主"
    if actor.startswith("staff:"):
        return actor.removeprefix("staff:")
    return {"desk": "系统"}.get(actor, actor)


def template_environment(package: str) -> Environment:
    """The jinja2 environment of every text the desk sends: ``package``'s ``templates/`` folder.

    Plain text (no autoescape: nothing is sent with a parse mode), a missing variable is an
    error rather than an empty string in front of a resident, and templates are compiled once.
    """
    return Environment(
        loader=PackageLoader(package, "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=False,
        auto_reload=False,  # compiled once: no file check per message (restart to change wording)
        cache_size=-1,  # every template stays compiled
    )


class Templates:
    """One jinja2 environment; renders a named template in a language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self._tz = timezone
        self._env = template_environment("bot")
        self._labels: dict[str, dict[str, str]] = {}
        self._env.filters["local"] = self.local_time
        self._env.filters["minutes"] = _minutes
        self._env.filters["duration_zh"] = _duration_zh
        self._env.filters["duration_en"] = _duration_en
        self._env.filters["status_zh"] = lambda s: STATUS_ZH.get(Status(s), s)
        self._env.filters["status_en"] = lambda s: STATUS_EN.get(Status(s), s)
        # Internal values (priority, kind, step, event, actor…) never reach people raw: see the tables below.
        for table, labels in LABELS_ZH.items():
            self._env.filters[f"{table}_zh"] = lambda v, labels=labels: labels.get(str(v or ""), v or "")
        for table, labels in LABELS_EN.items():
            self._env.filters[f"{table}_en"] = lambda v, labels=labels: labels.get(str(v or ""), v or "")
        self._env.filters["actor_zh"] = _actor_zh
        self._env.filters["state_zh"] = lambda t: _state(t, STATUS_ZH, "已响应，人员赶往现场")
        self._env.filters["state_en"] = lambda t: _state(t, STATUS_EN, "acknowledged, help is on the way")
        self._env.filters["terms_zh"] = terms_zh
        self._env.filters["place_en"] = place_en
        self._env.filters["told_kinds"] = told_kinds

    def resident(self, template: str, lang: str, /, **context: object) -> str:
        """Render ``{lang}/{template}.j2`` for a resident (zh when the language is unknown)."""
        lang = lang if lang in LANGUAGES else "zh"
        return self._render(f"{lang}/{template}.j2", context)

    def staff(self, template: str, /, **context: object) -> str:
        """Render ``staff/{template}.j2`` for staff."""
        return self._render(f"staff/{template}.j2", context)

    def label(self, name: str, lang: str) -> str:
        """A button label from ``{lang}/labels.j2``."""
        lang = lang if lang in LANGUAGES else "zh"
        labels = self._labels.get(lang)
        if labels is None:
            module = self._env.get_template(f"{lang}/labels.j2").module
            labels = self._labels[lang] = module.labels  # type: ignore[attr-defined]
        return labels[name]

    def names(self) -> list[str]:
        """Every template, as ``folder/name.j2``."""
        return sorted(self._env.list_templates(extensions=["j2"]))

    def local_time(self, value: datetime | None) -> str:
        """A UTC instant as community wall-clock time, e.g. 2026-11-23 15:00."""
        if value is None:
            return "-"
        return value.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")

    def _render(self, path: str, context: dict[str, object]) -> str:
        return self._env.get_template(path).render(**context).strip()


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![*A-Za-z0-9])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*A-Za-z0-9])")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")


def plain_markdown(text: str) -> str:
    """Handbook Markdown as clean plain text for a chat that shows no markup.

    Emphasis and code markers go, headings become plain lines, list bullets stay
    (as "•"), table rows become "cell | cell" lines without the separator row,
    and links show their text and address. Messages are sent without a parse
    mode on purpose (resident text must never become markup), so the handbook's
    own markup is removed here instead.
    """
    lines: list[str] = []
    for line in text.splitlines():
        if _RULE.match(line) or _TABLE_SEPARATOR.match(line) and "-" in line:
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _QUOTE.sub("", line)
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", line)
        if line.lstrip().startswith("|") and line.count("|") >= 2:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            line = " | ".join(cells)
        line = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", line)
        line = _STRONG.sub(r"\2", line)
        line = _EMPHASIS.sub(r"\1", line)
        line = _CODE.sub(r"\1", line)
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _minutes(value: timedelta | None) -> int:
    return 0 if value is None else int(value.total_seconds() // 60)


def _duration_zh(value: timedelta) -> str:
    minutes = _minutes(value)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def _duration_en(value: timedelta) -> str:
    minutes = _minutes(value)
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return f"{minutes} minutes"  # pragma: no cover - the loop always returns
