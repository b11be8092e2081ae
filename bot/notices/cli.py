"""`desk notice send|schedule|list|cancel`: notices from the terminal.

The notice form is the same as in Telegram (``字段: 值`` lines, from --file or
stdin, plus ``--field NAME=VALUE``). ``send`` and ``schedule`` store the
notice; the running desk (`desk run`) delivers it on its next tick, within
seconds. ``send --deliver`` delivers from this process instead (needs
TELEGRAM_BOT_TOKEN) when no desk is running: a running desk holds the send
lease, and two processes broadcasting at once would together exceed Telegram's
limits, so ``--deliver`` then leaves the notice to it (exit 0: it is stored and
goes within seconds; a retry would store it twice). The token is checked (set,
shaped like a bot token) before anything is stored; when the Bot API then
cannot be reached, or refuses the token, the notice stays stored for `desk run`
and the error says so (exit 2). ``--json`` prints machine-readable output.

A ``--to`` word that is no building (``abc``) and control characters anywhere in
the form or a ``--field`` are refused (exit 2, nothing stored), never dropped.

Notices go to the residents' Telegram groups registered with /register (and,
with --private, to residents' private Telegram chats): `desk chat` delivers
none, and with no group registered for the audience nobody receives one;
`send` and `schedule` say so when they store such a notice.

`--at` takes a local time as the form does ("2026-11-25 18:00", "明天 9:00",
"tomorrow 18:00") and, on the command line, also "tomorrow" (09:00), "6pm",
"tomorrow 6:30pm" and "in 2 hours" / "+30m" / "2小时后".

Exit codes: 0 done, 1 nothing to do (cancel of an unknown or sent notice),
2 bad input or configuration, 3 the 24-hour rule needs --yes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.notices.compose import (
    FIELD_ALIASES,
    FIELD_LABELS_ZH,
    KIND_NAMES_ZH,
    ComposeError,
    Composition,
    NoticeTemplates,
    compose,
    parse_draft,
    parse_kind,
)
from bot.notices.models import NoticeStatus
from bot.notices.store import NoticeInfo, NoticeStore

MAX_FORM_BYTES = 64_000
DEFAULT_CLOCK = "09:00"  # `--at tomorrow`: the morning of that day
# The composer's hints speak Telegram (/notice, the form's 发送 line); on the command line, say it our way.
CLI_HINTS = {
    "(可用字段见 /notice 的说明)": "(fields: " + ", ".join(dict.fromkeys(FIELD_LABELS_ZH.values()))
                                   + "; see docs/notices.md)",
    "立即发送请写「发送: 立即」": "to send now use `desk notice send` (no --at)",
    "请在第一行写通知类型,例如: /notice 停水": "name the kind: `desk notice send 停水`",
    "对象: ": "--to: ",  # the audience is --to on the command line
}
_DAY_WORDS = r"今天|今日|明天|明日|后天|today|tomorrow"
_RELATIVE = re.compile(r"^(?:in\s+|\+)?(\d{1,4})\s*(h|hours?|m|mins?|minutes?|小时|个小时|分钟)\s*(?:后|later)?$", re.I)
_AM_PM = re.compile(r"(\d{1,2})(?:[:：](\d{2}))?\s*(am|pm)\b", re.I)
# Control characters (but tab and line breaks) and lone surrogates (undecodable bytes on the command
# line): never meant as notice text, and a resident's group would show them as junk or not at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class UsageError(Exception):
    """Bad arguments or input; the message is printed as is."""


class DeliveryError(Exception):
    """``--deliver`` could not deliver (Bot API unreachable, token refused); the notice stays stored."""


def _parser() -> argparse.ArgumentParser:
    def common(suppress: bool) -> argparse.ArgumentParser:
        # The same options before or after the sub-command: `desk notice list --json` works too.
        p = argparse.ArgumentParser(add_help=False)
        default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
        p.add_argument("--config", help="configuration file (default: desk.toml if present, else the example)",
                       **default)
        p.add_argument("--db", help="database URL or SQLite file (default: the configuration's)", **default)
        p.add_argument("--json", action="store_true", help="print JSON", **default)
        return p

    parser = argparse.ArgumentParser(prog="desk notice", description="Notices to residents' group chats.",
                                     parents=[common(False)])
    sub = parser.add_subparsers(dest="command", required=True)
    shared = common(True)
    for name, help_ in (("send", "send now (the running desk delivers within seconds)"),
                        ("schedule", "send at a time (--at)")):
        p = sub.add_parser(name, help=help_, parents=[shared])
        p.add_argument("kind", help="停水 | 停电 | 消防演练 | 社区活动 | 温馨提示 | 通用 (or water_cut, power_cut, …)")
        p.add_argument("--file", help="the form (字段: 值 lines); default stdin when it is not a terminal")
        p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                       help="a field, e.g. --field 区域=3号楼 (repeatable)")
        p.add_argument("--to", help="buildings, e.g. '3号楼 5号楼' (default: everyone)")
        p.add_argument("--pin", action="store_true", help="pin it in the groups")
        p.add_argument("--private", action="store_true", help="also to residents of those buildings, privately")
        p.add_argument("--lang", choices=("zh", "en"), help="language of the notice (default zh)")
        p.add_argument("--yes", action="store_true", help="confirm warnings (the 24-hour rule)")
        p.add_argument("--dry-run", action="store_true", help="show the preview, store nothing")
        if name == "schedule":
            p.add_argument("--at", required=True, help="local time, e.g. '2026-11-24 18:00'")
        else:
            p.add_argument("--deliver", action="store_true",
                           help="deliver from this process (TELEGRAM_BOT_TOKEN) and print the report")
    p = sub.add_parser("list", help="scheduled notices (and, with --all, the recent rest)", parents=[shared])
    p.add_argument("--all", action="store_true", help="include sent, cancelled and expired ones")
    p = sub.add_parser("cancel", help="cancel a scheduled notice", parents=[shared])
    p.add_argument("code", help="N-0003 or 3")
    return parser


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         now: datetime | None = None) -> int:
    """Entry point of `desk notice`."""
    out = stdout or sys.stdout
    err = sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed why
        return int(exc.code or 0)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        config, store = _open(args)
    except UsageError as exc:
        err.write(f"desk notice: {exc}\n")
        return 2
    templates = NoticeTemplates(getattr(config.timezone, "key", "Asia/Shanghai"))
    clock_now = now or datetime.now(UTC)
    try:
        match args.command:
            case "send" | "schedule":
                return _send(args, store, templates, clock_now, stdin or sys.stdin, out, config)
            case "list":
                return _list(args, store, templates, out)
            case "cancel":
                return _cancel(args, store, clock_now, out)
    except UsageError as exc:
        err.write(f"desk notice: {exc}\n")
        return 2
    return 2


def _open(args: argparse.Namespace) -> tuple[Any, NoticeStore]:
    from bot.config import EXAMPLE_CONFIG, ConfigError, load_config
    from bot.db import database_url, make_engine
    from bot.dbcli import upgrade

    path = Path(args.config) if args.config else (Path("desk.toml") if Path("desk.toml").exists() else EXAMPLE_CONFIG)
    try:
        config = load_config(path, environ=os.environ)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    url = config.database_url
    if args.db:
        url = database_url(args.db)
    try:
        engine = make_engine(url)
        # As `desk run` does at start: the schema at the latest revision (a database left at an
        # older one by a desk not yet restarted lacks the send lease and the shown counts).
        upgrade(engine)
    except Exception as exc:  # unreachable server, bad URL
        raise UsageError(f"cannot open the database ({exc.__class__.__name__})") from None
    return config, NoticeStore(engine)


def _form(args: argparse.Namespace, stdin: TextIO) -> str:
    lines: list[str] = []
    if args.file:
        try:
            data = Path(args.file).read_bytes()[:MAX_FORM_BYTES + 1]
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        if len(data) > MAX_FORM_BYTES:
            raise UsageError(f"{args.file} is too large for a notice")
        try:
            lines.append(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise UsageError(f"{args.file} is not UTF-8 text") from None
    elif not stdin.isatty() and not args.field:
        text = stdin.read(MAX_FORM_BYTES + 1)
        if len(text) > MAX_FORM_BYTES:
            raise UsageError("the form on stdin is too large for a notice")
        lines.append(text)
    if lines:
        _refuse_control_characters(lines[0], "the form")
    for pair in args.field:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--field needs NAME=VALUE, got {pair!r}")
        if name.strip().casefold() not in FIELD_ALIASES:
            raise UsageError(f"unknown field {name.strip()!r}")
        _refuse_control_characters(value, f"--field {name.strip()}")
        lines.append(f"{name.strip()}: {value}")
    if args.to:
        _refuse_control_characters(args.to, "--to")
        lines.append(f"对象: {args.to}")
    if args.pin:
        lines.append("置顶: 是")
    if args.private:
        lines.append("私信: 是")
    if args.lang:
        lines.append(f"语言: {args.lang}")
    if args.command == "schedule":
        lines.append(f"发送: {args.at}")
    return "\n".join(lines)


def _refuse_control_characters(text: str, where: str) -> None:
    """Refuse, rather than silently drop, characters no notice should carry."""
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        at = f" (line {line})" if "\n" in text else ""
        raise UsageError(f"{where} contains a control character {found.group()!r}{at}: remove it; nothing stored")


def at_value(text: str, now: datetime, zone: Any) -> str:
    """A command-line ``--at`` in the form's terms: relative times and am/pm made explicit.

    ``in 2 hours`` / ``+30m`` / ``2小时后`` become a local date and time; a bare day word
    (``tomorrow``, ``明天``) means that day at 09:00; ``6pm`` becomes ``18:00``. Anything
    else is passed on unchanged for the form's own parser (and its error message).
    """
    value = " ".join(text.split())
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        delta = timedelta(hours=amount) if unit.startswith("h") or "小时" in unit else timedelta(minutes=amount)
        return (now + delta).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if re.fullmatch(_DAY_WORDS, value, re.I):
        return f"{value} {DEFAULT_CLOCK}"

    def to_24h(m: re.Match[str]) -> str:
        hour, minute, half = int(m.group(1)) % 12, m.group(2) or "00", m.group(3).lower()
        return f"{hour + (12 if half == 'pm' else 0):02d}:{minute}"

    return _AM_PM.sub(to_24h, value)


def _cli_message(error: Exception) -> str:
    text = str(error)
    for telegram_hint, cli_hint in CLI_HINTS.items():
        text = text.replace(telegram_hint, cli_hint)
    return text


def _audience_warnings(c: Composition, store: NoticeStore) -> list[str]:
    """Why a stored notice may reach nobody: no residents' group registered for its buildings."""
    wanted = set(c.buildings)
    serving = [g for g in store.groups(active_only=True)
               if not wanted or not g.buildings or wanted & set(g.buildings)]
    notes = []
    if not serving:
        audience = "全小区 (everyone)" if not wanted else "、".join(c.buildings) + "号楼"
        notes.append(f"no residents' group is registered for {audience}: nobody will receive this notice in a "
                     "group (add the bot to the group on Telegram and send /register there)")
    notes.append("notices are delivered on Telegram by `desk run` (or `--deliver`); `desk chat` shows none")
    return notes


