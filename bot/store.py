"""TicketStore: every read and write of the desk's data, on SQLite or PostgreSQL.

A unit of work (``store.work()``) is one transaction: the desk handles one
inbound message in one, so a failure half-way leaves nothing half-written.
The other public methods of TicketStore are each a transaction of their own.
Returned rows are detached snapshots; change data only through a Work.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from bot.config import StaffMember
from bot.messages import Attachment, Button, ChatRef, Inbound, Outbound
from bot.models import (
    PRIORITY_RANK,
    DayCounter,
    Dialogue,
    EventKind,
    InboundMessage,
    OutboundMessage,
    Priority,
    Rating,
    Resident,
    Staff,
    Ticket,
    TicketEvent,
    TicketFile,
    TicketKind,
)
from bot.workflow import DONE, FINAL, Status

CODE_PREFIX: dict[TicketKind, str] = {
    TicketKind.REPAIR: "R",
    TicketKind.COMPLAINT: "C",
    TicketKind.RENOVATION: "D",  # 装修 (decoration)
    TicketKind.EMERGENCY: "E",
    TicketKind.INQUIRY: "Q",
}


def create_tables(engine: Engine) -> None:
    """Create any missing table (tests and a first run; migrations upgrade existing databases)."""
    SQLModel.metadata.create_all(engine)


@dataclass(frozen=True, slots=True)
class DialogueState:
    """The pending question of one chat: a state name and its data."""

    state: str = "idle"
    data: dict[str, Any] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return (self.data or {}).get(key, default)


def _chat_lock(chat: ChatRef):
    """PostgreSQL: the transaction-scoped advisory lock of one chat."""
    return func.pg_advisory_xact_lock(func.hashtextextended(f"{chat.channel}:{chat.id}", 0))


def storable_text(text: str) -> str:
    """``text`` as both databases can store it, losing nothing else.

    Lone surrogates (from undecodable bytes) are not valid UTF-8 and PostgreSQL
    refuses NUL characters; both become U+FFFD, everything else is kept as sent.
    """
    if text.isascii() and "\x00" not in text:
        return text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def buttons_to_store(rows: Sequence[Sequence[Button]]) -> str:
    """An outbound message's buttons for ``OutboundMessage.buttons``: JSON rows of [label, action], "" for none."""
    return json.dumps([[[b.label, b.action] for b in row] for row in rows], ensure_ascii=False) if rows else ""


def stored_buttons(stored: str) -> tuple[tuple[Button, ...], ...]:
    """The buttons ``buttons_to_store`` wrote (a terminal shows another terminal's messages with them)."""
    if not stored:
        return ()
    try:
        return tuple(tuple(Button(str(label), str(action)) for label, action in row) for row in json.loads(stored))
    except (ValueError, TypeError):  # a row written by something else: show the text without buttons
        logging.getLogger(__name__).debug("unreadable stored buttons %r", stored[:200])
        return ()


def _inbound_key(msg: Inbound) -> tuple[str, str, str]:
    """The idempotency key, cut to the column sizes (real ids are far shorter)."""
    return msg.chat.channel[:32], msg.chat.id[:64], msg.message_id[:64]


def _edit_id(msg: Inbound) -> str:
    """The stored id of an edit: the original id and the edit's time (a second delivery repeats both)."""
    return f"{msg.message_id[:40]}~edit~{int(msg.received_at.timestamp() * 1000)}"


# -- statements used on every message, built once (their SQL is compiled and cached once) --
_IN = InboundMessage.__table__
_CLAIM_COLUMNS = ("channel", "chat_id", "message_id", "sender_id", "received_at", "text", "action",
                  "attachments", "outcome")


