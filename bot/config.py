"""The desk's configuration: one TOML file (see bot/desk.example.toml), read once at start-up.

``load_config`` fails with ``ConfigError`` naming the key at fault. The Telegram
token is never in the file: it comes from TELEGRAM_BOT_TOKEN, read by the
front-end.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.db import DEFAULT_URL
from bot.messages import Role
from bot.models import Priority, TicketKind

# Shipped inside the package so that a non-editable install has it too.
EXAMPLE_CONFIG = Path(__file__).resolve().parent / "desk.example.toml"

COMMUNITY_KEYS = (
    "name", "company", "address", "service_centre", "office_hours",
    "hotline", "security_phone", "engineering_phone", "manager_phone", "gas_hotline",
)
STAFF_ROLES = (Role.AGENT, Role.ENGINEER, Role.SECURITY, Role.MANAGER)


class ConfigError(Exception):
    """The configuration file is missing, unreadable or wrong; the message names the key."""


@dataclass(frozen=True, slots=True)
class Community:
    """The community's public facts, filled into the handbook's {{key}} placeholders."""

    name: str
    company: str
    address: str
    service_centre: str
    office_hours: str
    hotline: str
    security_phone: str
    engineering_phone: str
    manager_phone: str
    gas_hotline: str  # the city gas company's 24-hour emergency line: it differs from city to city

    def placeholders(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in COMMUNITY_KEYS}


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff as configured; ``telegram_id`` identifies them on any channel."""

    name: str
    roles: tuple[Role, ...]
    telegram_id: str | None = None
    phone: str | None = None
    on_duty: bool = False


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """How soon a ticket must be responded to and resolved."""

    respond: timedelta
    resolve: timedelta


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """Settings for the Telegram front-end (the token comes from TELEGRAM_BOT_TOKEN only)."""

    staff_group_id: int | None = None
    duty_topic_id: int | None = None
    engineering_topic_id: int | None = None
    agents_topic_id: int | None = None
    manager_topic_id: int | None = None
    base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    max_messages_per_second: float = 25.0
    concurrency: int = 8  # updates of different chats handled at once
    desk_threads: int = 0  # 0: the desk runs on the event loop; N: in N threads (slow remote database)
    http_connections: int = 6  # open connections to the Bot API
    desk_process: bool = True  # the desk's core in a process of its own (a second core for it)


@dataclass(frozen=True, slots=True)
class Timers:
    """How often the sweeps act."""

    alert_repeat: timedelta = timedelta(minutes=2)  # unacknowledged emergency alerts
    overdue_check: timedelta = timedelta(minutes=5)
    rating_reminder_after: timedelta = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the desk needs to know about its community."""

    community: Community
    staff: tuple[StaffMember, ...]
    sla: Mapping[tuple[TicketKind, Priority], SlaTarget]
    timezone: ZoneInfo
    database_url: str = DEFAULT_URL
    handbook_dir: Path | None = None  # None: the bundled handbook
    telegram: TelegramConfig = TelegramConfig()
    timers: Timers = Timers()

    def sla_for(self, kind: TicketKind | str, priority: Priority | str) -> SlaTarget:
        """The SLA of ``kind`` at ``priority``, falling back to the kind's normal, then a day."""
        kind, priority = TicketKind(kind), Priority(priority)
        for key in ((kind, priority), (kind, Priority.NORMAL)):
            if key in self.sla:
                return self.sla[key]
        return SlaTarget(respond=timedelta(hours=4), resolve=timedelta(days=3))


