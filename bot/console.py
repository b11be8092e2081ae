"""`desk chat`: talk to the desk in a terminal, as a resident or as staff working the queue.

A thin adapter: each input line becomes an Inbound; of the desk's Outbound
messages, a terminal prints only those addressed to it (its resident chat; a
staff terminal: the staff's own chat and the staff rooms). Everything the desk
sends is stored in the outbound table anyway, so each terminal polls that table
(before each prompt, and every second while waiting at one) for messages to its
addresses that another terminal caused: staff replies, rating requests, alerts.
A resident terminal never prints staff rooms or other residents' chats.

Buttons are numbered: type the number (or the button's action text) to press
one. A polled message shows the buttons it carried (stored with it); a staff
terminal lists a resident's buttons unnumbered, to see and not to press.
`:photo [caption]` sends a pretend photo. The timed sweeps (alert repeats,
escalations, reminders) run after every line; their messages reach the
terminals they are addressed to by the same polling. Piped stdin works for
scripts: no prompt, output flushed line by line. Input is read as bytes and
decoded leniently, so binary junk becomes U+FFFD, never a crash.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import re
import secrets
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TextIO

from sqlalchemy import func
from sqlmodel import select

from bot.config import EXAMPLE_CONFIG, Config, ConfigError, load_config
from bot.messages import STAFF_CHANNEL, Attachment, AttachmentKind, Button, ChatRef, Inbound, Outbound, Role
from bot.store import stored_buttons

TELEGRAM_HINT = """\
Resident Desk — no TELEGRAM_BOT_TOKEN is set, so this is the terminal chat.
To run on Telegram: create a bot with @BotFather, then
    export TELEGRAM_BOT_TOKEN=123456:ABC...   # the token BotFather gives you
    desk run --config desk.toml               # staff group and topics: [telegram] in desk.toml
"""
STAFF_PERSONAS = ("agent", "engineer", "manager", "security")
CONSOLE_HELP = {
    Role.RESIDENT: "(terminal: type a number to press a button; `:photo [caption]` sends a pretend photo; "
                   "/quit or Ctrl-D to leave)",
    "staff": "(terminal: type a number to press a button; after /take, plain text is your reply to that "
             "resident; `:photo [caption]` sends a pretend photo; /quit or Ctrl-D to leave)",
}
POLL_SECONDS = 1.0
REPLAY_LIMIT = 50  # a resident terminal shows at most this many messages it missed while closed
# Lone surrogates (undecodable bytes smuggled through) and control characters other than tab:
# neither is text a resident typed, and a database refuses the first (and NUL).
_UNSAFE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f]")



def main(argv: list[str] | None = None) -> int:
    """Entry point of `desk chat`: Ctrl-C and a closed pipe (`| head`) end it quietly."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _safe_write(sys.stdout, "\n")
        return 130
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`desk chat … | head`): nothing more to say, no traceback
        return 0


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    _setup_logging(args.log_file, debug=args.debug)
    _lenient_output(sys.stdout)
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
    session.poll()  # what was sent to this terminal's addresses while it was closed
    poller = _Poller(session, prompt="> ") if interactive else None
    try:
        session.run(_lines(sys.stdin, prompt="> " if interactive else None, before_prompt=session.poll))
    finally:
        if poller is not None:
            poller.stop()
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
    parser.add_argument("--log-file", metavar="FILE", help="write the full log (with error details) to FILE")
    parser.add_argument("--debug", action="store_true", help="show debug logging, with tracebacks, here")
    parser.add_argument("--hint-telegram", action="store_true", help=argparse.SUPPRESS)
    return parser


class _OneLine(logging.Formatter):
    """A log line without its traceback: the terminal is the chat, not a debugger."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "stack_info": None})
            record.msg = f"{record.msg} (details: --log-file FILE or --debug)"
        return super().format(record)


def _setup_logging(log_file: str | None, *, debug: bool) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):  # main() may run more than once in one process (tests)
        if getattr(handler, "_desk_chat", False):
            root.removeHandler(handler)
            handler.close()
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setLevel(logging.DEBUG if debug else logging.WARNING)
    terminal.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s") if debug
                          else _OneLine("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [terminal]
    if log_file:
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG if debug else logging.INFO)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(to_file)
    for handler in handlers:
        handler._desk_chat = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(min(h.level for h in handlers))


def _lenient_output(stream: TextIO) -> None:
    """Never fail to print a reply because the terminal's encoding lacks a character."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # pragma: no cover - a stream that cannot change
            pass


def _safe_write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError
        pass


def _config_path(given: str | None) -> Path:
    if given:
        return Path(given)
    local = Path("desk.toml")
    return local if local.exists() else EXAMPLE_CONFIG


def _database_url(given: str | None) -> str | None:
    from bot.db import database_url

    return database_url(given) if given else None