def _send(args: argparse.Namespace, store: NoticeStore, templates: NoticeTemplates, now: datetime,
          stdin: TextIO, out: TextIO, config: Any) -> int:
    if args.command == "schedule":
        args.at = at_value(args.at, now, templates.zone)
    try:
        kind = parse_kind(args.kind)
        c = compose(parse_draft(_form(args, stdin), kind), now=now, templates=templates)
    except ComposeError as exc:
        message = _cli_message(exc)
        if args.command == "schedule" and "看不懂的时间" in message:
            message += "\n--at also takes: tomorrow (09:00), 'tomorrow 18:00', 6pm, 'in 2 hours', +30m"
        raise UsageError(message) from None
    if args.command == "schedule" and c.send_now:
        raise UsageError("--at must be a time in the future (use `desk notice send` to send now)")
    if c.warnings and not args.yes:
        _print(args, out, {"stored": False, "preview": c.text, "warnings": list(c.warnings)},
               _preview(c, templates) + "\n\n未保存: 请确认后加 --yes 重新执行。")
        return 3
    if args.dry_run:
        _print(args, out, {"stored": False, "preview": c.text, "warnings": list(c.warnings)}, _preview(c, templates))
        return 0
    token = _deliver_token() if getattr(args, "deliver", False) else None  # before storing: nothing to retry
    notice = store.create_notice(c, created_by="cli", report_to="", now=now)
    notes = _audience_warnings(c, store)
    payload = _notice_json(notice) | {"warnings": list(c.warnings), "notes": notes,
                                      "reminders": [{"purpose": r.purpose.value, "send_at": r.send_at.isoformat()}
                                                    for r in c.reminders]}
    when = "the running desk sends it within seconds" if c.send_now else f"goes at {templates.local(notice.send_at)}"
    if getattr(args, "deliver", False):
        from bot.notices.schedule import SendLease

        lease = SendLease(store)
        if lease.hold():
            try:
                report = asyncio.run(_deliver_here(store, templates, config, lease, token or ""))
            except DeliveryError as exc:
                raise UsageError(f"--deliver: {exc}; {notice.code} is stored and the running desk (`desk run`) "
                                 "sends it: do not send it again") from None
            finally:
                lease.release()
            payload["report"] = report
            when = f"delivered: {report.get('sent', 0)} sent, {report.get('failed', 0)} failed, " \
                   f"{report.get('inactive', 0)} inactive, {report.get('unknown', 0)} unknown"
        else:
            running = f"a desk is running and will deliver {notice.code} within seconds; it is stored"
            payload["report"] = None
            if args.json:
                notes.insert(0, f"--deliver: {running}")
            when = f"not delivered from here: {running}"
    _print(args, out, payload, f"{notice.code} {KIND_NAMES_ZH[c.kind]} stored; {when}.")
    if not args.json:
        out.flush()  # the notes follow the line they are about
        for note in notes:
            sys.stderr.write(f"desk notice: note: {note}\n")
    return 0