def _claim_statement(dialect: str, *, lock_chat: bool):
    """INSERT … ON CONFLICT of an inbound message that only takes over an earlier failed attempt."""
    if dialect == "postgresql":
        insert_ = pg_insert(_IN)
        if lock_chat:
            # INSERT … SELECT … FROM (the advisory lock): the lock is held before the row is looked at.
            lock = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("chat_key"), 0))
                          .label("locked")).subquery("chat_lock")
            source = select(*[bindparam(k, type_=_IN.c[k].type).label(k) for k in _CLAIM_COLUMNS]) \
                .select_from(lock)
            stmt = insert_.from_select(list(_CLAIM_COLUMNS), source)
        else:
            stmt = insert_.values({k: bindparam(k) for k in _CLAIM_COLUMNS})
    else:
        stmt = sqlite_insert(_IN).values({k: bindparam(k) for k in _CLAIM_COLUMNS})
    return stmt.on_conflict_do_update(
        index_elements=[_IN.c.channel, _IN.c.chat_id, _IN.c.message_id],
        set_={"outcome": "handled", "text": stmt.excluded.text},
        where=_IN.c.outcome == "failed",
    ).returning(_IN.c.id)


_CLAIM = {(d, lock): _claim_statement(d, lock_chat=lock) for d in ("postgresql", "sqlite") for lock in (False, True)}
_SET_INBOUND_TICKET = update(_IN).where(_IN.c.id == bindparam("row_id")).values(ticket_code=bindparam("code"))
_INSERT_OUTBOUND = insert(OutboundMessage.__table__)
_INSERT_EVENT = insert(TicketEvent.__table__)
_INSERT_FILE = insert(TicketFile.__table__)
_RESIDENT_WITH_DIALOGUE = (
    select(Resident, Dialogue.state, Dialogue.data)
    .outerjoin(Dialogue, (Dialogue.channel == Resident.channel) & (Dialogue.chat_id == Resident.chat_id))
    .where(Resident.channel == bindparam("channel"), Resident.chat_id == bindparam("chat_id"))
)
_RESIDENT = select(Resident).where(Resident.channel == bindparam("channel"), Resident.chat_id == bindparam("chat_id"))
_DIALOGUE = select(Dialogue.state, Dialogue.data) \
    .where(Dialogue.channel == bindparam("channel"), Dialogue.chat_id == bindparam("chat_id"))
_TICKET = select(Ticket).where(Ticket.code == bindparam("code"))
_TICKET_LOCKED = _TICKET.with_for_update()
_TICKETS_OF = select(Ticket).where(Ticket.resident_id == bindparam("resident_id")) \
    .order_by(col(Ticket.id).desc()).limit(bindparam("limit"))
_OPEN_TICKETS_OF = select(Ticket).where(Ticket.resident_id == bindparam("resident_id"), col(Ticket.is_open).is_(True)) \
    .order_by(col(Ticket.id).desc()).limit(bindparam("limit"))
_EVENTS = select(TicketEvent).where(TicketEvent.ticket_id == bindparam("ticket_id")).order_by(TicketEvent.id)
_STAFF_BY_SENDER = select(Staff).where(Staff.telegram_id == bindparam("sender_id"), col(Staff.active).is_(True))


def _day_counter_statement(dialect: str):
    table = DayCounter.__table__
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_(table).values(prefix=bindparam("prefix"), day=bindparam("day"), last=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.prefix, table.c.day], set_={"last": table.c.last + 1}
    ).returning(table.c.last)


_NEXT_CODE = {d: _day_counter_statement(d) for d in ("postgresql", "sqlite")}


