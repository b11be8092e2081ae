"""All wording of the desk: jinja2 templates in bot/templates/{zh,en,staff}/.

Residents read zh or en; staff read Chinese. StrictUndefined makes a missing
variable an error in tests instead of a blank in a resident's chat.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.workflow import STATUS_EN, STATUS_ZH, Status

LANGUAGES = ("zh", "en")


class Templates:
    """One jinja2 environment; renders a named template in a language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self._tz = timezone
        self._env = Environment(
            loader=PackageLoader("bot", "templates"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
            keep_trailing_newline=False,
            auto_reload=False,  # compiled once: no file check per message (restart to change wording)
            cache_size=-1,  # every template stays compiled
        )
        self._labels: dict[str, dict[str, str]] = {}
        self._env.filters["local"] = self.local_time
        self._env.filters["minutes"] = _minutes
        self._env.filters["duration_zh"] = _duration_zh
        self._env.filters["duration_en"] = _duration_en
        self._env.filters["status_zh"] = lambda s: STATUS_ZH.get(Status(s), s)
        self._env.filters["status_en"] = lambda s: STATUS_EN.get(Status(s), s)

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
            labels = self._labels[lang] = self._env.get_template(f"{lang}/labels.j2").module.labels  # type: ignore[attr-defined]
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
