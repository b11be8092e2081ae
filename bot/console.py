"""`desk chat`: talk to the desk in a terminal, as a resident or as staff working the queue.

A thin adapter: each input line becomes an Inbound, the desk's Outbound
messages are printed. Buttons are numbered: type the number (or the button's
action text) to press one. `:photo [caption]` sends a pretend photo. The
timed sweeps (alert repeats, escalations, reminders) run after every line.
Piped stdin works for scripts: no prompt, output flushed line by line.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.config import EXAMPLE_CONFIG, Config, ConfigError, load_config
from bot.messages import STAFF_CHANNEL, Attachment, AttachmentKind, Button, ChatRef, Inbound, Outbound, Role

TELEGRAM_HINT = """\
Resident Desk — no TELEGRAM_BOT_TOKEN is set, so this is the terminal chat.
To run on Telegram: create a bot with @BotFather, then
    export TELEGRAM_BOT_TOKEN=123456:ABC...   # the token BotFather gives you
    desk run --config desk.toml               # staff group and topics: [telegram] in desk.toml
"""
STAFF_PERSONAS = ("agent", "engineer", "manager", "security")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `desk chat`."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.hint_telegram:
        sys.stdout.write(TELEGRAM_HINT + "\n")
        sys.stdout.flush()
    try:
        config = load_config(_config_path(args.config), environ=os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"desk chat: {exc}\n")
        return 2
    from bot.desk import build_desk
    from knowledge import HandbookError

    try:
        desk = build_desk(config, database_url=_database_url(args.db))
    except HandbookError as exc:
        sys.stderr.write(f"desk chat: handbook error: {exc}\n")
        return 2
    except Exception as exc:  # noqa: BLE001 - an unreachable database, a bad URL: say so, exit 2
        sys.stderr.write(f"desk chat: cannot open the database ({exc.__class__.__name__}: {exc})\n")
        return 2
    try:
        persona = Persona.choose(config, args.as_, args.name, args.chat)
    except ValueError as exc:
        sys.stderr.write(f"desk chat: {exc}\n")
        return 2
    session = ConsoleSession(desk, persona, out=sys.stdout, clock=lambda: datetime.now(UTC))
    interactive = sys.stdin.isatty()
    if interactive:
        sys.stdout.write(persona.banner() + "\n")
    session.run(_lines(sys.stdin, prompt="> " if interactive else None))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk chat", description="Talk to the service desk in this terminal.")
    parser.add_argument("--as", dest="as_", default="resident", choices=("resident", *STAFF_PERSONAS),
                        help="who you are: a resident (default) or staff working the queue")
    parser.add_argument("--name", help="staff member's name from the configuration (default: the first "
                                       "with that role), or the resident's display name")
    parser.add_argument("--chat", default="1", help="resident chat id (use several to play several residents)")
    parser.add_argument("--config", help="configuration TOML (default: ./desk.toml, else the bundled example)")
    parser.add_argument("--db", help="database URL or SQLite file path (default: from the configuration)")
    parser.add_argument("--hint-telegram", action="store_true", help=argparse.SUPPRESS)
    return parser


def _config_path(given: str | None) -> Path:
    if given:
        return Path(given)
    local = Path("desk.toml")
    return local if local.exists() else EXAMPLE_CONFIG


def _database_url(given: str | None) -> str | None:
    if not given:
        return None
    return given if "://" in given else f"sqlite:///{Path(given)}"


def _lines(stream: TextIO, *, prompt: str | None) -> Iterable[str]:
    while True:
        if prompt:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        try:
            line = stream.readline()
        except UnicodeDecodeError:
            sys.stdout.write("(could not read that line: not valid text)\n")
            continue
        if not line:
            return
        yield line.rstrip("\r\n")


class Persona:
    """Who the terminal user is: a resident chat, or a staff member's own chat."""

    def __init__(self, *, chat: ChatRef, sender_id: str, name: str, role: Role) -> None:
        self.chat = chat
        self.sender_id = sender_id
        self.name = name
        self.role = role

    @classmethod
    def choose(cls, config: Config, as_: str, name: str | None, chat_id: str) -> Persona:
        """The persona for ``--as`` / ``--name``; ValueError says what is missing from the config."""
        if as_ == "resident":
            return cls(chat=ChatRef("console", chat_id), sender_id=f"console-{chat_id}", name=name or "",
                       role=Role.RESIDENT)
        role = Role(as_)
        candidates = [s for s in config.staff if role in s.roles and (name is None or s.name == name)]
        if not candidates:
            known = ", ".join(f"{s.name} ({'/'.join(r.value for r in s.roles)})" for s in config.staff) or "none"
            raise ValueError(f"no {as_} {'named ' + repr(name) + ' ' if name else ''}in the configuration "
                             f"(staff: {known})")
        member = candidates[0]
        if not member.telegram_id:
            raise ValueError(f"staff member {member.name!r} has no telegram_id in the configuration")
        return cls(chat=ChatRef("console", f"staff-{member.telegram_id}"), sender_id=member.telegram_id,
                   name=member.name, role=role)

    def banner(self) -> str:
        if self.role == Role.RESIDENT:
            return "Talking to the desk as a resident. /help for help, Ctrl-D to quit."
        return f"Working as {self.name} ({self.role.value}). /queue, /help; Ctrl-D to quit."