def _save_dialogue_statement(dialect: str):
    table = Dialogue.__table__
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    columns = ("channel", "chat_id", "state", "data", "updated_at")
    stmt = insert_(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
    return stmt.on_conflict_do_update(
        index_elements=[table.c.channel, table.c.chat_id],
        set_={"state": stmt.excluded.state, "data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
    )


_SAVE_DIALOGUE = {d: _save_dialogue_statement(d) for d in ("postgresql", "sqlite")}


class Work:
    """One transaction's worth of reads and writes (see TicketStore.work)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        # Each chat's dialogue as (state, JSON data), read or written in this transaction.
        self._dialogues: dict[ChatRef, tuple[str, str] | None] = {}
        # Audit-trail and file rows are written in one multi-row insert each (write_pending), not
        # one ORM flush apiece: a message typically adds two to five of them.
        self._events: list[dict[str, Any]] = []
        self._files: list[dict[str, Any]] = []
        self._dialogue_writes: dict[ChatRef, dict[str, Any]] = {}

    def write_pending(self) -> None:
        """Write the batched event and file rows (before reading them back, and at commit)."""
        if self._files:
            self.session.exec(_INSERT_FILE, params=self._files)
            self._files = []
        if self._events:
            self.session.exec(_INSERT_EVENT, params=self._events)
            self._events = []
        if self._dialogue_writes:
            rows = list(self._dialogue_writes.values())
            self.session.exec(_SAVE_DIALOGUE["postgresql" if self.dialect == "postgresql" else "sqlite"],
                              params=rows)
            self._dialogue_writes = {}

    # -- messages ---------------------------------------------------------------------------
    def lock_chat(self, chat: ChatRef) -> None:
        """Serialise the handling of one chat's messages across workers until this transaction ends.

        PostgreSQL: a transaction-scoped advisory lock on the chat. SQLite needs
        none: every transaction already holds the database's write lock.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.exec(select(_chat_lock(chat))).one()

    def inbound_seen(self, msg: Inbound) -> InboundMessage | None:
        """The stored copy of ``msg`` (same chat and message id), if it arrived before."""
        channel, chat_id, message_id = _inbound_key(msg)
        return self.session.exec(
            select(InboundMessage).where(
                InboundMessage.channel == channel,
                InboundMessage.chat_id == chat_id,
                InboundMessage.message_id == message_id,
            )
        ).first()

    def record_inbound(self, msg: Inbound, *, outcome: str = "handled",
                       seen: InboundMessage | None | bool = False) -> InboundMessage:
        """Store ``msg``, reusing an earlier failed attempt rather than duplicating it.

        ``seen`` is what ``inbound_seen(msg)`` returned when the caller already asked.
        """
        channel, chat_id, message_id = _inbound_key(msg)
        if msg.edited:  # an edit never overwrites the original's row
            message_id, seen = _edit_id(msg), None
        if seen is False:
            seen = self.inbound_seen(msg)
        row = seen or InboundMessage(
            channel=channel, chat_id=chat_id, message_id=message_id, received_at=msg.received_at,
        )
        row.sender_id = msg.sender_id[:64]
        row.text = storable_text(msg.text)
        row.action = (msg.action or None) and msg.action[:64]
        row.attachments = json.dumps(
            [{"kind": a.kind.value, "ref": a.ref, "caption": a.caption} for a in msg.attachments],
            ensure_ascii=False,
        ) if msg.attachments else ""
        row.outcome = outcome
        self.session.add(row)  # flushed with the first query that follows: same transaction either way
        return row

    def claim_inbound(self, msg: Inbound, *, lock_chat: bool = False) -> int | None:
        """Store ``msg`` and return its row id, or None when it was handled before (a duplicate).

        One statement: an insert that, on the same key, only takes over an earlier
        *failed* attempt. Duplicate detection is therefore race-free on both databases.
        With ``lock_chat`` the same statement first takes the chat's lock (see lock_chat),
        saving PostgreSQL a round trip per message.
        """
        channel, chat_id, message_id = _inbound_key(msg)
        return self._claim(msg, message_id, "handled", lock_chat=lock_chat)

    def claim_edit(self, msg: Inbound) -> int | None:
        """Store an edit of a message beside the original; None when this edit was stored before.

        The edit is a row of its own (outcome "edit", id ``<original>~edit~<edit time>``),
        so the original's text stays as it was received and a redelivered edit is a duplicate.
        """
        return self._claim(msg, _edit_id(msg), "edit", lock_chat=True)

    def _claim(self, msg: Inbound, message_id: str, outcome: str, *, lock_chat: bool) -> int | None:
        params = {
            "channel": msg.chat.channel[:32], "chat_id": msg.chat.id[:64], "message_id": message_id,
            "sender_id": msg.sender_id[:64], "received_at": msg.received_at, "text": storable_text(msg.text),
            "action": (msg.action or None) and msg.action[:64],
            "attachments": json.dumps(
                [{"kind": a.kind.value, "ref": a.ref, "caption": a.caption} for a in msg.attachments],
                ensure_ascii=False,
            ) if msg.attachments else "",
            "outcome": outcome,
            "chat_key": f"{msg.chat.channel}:{msg.chat.id}",
        }
        postgres = self.dialect == "postgresql"
        if lock_chat and not postgres:
            self.lock_chat(msg.chat)  # (a no-op on SQLite, kept for any other database)
        stmt = _CLAIM[("postgresql" if postgres else "sqlite", lock_chat and postgres)]
        if not (lock_chat and postgres):
            params.pop("chat_key")
        return self.session.exec(stmt, params=params).scalar_one_or_none()

    def original_of(self, msg: Inbound) -> InboundMessage | None:
        """The stored original of an edited message (None if it never arrived, or failed)."""
        seen = self.inbound_seen(msg)
        return seen if seen is not None and seen.outcome == "handled" else None

    def set_inbound_ticket(self, row_id: int, code: str | None) -> None:
        if code:
            self.session.exec(_SET_INBOUND_TICKET, params={"row_id": row_id, "code": code})

    def record_outbound(self, messages: Iterable[Outbound], *, at: datetime, in_reply_to: int | None) -> None:
        rows = [
            {"channel": out.to.channel, "chat_id": out.to.id, "at": at,
             "text": out.text or " ".join(a.caption or "" for a in out.attachments).strip(),
             "ticket_code": out.ticket, "urgent": out.urgent, "in_reply_to": in_reply_to,
             "buttons": buttons_to_store(out.buttons)}
            for out in messages
        ]
        if rows:  # one multi-row statement: replies are written on every message
            self.session.exec(_INSERT_OUTBOUND, params=rows)

    # -- residents and staff ----------------------------------------------------------------
    def resident(self, chat: ChatRef) -> Resident | None:
        return self.session.exec(_RESIDENT, params={"channel": chat.channel, "chat_id": chat.id}).first()

    def resident_with_dialogue(self, chat: ChatRef) -> Resident | None:
        """The chat's resident, reading its pending dialogue in the same query."""
        found = self.session.exec(
            _RESIDENT_WITH_DIALOGUE, params={"channel": chat.channel, "chat_id": chat.id}
        ).first()
        if found is None:
            return None
        resident, state, data = found
        self._dialogues[chat] = None if state is None else (state, data)
        return resident

    def resident_by_id(self, resident_id: int) -> Resident | None:
        return self.session.get(Resident, resident_id)

    def add_resident(self, chat: ChatRef, *, name: str, language: str, at: datetime) -> Resident:
        resident = Resident(channel=chat.channel, chat_id=chat.id, name=name[:128], language=language,
                            created_at=at)
        self.session.add(resident)
        self.session.flush()
        self._dialogues.setdefault(chat, None)  # a new chat has no pending question: no need to look
        return resident

    def save(self, *rows: SQLModel) -> None:
        """Mark rows as changed; they are written with the transaction (or the next query)."""
        for row in rows:
            self.session.add(row)

    def staff_by_sender(self, sender_id: str) -> Staff | None:
        if not sender_id:
            return None
        return self.session.exec(_STAFF_BY_SENDER, params={"sender_id": sender_id}).first()

    def staff_by_name(self, name: str) -> Staff | None:
        return self.session.exec(select(Staff).where(Staff.name == name, col(Staff.active).is_(True))).first()

    def staff_by_id(self, staff_id: int | None) -> Staff | None:
        return None if staff_id is None else self.session.get(Staff, staff_id)

    def staff_list(self) -> list[Staff]:
        return list(self.session.exec(select(Staff).where(col(Staff.active).is_(True)).order_by(Staff.id)))

    def sync_staff(self, members: Sequence[StaffMember]) -> None:
        """Mirror the configured staff; members no longer configured become inactive."""
        existing = {s.name: s for s in self.session.exec(select(Staff))}
        for member in members:
            row = existing.pop(member.name, None) or Staff(name=member.name)
            row.roles = ",".join(r.value for r in member.roles)
            row.telegram_id = member.telegram_id
            row.phone = member.phone
            row.on_duty = member.on_duty
            row.active = True
            self.session.add(row)
        for gone in existing.values():
            gone.active = False
            self.session.add(gone)
        self.session.flush()

    # -- tickets ----------------------------------------------------------------------------
    def next_code(self, kind: TicketKind, day: str) -> str:
        """The next ticket number of ``kind`` on local ``day`` (YYYYMMDD), safe under concurrency."""
        prefix = CODE_PREFIX[kind]
        stmt = _NEXT_CODE["postgresql" if self.dialect == "postgresql" else "sqlite"]
        number = self.session.exec(stmt, params={"prefix": prefix, "day": day}).scalar_one()
        return f"{prefix}-{day}-{number:04d}"

    def open_ticket(
        self, *, code: str, kind: TicketKind, status: Status, priority: Priority, resident: Resident,
        description: str, place: str, building: str | None, unit: str | None, room: str | None,
        category: str | None, at: datetime, respond_due: datetime | None, resolve_due: datetime | None,
        details: dict[str, Any] | None = None, actor: str,
    ) -> Ticket:
        ticket = Ticket(
            code=code, kind=kind, status=status, priority=priority, priority_rank=PRIORITY_RANK[priority],
            category=category, resident_id=resident.id, building=building, unit=unit, room=room,
            place=place[:200], description=description,
            details=json.dumps(details or {}, ensure_ascii=False), opened_at=at, updated_at=at,
            respond_due=respond_due, resolve_due=resolve_due,
        )
        self.session.add(ticket)
        self.session.flush()
        self.add_event(ticket, at=at, actor=actor, kind=EventKind.OPENED, to_status=status,
                       text=description)
        return ticket

    def ticket(self, code: str, *, lock: bool = False) -> Ticket | None:
        """The ticket numbered ``code`` (row-locked for update with ``lock`` on PostgreSQL)."""
        return self.session.exec(_TICKET_LOCKED if lock else _TICKET, params={"code": code.strip().upper()}).first()

    def ticket_by_id(self, ticket_id: int) -> Ticket | None:
        return self.session.get(Ticket, ticket_id)

    def set_status(self, ticket: Ticket, status: Status, *, at: datetime, actor: str, text: str = "") -> None:
        """Move ``ticket`` to ``status`` and record it; the caller checked the workflow."""
        old = ticket.status
        ticket.status = status
        ticket.updated_at = at
        if status in DONE and ticket.resolved_at is None:
            ticket.resolved_at = at
        if status == Status.FOLLOWED_UP:
            ticket.followed_up_at = at
        if status in FINAL:
            ticket.is_open = False
            ticket.closed_at = at
        else:
            ticket.is_open = True
            ticket.closed_at = None
        self.session.add(ticket)
        self.add_event(ticket, at=at, actor=actor, kind=EventKind.STATUS, from_status=old, to_status=status,
                       text=text)

    def add_event(
        self, ticket: Ticket, *, at: datetime, actor: str, kind: EventKind, text: str = "",
        from_status: str | None = None, to_status: str | None = None,
    ) -> None:
        self._events.append({
            "ticket_id": ticket.id, "at": at, "actor": actor[:80], "kind": str(kind), "text": text,
            "from_status": from_status, "to_status": to_status,
        })

    def add_file(self, ticket: Ticket, attachment: Attachment, *, by: str, at: datetime) -> None:
        self._files.append({
            "ticket_id": ticket.id, "kind": attachment.kind.value, "ref": attachment.ref[:256],
            "caption": attachment.caption, "added_by": by[:80], "added_at": at,
        })
        self.add_event(ticket, at=at, actor=by, kind=EventKind.ATTACHMENT, text=attachment.kind.value)

    def files(self, ticket: Ticket) -> list[TicketFile]:
        self.write_pending()
        return list(self.session.exec(
            select(TicketFile).where(TicketFile.ticket_id == ticket.id).order_by(TicketFile.id)
        ))

    def events(self, ticket: Ticket) -> list[TicketEvent]:
        self.write_pending()
        return list(self.session.exec(_EVENTS, params={"ticket_id": ticket.id}))

    def tickets_of(self, resident_id: int, *, open_only: bool = False, limit: int = 20) -> list[Ticket]:
        """A resident's tickets, newest first."""
        stmt = _OPEN_TICKETS_OF if open_only else _TICKETS_OF
        return list(self.session.exec(stmt, params={"resident_id": resident_id, "limit": limit}))

    def queue(self, *, limit: int = 20) -> list[Ticket]:
        """Open tickets, most urgent first, then the earliest response deadline (index ix_ticket_queue)."""
        return open_queue(self.session, limit=limit)

    def claim_chat(self, ticket: Ticket, staff: Staff) -> bool:
        """Make ``staff`` the owner of the ticket's chat unless someone already is (首问负责制)."""
        result = self.session.exec(
            update(Ticket).where(Ticket.id == ticket.id, col(Ticket.agent_id).is_(None))
            .values(agent_id=staff.id).execution_options(synchronize_session=False)
        )
        self.session.refresh(ticket)
        return result.rowcount == 1

    def record_rating(self, ticket: Ticket, *, resident_id: int, score: int, at: datetime) -> Rating:
        rating = Rating(ticket_id=ticket.id, resident_id=resident_id, score=score, at=at)
        ticket.rating = score
        self.session.add_all([rating, ticket])
        self.session.flush()
        self.add_event(ticket, at=at, actor=f"resident:{resident_id}", kind=EventKind.RATED, text=str(score))
        return rating

    def latest_rating(self, ticket: Ticket) -> Rating | None:
        return self.session.exec(
            select(Rating).where(Rating.ticket_id == ticket.id).order_by(col(Rating.id).desc())
        ).first()

    # -- sweeps -----------------------------------------------------------------------------
    def unacknowledged_emergencies(self) -> list[Ticket]:
        return list(self.session.exec(
            select(Ticket).where(
                Ticket.kind == TicketKind.EMERGENCY, col(Ticket.is_open).is_(True),
                col(Ticket.responded_at).is_(None),
            ).order_by(Ticket.id)
        ))

    def overdue(self, now: datetime) -> list[Ticket]:
        """Open tickets past their response or resolution deadline, not yet escalated."""
        return list(self.session.exec(
            select(Ticket).where(
                col(Ticket.is_open).is_(True), col(Ticket.escalated_at).is_(None),
                or_(
                    (col(Ticket.responded_at).is_(None)) & (col(Ticket.respond_due) < now),
                    (col(Ticket.resolved_at).is_(None)) & (col(Ticket.resolve_due) < now),
                ),
            ).order_by(Ticket.id)
        ))

    def unrated(self, asked_before: datetime) -> list[Ticket]:
        """Tickets whose rating was asked for before ``asked_before``, unanswered and not yet reminded.

        Unanswered means no rating since the latest request: a reopened ticket keeps its
        earlier (low) rating, and its redone work is asked, and reminded, afresh.
        The candidates come off ix_ticket_rating_sweep.
        """
        # OFFSET 0 keeps PostgreSQL from turning NOT EXISTS into an anti-join that hashes the
        # whole rating table (it guesses ~10x too many candidates); each candidate is checked
        # through ix_rating_ticket_id instead: 1 ms instead of 120 ms on 1M tickets.
        rated_since_asked = (
            select(Rating.id)
            .where(col(Rating.ticket_id) == col(Ticket.id), col(Rating.at) >= col(Ticket.rating_requested_at))
            .offset(0)
            .exists()
        )
        return list(self.session.exec(
            select(Ticket).where(
                col(Ticket.rating_requested_at) < asked_before, ~rated_since_asked,
                col(Ticket.rating_reminded_at).is_(None), col(Ticket.status).in_([s.value for s in DONE]),
            ).order_by(Ticket.id)
        ))

    # -- dialogue ---------------------------------------------------------------------------
    def dialogue(self, chat: ChatRef) -> DialogueState:
        row = self._dialogue_row(chat)
        if row is None:
            return DialogueState()
        try:
            data = json.loads(row[1]) or {}
        except ValueError:
            data = {}
        return DialogueState(row[0], data)

    def set_dialogue(self, chat: ChatRef, state: str, data: dict[str, Any] | None, *, at: datetime) -> None:
        # Kept here and written once per transaction (one upsert in write_pending), however
        # often a turn changes its mind; reads in this transaction see it at once.
        text = json.dumps(data or {}, ensure_ascii=False)
        self._dialogues[chat] = (state, text)
        self._dialogue_writes[chat] = {"channel": chat.channel[:32], "chat_id": chat.id[:64], "state": state,
                                       "data": text, "updated_at": at}

    def clear_dialogue(self, chat: ChatRef, *, at: datetime) -> None:
        self.set_dialogue(chat, "idle", {}, at=at)

    def _dialogue_row(self, chat: ChatRef) -> tuple[str, str] | None:
        if chat not in self._dialogues:
            found = self.session.exec(_DIALOGUE, params={"channel": chat.channel, "chat_id": chat.id}).first()
            self._dialogues[chat] = None if found is None else (found[0], found[1])
        return self._dialogues[chat]


class TicketStore:
    """Reads and writes the desk's data; each public method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def work(self) -> Iterator[Work]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            work = Work(session)
            yield work
            work.write_pending()

    def sync_staff(self, members: Sequence[StaffMember]) -> None:
        with self.work() as w:
            w.sync_staff(members)

    def ticket(self, code: str) -> Ticket | None:
        with self.work() as w:
            return w.ticket(code)

    def events(self, code: str) -> list[TicketEvent]:
        with self.work() as w:
            ticket = w.ticket(code)
            return w.events(ticket) if ticket else []

    def files(self, code: str) -> list[TicketFile]:
        with self.work() as w:
            ticket = w.ticket(code)
            return w.files(ticket) if ticket else []

    def queue(self, *, limit: int = 20) -> list[Ticket]:
        with self.work() as w:
            return w.queue(limit=limit)

    def resident(self, chat: ChatRef) -> Resident | None:
        with self.work() as w:
            return w.resident(chat)

    def tickets_of_chat(self, chat: ChatRef, *, open_only: bool = False, limit: int = 20) -> list[Ticket]:
        with self.work() as w:
            resident = w.resident(chat)
            return w.tickets_of(resident.id, open_only=open_only, limit=limit) if resident else []

    def count(self, model: type[SQLModel]) -> int:
        with self.work() as w:
            return w.session.exec(select(func.count()).select_from(model)).one()


# -- The agent queue, index-backed (added for the 1,000,000-ticket target; see docs/operations.md) --
def open_queue(session: Session, *, limit: int = 20) -> list[Ticket]:
    """Open tickets, most urgent first, then the earliest response deadline, read off ix_ticket_queue.

    Same order as ``Work.queue`` for every ticket the desk opens (it always sets
    ``respond_due``), but without COALESCE, so both databases walk the index and
    stop after ``limit`` rows instead of sorting every open ticket. Tickets without
    a response deadline sort first on SQLite and last on PostgreSQL.
    """
    stmt = (
        select(Ticket).where(col(Ticket.is_open).is_(True))
        .order_by(Ticket.priority_rank, Ticket.respond_due, Ticket.id).limit(limit)
    )
    return list(session.exec(stmt))