def _deliver_token() -> str:
    """TELEGRAM_BOT_TOKEN for ``--deliver``, checked before anything is stored (UsageError if unusable)."""
    from bot.telegram_app import TOKEN_PATTERN

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise UsageError("--deliver: TELEGRAM_BOT_TOKEN is not set (export the token @BotFather gave you); "
                         "nothing stored")
    if not TOKEN_PATTERN.fullmatch(token):
        raise UsageError("--deliver: TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC-…); "
                         "nothing stored")
    return token


async def _deliver_here(store: NoticeStore, templates: NoticeTemplates, config: Any,
                        lease: Any, token: str) -> dict[str, int]:
    """Deliver what is due from this process, renewing the send lease ``lease`` meanwhile."""
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError
    from telegram.request import HTTPXRequest

    from bot.notices.broadcast import Broadcaster, SendLimiter, summarise
    from bot.notices.schedule import NoticeRunner
    from bot.notices.telegram import TelegramNoticeSender

    base_url = getattr(getattr(config, "telegram", None), "base_url", None)
    # One connection per broadcast worker: PTB's default single connection would make the
    # workers queue for it and time out, and a timed-out request's outcome is unknown.
    bot = Bot(token, request=HTTPXRequest(connection_pool_size=16), **({"base_url": base_url} if base_url else {}))
    keep = asyncio.create_task(lease.keep())
    try:
        async with bot:
            runner = NoticeRunner(store, templates, Broadcaster(store, TelegramNoticeSender(bot), SendLimiter()))
            reports = await runner.run_due(datetime.now(UTC))
    except InvalidToken:
        raise DeliveryError("Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)") from None
    except NetworkError as exc:  # as `desk run` says it; TimedOut is one too
        raise DeliveryError(f"cannot reach the Bot API ({exc.__class__.__name__}); check the network or "
                            "[telegram] base_url") from None
    finally:
        keep.cancel()
        await asyncio.gather(keep, return_exceptions=True)
    return summarise(reports)


