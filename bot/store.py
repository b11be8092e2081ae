"""TicketStore: every read and write of the desk's data, on SQLite or PostgreSQL.

A unit of work (``store.work()``) is one transaction: the desk handles one
inbound message in one, so a failure half-way leaves nothing half-written.
The other public methods of TicketStore are each a transaction of their own.
Returned rows are detached snapshots; change data only through a Work.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from bot.config import StaffMember
from bot.messages import Attachment, ChatRef, Inbound, Outbound
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


def _dialect_insert(session: Session):
    """The insert construct with ON CONFLICT support for the session's database."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _inbound_key(msg: Inbound) -> tuple[str, str, str]:
    """The idempotency key, cut to the column sizes (real ids are far shorter)."""
    return msg.chat.channel[:32], msg.chat.id[:64], msg.message_id[:64]


class Work:
    """One transaction's worth of reads and writes (see TicketStore.work)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialogues: dict[ChatRef, Dialogue | None] = {}  # rows read or written in this transaction

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
        if seen is False:
            seen = self.inbound_seen(msg)
        row = seen or InboundMessage(
            channel=channel, chat_id=chat_id, message_id=message_id, received_at=msg.received_at,
        )
        row.sender_id = msg.sender_id[:64]
        row.text = msg.text
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
        table = InboundMessage.__table__
        values = {
            "channel": channel, "chat_id": chat_id, "message_id": message_id, "sender_id": msg.sender_id[:64],
            "received_at": msg.received_at, "text": msg.text, "action": (msg.action or None) and msg.action[:64],
            "attachments": json.dumps(
                [{"kind": a.kind.value, "ref": a.ref, "caption": a.caption} for a in msg.attachments],
                ensure_ascii=False,
            ) if msg.attachments else "",
            "outcome": "handled",
        }
        if lock_chat and self.session.get_bind().dialect.name == "postgresql":
            # INSERT … SELECT … FROM (the advisory lock): the lock is held before the row is looked at.
            lock = select(_chat_lock(msg.chat).label("locked")).subquery("chat_lock")
            source = select(*[literal(v, type_=table.c[k].type).label(k) for k, v in values.items()]) \
                .select_from(lock)
            stmt = pg_insert(table).from_select(list(values), source)
        else:
            if lock_chat:
                self.lock_chat(msg.chat)
            stmt = _dialect_insert(self.session)(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.channel, table.c.chat_id, table.c.message_id],
            set_={"outcome": "handled", "text": values["text"]},
            where=table.c.outcome == "failed",
        ).returning(table.c.id)
        return self.session.exec(stmt).scalar_one_or_none()

    def set_inbound_ticket(self, row_id: int, code: str | None) -> None:
        if code:
            self.session.exec(update(InboundMessage).where(InboundMessage.id == row_id).values(ticket_code=code))

    def record_outbound(self, messages: Iterable[Outbound], *, at: datetime, in_reply_to: int | None) -> None:
        rows = [
            {"channel": out.to.channel, "chat_id": out.to.id, "at": at, "text": out.text,
             "ticket_code": out.ticket, "urgent": out.urgent, "in_reply_to": in_reply_to}
            for out in messages
        ]
        if rows:  # one multi-row statement: replies are written on every message
            self.session.exec(insert(OutboundMessage.__table__), params=rows)

    # -- residents and staff ----------------------------------------------------------------
    def resident(self, chat: ChatRef) -> Resident | None:
        return self.session.exec(
            select(Resident).where(Resident.channel == chat.channel, Resident.chat_id == chat.id)
        ).first()

    def resident_with_dialogue(self, chat: ChatRef) -> Resident | None:
        """The chat's resident, reading its pending dialogue in the same query."""
        found = self.session.exec(
            select(Resident, Dialogue)
            .outerjoin(Dialogue, (Dialogue.channel == Resident.channel) & (Dialogue.chat_id == Resident.chat_id))
            .where(Resident.channel == chat.channel, Resident.chat_id == chat.id)
        ).first()
        if found is None:
            return None
        resident, dialogue = found
        self._dialogues[chat] = dialogue
        return resident

    def resident_by_id(self, resident_id: int) -> Resident | None:
        return self.session.get(Resident, resident_id)

    def add_resident(self, chat: ChatRef, *, name: str, language: str, at: datetime) -> Resident:
        resident = Resident(channel=chat.channel, chat_id=chat.id, name=name[:128], language=language,
                            created_at=at)
        self.session.add(resident)
        self.session.flush()
        return resident

    def save(self, *rows: SQLModel) -> None:
        """Mark rows as changed; they are written with the transaction (or the next query)."""
        for row in rows:
            self.session.add(row)

    def staff_by_sender(self, sender_id: str) -> Staff | None:
        if not sender_id:
            return None
        return self.session.exec(
            select(Staff).where(Staff.telegram_id == sender_id, col(Staff.active).is_(True))
        ).first()

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
        table = DayCounter.__table__
        stmt = _dialect_insert(self.session)(table).values(prefix=prefix, day=day, last=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.day], set_={"last": table.c.last + 1}
        ).returning(table.c.last)
        number = self.session.exec(stmt).scalar_one()
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
        stmt = select(Ticket).where(Ticket.code == code.strip().upper())
        if lock:
            stmt = stmt.with_for_update()
        return self.session.exec(stmt).first()

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
        self.session.add(TicketEvent(
            ticket_id=ticket.id, at=at, actor=actor[:80], kind=kind, text=text,
            from_status=from_status, to_status=to_status,
        ))

    def add_file(self, ticket: Ticket, attachment: Attachment, *, by: str, at: datetime) -> None:
        self.session.add(TicketFile(
            ticket_id=ticket.id, kind=attachment.kind.value, ref=attachment.ref[:256],
            caption=attachment.caption, added_by=by[:80], added_at=at,
        ))
        self.add_event(ticket, at=at, actor=by, kind=EventKind.ATTACHMENT, text=attachment.kind.value)

    def files(self, ticket: Ticket) -> list[TicketFile]:
        return list(self.session.exec(
            select(TicketFile).where(TicketFile.ticket_id == ticket.id).order_by(TicketFile.id)
        ))

    def events(self, ticket: Ticket) -> list[TicketEvent]:
        return list(self.session.exec(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        ))

    def tickets_of(self, resident_id: int, *, open_only: bool = False, limit: int = 20) -> list[Ticket]:
        """A resident's tickets, newest first."""
        stmt = select(Ticket).where(Ticket.resident_id == resident_id)
        if open_only:
            stmt = stmt.where(col(Ticket.is_open).is_(True))
        return list(self.session.exec(stmt.order_by(col(Ticket.id).desc()).limit(limit)))

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
        """Tickets whose rating was asked for before ``asked_before``, unanswered and not yet reminded."""
        return list(self.session.exec(
            select(Ticket).where(
                col(Ticket.rating_requested_at) < asked_before, col(Ticket.rating).is_(None),
                col(Ticket.rating_reminded_at).is_(None), col(Ticket.status).in_([s.value for s in DONE]),
            ).order_by(Ticket.id)
        ))

    # -- dialogue ---------------------------------------------------------------------------
    def dialogue(self, chat: ChatRef) -> DialogueState:
        row = self._dialogue_row(chat)
        if row is None:
            return DialogueState()
        try:
            data = json.loads(row.data) or {}
        except ValueError:
            data = {}
        return DialogueState(row.state, data)

    def set_dialogue(self, chat: ChatRef, state: str, data: dict[str, Any] | None, *, at: datetime) -> None:
        row = self._dialogue_row(chat) or Dialogue(channel=chat.channel, chat_id=chat.id, updated_at=at)
        row.state = state
        row.data = json.dumps(data or {}, ensure_ascii=False)
        row.updated_at = at
        self.session.add(row)
        self._dialogues[chat] = row

    def clear_dialogue(self, chat: ChatRef, *, at: datetime) -> None:
        self.set_dialogue(chat, "idle", {}, at=at)

    def _dialogue_row(self, chat: ChatRef) -> Dialogue | None:
        if chat not in self._dialogues:
            self._dialogues[chat] = self.session.exec(
                select(Dialogue).where(Dialogue.channel == chat.channel, Dialogue.chat_id == chat.id)
            ).first()
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
            yield Work(session)

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