class ConsoleSession:
    """Feeds lines to the desk and prints what comes back, numbering buttons."""

    def __init__(self, desk, persona: Persona, *, out: TextIO, clock: Callable[[], datetime]) -> None:
        self._desk = desk
        self._persona = persona
        self._out = out
        self._clock = clock
        self._buttons: list[Button] = []
        self._ids = itertools.count(1)
        self._run_id = clock().strftime("%Y%m%d%H%M%S%f")  # message ids stay unique across runs

    def run(self, lines: Iterable[str]) -> None:
        for line in lines:
            if line.strip() in ("/quit", "/exit"):
                return
            self.send(line)
        self._out.flush()

    def send(self, line: str) -> None:
        inbound = self._inbound(line)
        if inbound is None:
            return
        self._print(self._desk.handle(inbound))
        now = self._clock()
        self._print(self._desk.repeat_alerts(now=now) + self._desk.escalate_overdue(now=now)
                    + self._desk.remind_unrated(now=now))

    def _inbound(self, line: str) -> Inbound | None:
        text = line.strip()
        action = None
        attachments: tuple[Attachment, ...] = ()
        if text.isdigit() and self._buttons:
            index = int(text) - 1
            if not 0 <= index < len(self._buttons):
                self._write(f"(no choice {text}; choose 1–{len(self._buttons)})")
                return None
            action, text = self._buttons[index].action, ""
        elif text and any(b.action == text for b in self._buttons):
            action, text = text, ""
        elif text.startswith(":photo"):
            caption = text[len(":photo"):].strip() or None
            attachments = (Attachment(AttachmentKind.PHOTO, f"console-photo-{self._run_id}-{next(self._ids)}",
                                      caption=caption),)
            text = caption or ""
        return Inbound(
            chat=self._persona.chat, message_id=f"{self._run_id}-{next(self._ids)}", received_at=self._clock(),
            text=text, sender_id=self._persona.sender_id, sender_name=self._persona.name,
            attachments=attachments, action=action, role=self._persona.role,
        )

    def _print(self, messages: list[Outbound]) -> None:
        shown: list[Button] = []
        for message in messages:
            mine = message.to == self._persona.chat
            if not mine and self._persona.role == Role.RESIDENT and message.to.channel != STAFF_CHANNEL:
                prefix = f"[to resident {message.to.channel}:{message.to.id}] "
            elif not mine:
                prefix = f"[{message.to.channel}:{message.to.id}] "
            else:
                prefix = ""
            if message.urgent:
                prefix += "[!] "
            self._write(prefix + message.text)
            for row in message.buttons:
                labels = []
                for button in row:
                    shown.append(button)
                    labels.append(f"[{len(shown)}] {button.label}")
                self._write("    " + "   ".join(labels))
        if messages:
            self._buttons = shown
        self._out.flush()

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