def _preview(c: Composition, templates: NoticeTemplates) -> str:
    audience = "全小区" if not c.buildings else "、".join(c.buildings) + "号楼"
    return templates.render("staff_preview.j2", c=c, audience=audience, edit_of=None,
                            kind_name=KIND_NAMES_ZH[c.kind])


def _notice_json(n: NoticeInfo) -> dict[str, Any]:
    return {"id": n.id, "code": n.code, "kind": n.kind.value, "purpose": n.purpose.value,
            "parent": f"N-{n.parent_id:04d}" if n.parent_id else None, "status": n.status.value,
            "send_at": n.send_at.isoformat(), "buildings": list(n.buildings), "pin": n.pin,
            "private": n.private, "language": n.language}


def _list(args: argparse.Namespace, store: NoticeStore, templates: NoticeTemplates, out: TextIO) -> int:
    statuses: Sequence[NoticeStatus] = (list(NoticeStatus) if args.all
                                        else (NoticeStatus.SCHEDULED, NoticeStatus.SENDING))
    notices = store.list_notices(statuses=statuses, limit=500)
    if args.json:
        rows = []
        for n in notices:
            row = _notice_json(n)
            if n.status in (NoticeStatus.DONE, NoticeStatus.SENDING):
                r = store.report(n.id, max_problems=0)
                row["report"] = {"total": r.total, "sent": r.sent, "failed": r.failed, "inactive": r.inactive,
                                 "unknown": r.unknown, "pending": r.pending}
            rows.append(row)
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not notices:
        out.write("no notices scheduled\n")
        return 0
    for n in notices:
        audience = ",".join(n.buildings) or "all"
        label = KIND_NAMES_ZH[n.kind] + ("" if n.purpose == "notice" else f" ({n.purpose.value})")
        out.write(f"{n.code}  {n.status.value:<9}  {templates.local(n.send_at)}  {audience:<10}  {label}\n")
    return 0


def _cancel(args: argparse.Namespace, store: NoticeStore, now: datetime, out: TextIO) -> int:
    digits = args.code.strip().upper().removeprefix("N-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise UsageError(f"not a notice code: {args.code!r} (like N-0003)")
    notice_id = int(digits)
    cancelled = store.cancel_notice(notice_id, now=now)
    notice = store.get_notice(notice_id)
    code = f"N-{notice_id:04d}"
    if cancelled:
        message = f"{code} cancelled"
    elif notice is None:
        message = f"{code}: no such notice"
    else:
        message = f"{code} is already {notice.status.value}: nothing to cancel"
    _print(args, out, {"code": code, "cancelled": cancelled, "status": notice.status.value if notice else None},
           message)
    return 0 if cancelled else 1


def _print(args: argparse.Namespace, out: TextIO, payload: dict[str, Any], text: str) -> None:
    out.write((json.dumps(payload, ensure_ascii=False, indent=2) if args.json else text) + "\n")