def load_config(path: Path | str, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file at ``path``; DATABASE_URL in ``environ`` overrides the database URL."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return _parse(raw, base=path.parent, environ=environ or {})
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _parse(raw: dict[str, Any], *, base: Path, environ: Mapping[str, str]) -> Config:
    community = _table(raw, "community")
    values = {}
    for key in COMMUNITY_KEYS:
        values[key] = _str(community, key, f"community.{key}")
    database = _table(raw, "database", required=False)
    url = environ.get("DATABASE_URL") or _str(database, "url", "database.url", default=DEFAULT_URL)
    handbook = _table(raw, "handbook", required=False)
    folder = _str(handbook, "folder", "handbook.folder", default="")
    tz_name = _str(raw, "timezone", "timezone", default="Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone: unknown time zone {tz_name!r}") from None
    return Config(
        community=Community(**values),
        staff=_parse_staff(raw.get("staff", [])),
        sla=_parse_sla(_table(raw, "sla")),
        timezone=tz,
        database_url=url,
        handbook_dir=(base / folder) if folder else None,
        telegram=_parse_telegram(_table(raw, "telegram", required=False)),
        timers=_parse_timers(_table(raw, "timers", required=False)),
    )


def _table(raw: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(f"[{key}]: missing table")
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table")
    return value


# Keys added after the first release: a configuration written before them says what to add.
_NEWER_KEYS = {
    "community.gas_hotline": 'the local gas company\'s 24-hour emergency number, e.g. gas_hotline = "96777"; '
                             "the handbook's gas-leak guidance gives it to residents",
}


def _str(table: Mapping[str, Any], key: str, name: str, *, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        hint = _NEWER_KEYS.get(name)
        raise ConfigError(f"{name}: missing" + (f" ({hint})" if hint else ""))
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise ConfigError(f"{name}: expected a non-empty string")
    return value


def _opt_int(table: Mapping[str, Any], key: str, name: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name}: expected an integer")
    return value


def _minutes(table: Mapping[str, Any], key: str, name: str, default: float) -> timedelta:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{name}: expected a positive number of minutes")
    return timedelta(minutes=value)


def _parse_staff(items: Any) -> tuple[StaffMember, ...]:
    if not isinstance(items, list):
        raise ConfigError("staff: expected [[staff]] entries")
    staff: list[StaffMember] = []
    names: set[str] = set()
    for i, item in enumerate(items):
        where = f"staff[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a table")
        name = _str(item, "name", f"{where}.name")
        if name in names:
            raise ConfigError(f"{where}.name: duplicate staff name {name!r}")
        names.add(name)
        roles_raw = item.get("roles")
        if not isinstance(roles_raw, list) or not roles_raw:
            raise ConfigError(f"{where}.roles: expected a list such as [\"agent\"]")
        roles = []
        for role in roles_raw:
            if role not in {r.value for r in STAFF_ROLES}:
                allowed = ", ".join(r.value for r in STAFF_ROLES)
                raise ConfigError(f"{where}.roles: unknown role {role!r} (roles: {allowed})")
            roles.append(Role(role))
        telegram_id = item.get("telegram_id")
        if telegram_id is not None and not isinstance(telegram_id, int | str):
            raise ConfigError(f"{where}.telegram_id: expected a number")
        on_duty = item.get("on_duty", False)
        if not isinstance(on_duty, bool):
            raise ConfigError(f"{where}.on_duty: expected true or false")
        phone = item.get("phone")
        if phone is not None and not isinstance(phone, str):
            raise ConfigError(f"{where}.phone: expected a string")
        staff.append(StaffMember(
            name=name, roles=tuple(roles), telegram_id=None if telegram_id is None else str(telegram_id),
            phone=phone, on_duty=on_duty,
        ))
    return tuple(staff)


def _parse_sla(table: Mapping[str, Any]) -> dict[tuple[TicketKind, Priority], SlaTarget]:
    sla: dict[tuple[TicketKind, Priority], SlaTarget] = {}
    for kind_name, per_priority in table.items():
        try:
            kind = TicketKind(kind_name)
        except ValueError:
            raise ConfigError(f"sla.{kind_name}: unknown ticket kind") from None
        if not isinstance(per_priority, dict):
            raise ConfigError(f"sla.{kind_name}: expected a table of priorities")
        for priority_name, target in per_priority.items():
            where = f"sla.{kind_name}.{priority_name}"
            try:
                priority = Priority(priority_name)
            except ValueError:
                raise ConfigError(f"{where}: unknown priority (urgent, high, normal, low)") from None
            if not isinstance(target, dict):
                raise ConfigError(f"{where}: expected {{ respond_minutes = …, resolve_minutes = … }}")
            for key in ("respond_minutes", "resolve_minutes"):
                if key not in target:
                    raise ConfigError(f"{where}.{key}: missing")
            sla[(kind, priority)] = SlaTarget(
                respond=_minutes(target, "respond_minutes", f"{where}.respond_minutes", 0),
                resolve=_minutes(target, "resolve_minutes", f"{where}.resolve_minutes", 0),
            )
    emergency = sla.get((TicketKind.EMERGENCY, Priority.URGENT))
    if emergency is None:
        raise ConfigError("sla.emergency.urgent: missing (the plan needs an emergency response target)")
    return sla


def _parse_telegram(table: Mapping[str, Any]) -> TelegramConfig:
    def opt_str(key: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"telegram.{key}: expected a string")
        return value

    rate = table.get("max_messages_per_second", 25.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
        raise ConfigError("telegram.max_messages_per_second: expected a positive number")

    def count(key: str, default: int, least: int) -> int:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"telegram.{key}: expected a whole number >= {least}")
        return value

    def flag(key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"telegram.{key}: expected true or false")
        return value

    return TelegramConfig(
        staff_group_id=_opt_int(table, "staff_group_id", "telegram.staff_group_id"),
        duty_topic_id=_opt_int(table, "duty_topic_id", "telegram.duty_topic_id"),
        engineering_topic_id=_opt_int(table, "engineering_topic_id", "telegram.engineering_topic_id"),
        agents_topic_id=_opt_int(table, "agents_topic_id", "telegram.agents_topic_id"),
        manager_topic_id=_opt_int(table, "manager_topic_id", "telegram.manager_topic_id"),
        base_url=opt_str("base_url"),
        webhook_url=opt_str("webhook_url"),
        webhook_secret=opt_str("webhook_secret"),
        max_messages_per_second=float(rate),
        concurrency=count("concurrency", 8, 1),
        desk_threads=count("desk_threads", 0, 0),
        http_connections=count("http_connections", 6, 1),
        desk_process=flag("desk_process", True),
    )


def _parse_timers(table: Mapping[str, Any]) -> Timers:
    return Timers(
        alert_repeat=_minutes(table, "alert_repeat_minutes", "timers.alert_repeat_minutes", 2),
        overdue_check=_minutes(table, "overdue_check_minutes", "timers.overdue_check_minutes", 5),
        rating_reminder_after=_minutes(
            table, "rating_reminder_after_minutes", "timers.rating_reminder_after_minutes", 48 * 60
        ),
    )