def sanitise(text: str) -> str:
    """Text safe to store and show: lone surrogates become U+FFFD, control characters (but tab) go."""
    return _UNSAFE.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", text)


def _lines(stream: IO, *, prompt: str | None,
           before_prompt: Callable[[], None] = lambda: None) -> Iterator[str]:
    """Input lines, read as bytes where possible and decoded leniently (binary junk never stops the chat)."""
    raw = getattr(stream, "buffer", None)
    while True:
        before_prompt()
        if prompt:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        if raw is not None:
            data = raw.readline()
            if not data:
                return
            line = data.decode("utf-8", errors="replace")
        else:
            line = stream.readline()
            if not line:
                return
        yield sanitise(line.rstrip("\r\n"))


class Persona:
    """Who the terminal user is: a resident chat, or a staff member's own chat."""

    def __init__(self, *, chat: ChatRef, sender_id: str, name: str, role: Role) -> None:
        self.chat = chat
        self.sender_id = sender_id
        self.name = name
        self.role = role

    @property
    def is_staff(self) -> bool:
        return self.role != Role.RESIDENT

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
    """Feeds lines to the desk and prints what is addressed to this terminal, numbering buttons.

    Messages caused by this terminal's own lines are printed as the desk returns
    them (with their buttons); everything else addressed here (another terminal's
    doing, or a sweep's) is read from the outbound table by ``poll``.
    """

    def __init__(self, desk, persona: Persona, *, out: TextIO, clock: Callable[[], datetime]) -> None:
        self._desk = desk
        self._persona = persona
        self._out = out
        self._clock = clock
        self._buttons: list[Button] = []
        self._ids = itertools.count(1)
        # Every message id this terminal sends starts with it: unique across runs and across
        # terminals of one chat, so polling can tell this terminal's exchanges from another's.
        self._run_id = f"{clock():%Y%m%d%H%M%S%f}-{secrets.token_hex(3)}"
        self._lock = threading.RLock()  # the poller thread and the input loop take turns
        self._last_ticket: str | None = None  # the ticket an agent last replied to or took
        self._cursor = self._start_cursor()

    def run(self, lines: Iterable[str]) -> None:
        for line in lines:
            if line.strip() in ("/quit", "/exit"):
                break
            self.send(line)
        self.poll()
        self._out.flush()

    def send(self, line: str) -> None:
        with self._lock:
            inbound = self._inbound(sanitise(line))
            if inbound is None:
                return
            self._print([m for m in self._desk.handle(inbound) if self._shows_directly(m)])
            if inbound.text.strip().lower() in ("/help", "/start", "help"):
                self._write(CONSOLE_HELP["staff" if self._persona.is_staff else Role.RESIDENT])
            now = self._clock()
            # The sweeps' messages are stored by the desk and reach their terminals by polling.
            self._desk.repeat_alerts(now=now)
            self._desk.escalate_overdue(now=now)
            self._desk.remind_unrated(now=now)
            self.poll()

    # -- what this terminal shows ------------------------------------------------------------
    def _shows_directly(self, message: Outbound) -> bool:
        """A resident sees only its own chat; staff also see the rooms and what went to residents."""
        return message.to == self._persona.chat or self._persona.is_staff

    def _addressed_here(self):
        from bot.models import OutboundMessage as Out

        mine = (Out.channel == self._persona.chat.channel) & (Out.chat_id == self._persona.chat.id)
        return (mine | (Out.channel == STAFF_CHANNEL)) if self._persona.is_staff else mine

    def _start_cursor(self) -> int:
        """Where polling starts: a resident catches up after its last own exchange; staff start now."""
        from bot.models import InboundMessage as In
        from bot.models import OutboundMessage as Out

        with self._desk.store.work() as w:
            if self._persona.is_staff:
                return w.session.exec(select(func.coalesce(func.max(Out.id), 0))).one()
            chat = self._persona.chat
            own = select(In.id).where(In.channel == chat.channel, In.chat_id == chat.id)
            replies = Out.in_reply_to.in_(own)  # type: ignore[union-attr]
            last_own = w.session.exec(select(func.coalesce(func.max(Out.id), 0)).where(replies)).one()
            backlog = w.session.exec(
                select(Out.id).where(Out.id > last_own, self._addressed_here())
                .order_by(Out.id.desc()).limit(REPLAY_LIMIT)  # type: ignore[union-attr]
            ).all()
            return min(backlog) - 1 if backlog else last_own

    def poll(self, *, reprompt: str | None = None) -> None:
        """Print undelivered messages addressed to this terminal that another terminal or a sweep caused.

        ``reprompt``: the prompt to show again after printing (the poller interrupts a waiting prompt).
        """
        from bot.models import InboundMessage as In
        from bot.models import OutboundMessage as Out

        # The lock covers the printing too: the poller thread never prints into the middle of
        # a reply being printed, and the cursor moves only with what was printed.
        with self._lock:
            with self._desk.store.work() as w:
                rows = w.session.exec(
                    select(Out, In.channel, In.chat_id, In.message_id)
                    .outerjoin(In, In.id == Out.in_reply_to)
                    .where(Out.id > self._cursor, self._addressed_here())
                    .order_by(Out.id)  # type: ignore[arg-type]
                ).all()
                messages: list[Outbound] = []
                for row, from_channel, from_chat, from_message in rows:
                    self._cursor = max(self._cursor, row.id)
                    if self._typed_here(from_channel, from_chat, from_message):
                        continue  # a reply to this terminal's own line: printed when the desk returned it
                    messages.append(Outbound(
                        ChatRef(row.channel, row.chat_id), row.text, ticket=row.ticket_code, urgent=row.urgent,
                        buttons=stored_buttons(row.buttons),
                    ))
            if messages:
                if reprompt:
                    self._out.write("\n")
                self._print(messages)
                if reprompt:
                    self._out.write(reprompt)
                    self._out.flush()

    def _typed_here(self, channel: str | None, chat_id: str | None, message_id: str | None) -> bool:
        """True when an outbound row answers a line typed (or a button pressed) in this very terminal."""
        return (channel, chat_id) == (self._persona.chat.channel, self._persona.chat.id) \
            and (message_id or "").startswith(f"{self._run_id}-")

    # -- input ------------------------------------------------------------------------------
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
        elif self._persona.is_staff:
            text = self._staff_text(text)
            if not text:
                return None
        return Inbound(
            chat=self._persona.chat, message_id=f"{self._run_id}-{next(self._ids)}", received_at=self._clock(),
            text=text, sender_id=self._persona.sender_id, sender_name=self._persona.name,
            attachments=attachments, action=action, role=self._persona.role,
        )

    def _staff_text(self, text: str) -> str:
        """Plain text from staff is a reply to the chat they took; commands pass unchanged."""
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            code = rest.split(maxsplit=1)[0].upper() if rest.strip() else ""
            if command.lower() in ("/reply", "/take") and code:
                self._last_ticket = code
            return text
        if not text:
            return text
        taken = self._taken_tickets()
        if len(taken) == 1:
            code = taken[0]
        elif self._last_ticket in taken:
            code = self._last_ticket
        elif taken:
            self._write(f"(you have taken {', '.join(taken)}: reply with /reply CODE text)")
            return ""
        else:
            return text  # nothing taken: the desk explains (its /help)
        self._last_ticket = code
        return f"/reply {code} {text}"

    def _taken_tickets(self) -> list[str]:
        """Open tickets whose chat this staff member has taken (首问负责制)."""
        from bot.models import Staff, Ticket

        with self._desk.store.work() as w:
            return list(w.session.exec(
                select(Ticket.code).join(Staff, Staff.id == Ticket.agent_id)
                .where(Staff.telegram_id == self._persona.sender_id,
                       Ticket.is_open.is_(True))  # type: ignore[attr-defined]
                .order_by(Ticket.updated_at.desc())  # type: ignore[attr-defined]
            ).all())

    # -- output -----------------------------------------------------------------------------
    def _print(self, messages: list[Outbound]) -> None:
        shown: list[Button] = []
        for message in messages:
            mine = message.to == self._persona.chat
            if mine:
                prefix = ""
            elif message.to.channel == STAFF_CHANNEL:
                prefix = f"[{message.to.channel}:{message.to.id}] "
            else:  # only staff terminals get here (see _shows_directly)
                prefix = f"[to resident {message.to.channel}:{message.to.id}] "
            if message.urgent:
                prefix += "[!] "
            self._write(prefix + message.text)
            for row in message.buttons:
                if self._pressable(message):
                    labels = []
                    for button in row:
                        shown.append(button)
                        labels.append(f"[{len(shown)}] {button.label}")
                    self._write("    " + "   ".join(labels))
                else:  # what the resident was offered, for the staff member to see, not to press
                    self._write("    (resident's buttons: " + " | ".join(b.label for b in row) + ")")
        if messages:
            self._buttons = shown
        self._out.flush()

    def _pressable(self, message: Outbound) -> bool:
        """A terminal presses the buttons of its own chat and, for staff, of the staff rooms."""
        return message.to == self._persona.chat or (self._persona.is_staff and message.to.channel == STAFF_CHANNEL)

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")


class _Poller:
    """Polls for messages every second while an interactive terminal waits at its prompt."""

    def __init__(self, session: ConsoleSession, *, prompt: str) -> None:
        self._session = session
        self._prompt = prompt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="desk-chat-poll", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self._session.poll(reprompt=self._prompt)
            except Exception:  # noqa: BLE001 - a busy or vanished database: try again next second
                logging.getLogger(__name__).debug("polling for messages failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * POLL_SECONDS)
