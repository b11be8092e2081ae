"""NoticeStore: every read and write of notices; each public method is one transaction.

Returns small frozen values, never live ORM rows. The (notice, chat) unique key
and conditional status updates (``UPDATE … WHERE status = 'pending'``) make a
delivery happen at most once even with several broadcasters or a restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.models import Resident
from bot.notices.compose import Composition, ReminderPlan
from bot.notices.models import (
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeDraft,
    NoticeGroup,
    NoticeKind,
    NoticeLease,
    NoticePurpose,
    NoticeSignup,
    NoticeStatus,
    SHOWN_GONE,
    SignupAnswer,
)

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 255
_DELIVERY = NoticeDelivery.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class GroupInfo:
    """A registered residents' group."""

    channel: str
    chat_id: str
    title: str
    buildings: tuple[str, ...]  # () = the whole community
    active: bool
    inactive_reason: str


@dataclass(frozen=True, slots=True)
class NoticeInfo:
    """A notice as the front ends show it."""

    id: int
    kind: NoticeKind
    purpose: NoticePurpose
    parent_id: int | None
    language: str
    fields: dict[str, str]
    text: str
    buildings: tuple[str, ...]
    private: bool
    pin: bool
    capacity: int | None
    send_at: datetime
    relevant_until: datetime | None
    event_at: datetime | None
    status: NoticeStatus
    created_by: str
    report_to: str

    @property
    def code(self) -> str:
        """The human-facing code, e.g. N-0007."""
        return f"N-{self.id:04d}"


@dataclass(frozen=True, slots=True)
class Target:
    """One pending delivery: the row id and where it goes."""

    delivery_id: int
    channel: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Failure:
    """One delivery that did not arrive, and why."""

    chat_id: str
    title: str
    status: DeliveryStatus
    reason: str


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """The outcome of one notice's broadcast, for the sender."""

    notice_id: int
    total: int
    sent: int
    failed: int
    inactive: int
    unknown: int
    pending: int
    pinned: int
    problems: tuple[Failure, ...]  # failed, inactive and unknown, with reasons

    @property
    def finished(self) -> int:
        """Deliveries with an outcome (everything but pending/sending)."""
        return self.sent + self.failed + self.inactive + self.unknown


@dataclass(frozen=True, slots=True)
class SignupCounts:
    """Live counts under an activity's buttons."""

    joined: int
    declined: int
    capacity: int | None

    @property
    def label(self) -> str:
        """What a copy's buttons show, as stored in ``notice_delivery.shown``."""
        return f"{self.joined}/{self.declined}"


@dataclass(frozen=True, slots=True)
class Copy:
    """A delivered copy of an activity, whose sign-up buttons can be edited."""

    delivery_id: int
    channel: str
    chat_id: str
    message_id: str


class SignupOutcome(str):
    """Result codes of a sign-up press."""

    ACCEPTED = "accepted"
    FULL = "full"
    CLOSED = "closed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SignupResult:
    """What a press did, and the counts after it."""

    outcome: str  # SignupOutcome.*
    counts: SignupCounts


def _csv(items: Sequence[str]) -> str:
    return ",".join(items)


def _split(text: str) -> tuple[str, ...]:
    return tuple(p for p in text.split(",") if p)


def _info(n: Notice) -> NoticeInfo:
    assert n.id is not None
    return NoticeInfo(
        id=n.id,
        kind=NoticeKind(n.kind),
        purpose=NoticePurpose(n.purpose),
        parent_id=n.parent_id,
        language=n.language,
        fields=json.loads(n.fields or "{}"),
        text=n.text,
        buildings=_split(n.buildings),
        private=n.private,
        pin=n.pin,
        capacity=n.capacity,
        send_at=n.send_at,
        relevant_until=n.relevant_until,
        event_at=n.event_at,
        status=NoticeStatus(n.status),
        created_by=n.created_by,
        report_to=n.report_to,
    )


def _group(g: NoticeGroup) -> GroupInfo:
    return GroupInfo(g.channel, g.chat_id, g.title, () if g.community else _split(g.buildings),
                     g.active, g.inactive_reason)


class DeliveryWriter:
    """The per-request writes of a broadcast, on one connection held for the broadcast.

    A broadcast makes two of them per message; each is a single conditional
    UPDATE, atomic on its own. On PostgreSQL they run in autocommit, saving the
    pool checkout, BEGIN and COMMIT round trips that would dominate at 300
    messages/s; SQLite gets a short transaction each (bot.db begins every
    SQLite transaction IMMEDIATE, which an autocommit connection never ends).
    """

    def __init__(self, conn: Connection) -> None:
        self._autocommit = conn.dialect.name == "postgresql"
        self._conn = conn.execution_options(isolation_level="AUTOCOMMIT") if self._autocommit else conn

    def _run(self, statement: Any) -> int:
        if self._autocommit:
            return self._conn.execute(statement).rowcount
        with self._conn.begin():
            return self._conn.execute(statement).rowcount

    def claim(self, delivery_id: int, *, now: datetime) -> bool:
        """pending -> sending, just before the request; False if someone else has it."""
        return self._run(update(_DELIVERY)
                         .where(_DELIVERY.c.id == delivery_id, _DELIVERY.c.status == DeliveryStatus.PENDING.value)
                         .values(status=DeliveryStatus.SENDING.value, updated_at=now,
                                 attempts=_DELIVERY.c.attempts + 1)) == 1

    def release(self, delivery_id: int, *, now: datetime, reason: str = "") -> None:
        """sending -> pending: the request certainly did not deliver (a 429)."""
        self._run(update(_DELIVERY)
                  .where(_DELIVERY.c.id == delivery_id, _DELIVERY.c.status == DeliveryStatus.SENDING.value)
                  .values(status=DeliveryStatus.PENDING.value, updated_at=now, error=reason[:MAX_ERROR_CHARS]))

    def finish(self, delivery_id: int, status: DeliveryStatus, *, now: datetime,
               message_id: str | None = None, error: str = "", shown: str = "") -> None:
        """Record the outcome of one request (``shown``: the sign-up counts the message carries)."""
        self._run(update(_DELIVERY).where(_DELIVERY.c.id == delivery_id)
                  .values(status=status.value, message_id=message_id, error=error[:MAX_ERROR_CHARS],
                          updated_at=now, shown=shown))

    def shown(self, delivery_id: int, shown: str, *, now: datetime) -> None:
        """Note what a copy's sign-up buttons show after an edit (or SHOWN_GONE)."""
        self._run(update(_DELIVERY).where(_DELIVERY.c.id == delivery_id).values(shown=shown, updated_at=now))

    def pinned(self, delivery_id: int, *, now: datetime) -> None:
        """Note that a delivered message was pinned."""
        self._run(update(_DELIVERY).where(_DELIVERY.c.id == delivery_id).values(pinned=True, updated_at=now))


class NoticeStore:
    """Reads and writes notices, audiences, deliveries and sign-ups."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    # -- audiences -------------------------------------------------------------------------

    def register_group(self, *, channel: str, chat_id: str, title: str, buildings: tuple[str, ...],
                       by: str, now: datetime) -> GroupInfo:
        """Register (or re-register) a group as an audience; it becomes active."""
        with self._tx() as s:
            group = s.execute(select(NoticeGroup).where(NoticeGroup.channel == channel,
                                                     NoticeGroup.chat_id == chat_id)).scalar_one_or_none()
            if group is None:
                group = NoticeGroup(channel=channel, chat_id=chat_id, registered_at=now, updated_at=now)
                s.add(group)
            group.title = title[:255]
            group.community = not buildings
            group.buildings = _csv(buildings)
            group.active = True
            group.inactive_reason = ""
            group.registered_by = by[:64]
            group.updated_at = now
            s.flush()
            return _group(group)

    def set_group_active(self, *, channel: str, chat_id: str, active: bool, reason: str,
                         now: datetime) -> bool:
        """Mark a registered group active or inactive; False when it was never registered."""
        with self._tx() as s:
            result = s.execute(
                update(NoticeGroup)
                .where(NoticeGroup.channel == channel, NoticeGroup.chat_id == chat_id)
                .values(active=active, inactive_reason="" if active else reason[:64], updated_at=now)
            )
            return result.rowcount > 0

    def move_group(self, *, channel: str, old_chat_id: str, new_chat_id: str, now: datetime) -> bool:
        """Follow a group upgraded to a supergroup (Telegram gives it a new chat id)."""
        with self._tx() as s:
            taken = s.execute(select(NoticeGroup.id).where(NoticeGroup.channel == channel,
                                                           NoticeGroup.chat_id == new_chat_id)).first()
            if taken:
                return False
            result = s.execute(
                update(NoticeGroup)
                .where(NoticeGroup.channel == channel, NoticeGroup.chat_id == old_chat_id)
                .values(chat_id=new_chat_id, updated_at=now)
            )
            return result.rowcount > 0

    def is_audience(self, channel: str, chat_id: str) -> bool:
        """Whether a chat is a registered residents' group (staff work must not show there)."""
        with self._tx() as s:
            return s.execute(select(NoticeGroup.id).where(NoticeGroup.channel == channel,
                                                          NoticeGroup.chat_id == chat_id)).first() is not None

    def groups(self, *, active_only: bool = False) -> list[GroupInfo]:
        """Registered groups in registration order."""
        with self._tx() as s:
            query = select(NoticeGroup).order_by(NoticeGroup.id)
            if active_only:
                query = query.where(NoticeGroup.active.is_(True))
            return [_group(g) for g in s.execute(query).scalars()]

    # -- notices ---------------------------------------------------------------------------

    def create_notice(self, c: Composition, *, created_by: str, report_to: str, now: datetime) -> NoticeInfo:
        """Store a composed notice and the reminders it plans, all scheduled."""
        with self._tx() as s:
            notice = Notice(created_at=now, updated_at=now, send_at=c.send_at)
            self._fill(notice, c, created_by=created_by, report_to=report_to, now=now)
            s.add(notice)
            s.flush()
            self._add_reminders(s, notice, c.reminders, now)
            return _info(notice)

    def update_notice(self, notice_id: int, c: Composition, *, now: datetime) -> NoticeInfo | None:
        """Replace a still-scheduled notice's content and timing; None if it already went."""
        with self._tx() as s:
            notice = s.get(Notice, notice_id, with_for_update=True)
            if notice is None or notice.status != NoticeStatus.SCHEDULED or notice.purpose != NoticePurpose.NOTICE:
                return None
            self._fill(notice, c, created_by=notice.created_by, report_to=notice.report_to, now=now)
            s.execute(update(Notice).where(Notice.parent_id == notice_id,
                                           Notice.status == NoticeStatus.SCHEDULED)
                      .values(status=NoticeStatus.CANCELLED, updated_at=now))
            self._add_reminders(s, notice, c.reminders, now)
            s.flush()
            return _info(notice)

    @staticmethod
    def _fill(notice: Notice, c: Composition, *, created_by: str, report_to: str, now: datetime) -> None:
        notice.kind = c.kind
        notice.purpose = NoticePurpose.NOTICE
        notice.language = c.language
        notice.fields = c.fields_json()
        notice.text = c.text
        notice.buildings = _csv(c.buildings)
        notice.private = c.private
        notice.pin = c.pin
        notice.capacity = c.capacity
        notice.send_at = c.send_at
        notice.relevant_until = c.relevant_until
        notice.event_at = c.event_at
        notice.status = NoticeStatus.SCHEDULED
        notice.created_by = created_by[:64]
        notice.report_to = report_to[:64]
        notice.updated_at = now

    @staticmethod
    def _add_reminders(s: Session, parent: Notice, plans: Sequence[ReminderPlan], now: datetime) -> None:
        for plan in plans:
            s.add(Notice(
                kind=parent.kind, purpose=plan.purpose, parent_id=parent.id, language=parent.language,
                fields=parent.fields, text="",  # rendered when due, from the parent's fields
                buildings=parent.buildings, private=False, pin=False, send_at=plan.send_at,
                relevant_until=plan.relevant_until, event_at=parent.event_at,
                status=NoticeStatus.SCHEDULED, created_by=parent.created_by, report_to=parent.report_to,
                created_at=now, updated_at=now,
            ))

    def cancel_notice(self, notice_id: int, *, now: datetime) -> bool:
        """Cancel a scheduled notice (and its reminders); False if it already went or is unknown."""
        with self._tx() as s:
            result = s.execute(update(Notice).where(Notice.id == notice_id,
                                                    Notice.status == NoticeStatus.SCHEDULED)
                               .values(status=NoticeStatus.CANCELLED, updated_at=now))
            if result.rowcount == 0:
                return False
            s.execute(update(Notice).where(Notice.parent_id == notice_id,
                                           Notice.status == NoticeStatus.SCHEDULED)
                      .values(status=NoticeStatus.CANCELLED, updated_at=now))
            return True

    def get_notice(self, notice_id: int) -> NoticeInfo | None:
        """One notice, or None."""
        with self._tx() as s:
            notice = s.get(Notice, notice_id)
            return _info(notice) if notice else None

    def list_notices(self, *, statuses: Sequence[NoticeStatus] = (NoticeStatus.SCHEDULED, NoticeStatus.SENDING),
                     limit: int = 50) -> list[NoticeInfo]:
        """Notices in the given statuses, soonest first."""
        with self._tx() as s:
            rows = s.execute(select(Notice).where(Notice.status.in_([str(x) for x in statuses]))
                             .order_by(Notice.send_at, Notice.id).limit(limit)).scalars()
            return [_info(n) for n in rows]

    def set_text(self, notice_id: int, text: str, *, now: datetime) -> None:
        """Store the text a reminder was rendered to, just before it goes."""
        with self._tx() as s:
            s.execute(update(Notice).where(Notice.id == notice_id).values(text=text, updated_at=now))

    # -- scheduling ------------------------------------------------------------------------

    def due_notices(self, now: datetime) -> list[int]:
        """Scheduled notices whose time has come, oldest first."""
        with self._tx() as s:
            return list(s.execute(select(Notice.id).where(Notice.status == NoticeStatus.SCHEDULED,
                                                          Notice.send_at <= now)
                                  .order_by(Notice.send_at, Notice.id)).scalars())

    def interrupted_notices(self) -> list[int]:
        """Notices left mid-broadcast by a desk that stopped; they are resumed, not restarted."""
        with self._tx() as s:
            return list(s.execute(select(Notice.id).where(Notice.status == NoticeStatus.SENDING)
                                  .order_by(Notice.id)).scalars())

    def claim_notice(self, notice_id: int, *, now: datetime) -> NoticeInfo | None:
        """Move a due notice to sending (only one caller wins); expire it if no longer relevant."""
        with self._tx() as s:
            notice = s.get(Notice, notice_id)
            if notice is None or notice.status != NoticeStatus.SCHEDULED:
                return None
            stale = notice.relevant_until is not None and notice.relevant_until <= now
            new_status = NoticeStatus.EXPIRED if stale else NoticeStatus.SENDING
            result = s.execute(update(Notice).where(Notice.id == notice_id,
                                                    Notice.status == NoticeStatus.SCHEDULED)
                               .values(status=new_status, updated_at=now,
                                       finished_at=now if stale else None))
            if result.rowcount == 0:
                return None
            s.refresh(notice)
            return _info(notice)

    # -- deliveries ------------------------------------------------------------------------

    def prepare_deliveries(self, notice_id: int, *, now: datetime) -> int:
        """Create the missing delivery rows of a sending notice; return how many rows it has.

        Idempotent: rows that exist keep their status, so a restarted broadcast
        never adds a second row for a chat. A row left "sending" by a desk that
        died mid-request becomes "unknown": Telegram has no idempotency key, so
        it may have arrived and is reported, never re-sent blindly.
        """
        with self._tx() as s:
            notice = s.get(Notice, notice_id)
            if notice is None:
                return 0
            s.execute(update(NoticeDelivery)
                      .where(NoticeDelivery.notice_id == notice_id,
                             NoticeDelivery.status == DeliveryStatus.SENDING)
                      .values(status=DeliveryStatus.UNKNOWN, updated_at=now,
                              error="desk stopped mid-request; maybe delivered, not re-sent"))
            existing = {(c, i) for c, i in s.execute(
                select(NoticeDelivery.channel, NoticeDelivery.chat_id)
                .where(NoticeDelivery.notice_id == notice_id))}
            rows = []
            for channel, chat_id, status, reason in self._targets(s, notice):
                if (channel, chat_id) in existing:
                    continue
                existing.add((channel, chat_id))
                rows.append({"notice_id": notice_id, "channel": channel, "chat_id": chat_id,
                             "status": status, "error": reason, "updated_at": now, "attempts": 0,
                             "pinned": False})
            if rows:
                s.execute(insert(NoticeDelivery), rows)
            return len(existing)

    @staticmethod
    def _targets(s: Session, notice: Notice) -> Iterator[tuple[str, str, DeliveryStatus, str]]:
        """(channel, chat, initial status, reason) for every recipient of a notice."""
        if notice.purpose == NoticePurpose.SIGNUP_REMINDER:
            # Privately, to those who signed up (on Telegram a user's private chat id is the user id).
            joined = s.execute(select(NoticeSignup.user_id).where(
                NoticeSignup.notice_id == notice.parent_id,
                NoticeSignup.answer == SignupAnswer.JOIN).order_by(NoticeSignup.id)).scalars()
            for user_id in joined:
                yield "telegram", user_id, DeliveryStatus.PENDING, ""
            return
        wanted = set(_split(notice.buildings))
        for g in s.execute(select(NoticeGroup).order_by(NoticeGroup.id)).scalars():
            serves = g.community or not wanted or bool(wanted & set(_split(g.buildings)))
            if not serves:
                continue
            if g.active:
                yield g.channel, g.chat_id, DeliveryStatus.PENDING, ""
            else:
                yield g.channel, g.chat_id, DeliveryStatus.INACTIVE, g.inactive_reason or "inactive"
        if notice.private and notice.purpose == NoticePurpose.NOTICE:
            query = select(Resident.channel, Resident.chat_id).where(Resident.channel == "telegram")
            if wanted:
                query = query.where(Resident.building.in_(wanted))
            for channel, chat_id, reachable in s.execute(
                    query.add_columns(Resident.reachable).order_by(Resident.id)):
                if reachable:
                    yield channel, chat_id, DeliveryStatus.PENDING, ""
                else:
                    yield channel, chat_id, DeliveryStatus.FAILED, "resident unreachable"

    def pending_targets(self, notice_id: int) -> list[Target]:
        """Deliveries still to send, in creation order."""
        with self._tx() as s:
            rows = s.execute(select(NoticeDelivery.id, NoticeDelivery.channel, NoticeDelivery.chat_id)
                             .where(NoticeDelivery.notice_id == notice_id,
                                    NoticeDelivery.status == DeliveryStatus.PENDING)
                             .order_by(NoticeDelivery.id))
            return [Target(i, c, chat) for i, c, chat in rows]

    @contextmanager
    def delivery_writer(self) -> Iterator[DeliveryWriter]:
        """One connection for a broadcast's per-request writes (see DeliveryWriter)."""
        with self._engine.connect() as conn:
            yield DeliveryWriter(conn)

    def claim_delivery(self, delivery_id: int, *, now: datetime) -> bool:
        """pending -> sending (see DeliveryWriter.claim)."""
        with self.delivery_writer() as writer:
            return writer.claim(delivery_id, now=now)

    def finish_delivery(self, delivery_id: int, status: DeliveryStatus, *, now: datetime,
                        message_id: str | None = None, error: str = "") -> None:
        """Record the outcome of one request (see DeliveryWriter.finish)."""
        with self.delivery_writer() as writer:
            writer.finish(delivery_id, status, now=now, message_id=message_id, error=error)

    def release_delivery(self, delivery_id: int, *, now: datetime, reason: str = "") -> None:
        """sending -> pending (see DeliveryWriter.release)."""
        with self.delivery_writer() as writer:
            writer.release(delivery_id, now=now, reason=reason)

    def deactivate_chat(self, channel: str, chat_id: str, *, reason: str, now: datetime) -> None:
        """A send showed the bot is gone from a chat: mark the group (or resident) unreachable."""
        with self._tx() as s:
            s.execute(update(NoticeGroup).where(NoticeGroup.channel == channel, NoticeGroup.chat_id == chat_id)
                      .values(active=False, inactive_reason=reason[:64], updated_at=now))
            s.execute(update(Resident).where(Resident.channel == channel, Resident.chat_id == chat_id)
                      .values(reachable=False))

    def finish_notice(self, notice_id: int, *, now: datetime) -> DeliveryReport:
        """Close a broadcast with nothing left pending; return its report."""
        with self._tx() as s:
            s.execute(update(Notice).where(Notice.id == notice_id, Notice.status == NoticeStatus.SENDING)
                      .values(status=NoticeStatus.DONE, finished_at=now, updated_at=now))
        return self.report(notice_id)

    def report(self, notice_id: int, *, max_problems: int = 50) -> DeliveryReport:
        """Counts per outcome and the first problems, with group titles."""
        with self._tx() as s:
            counts = dict(s.execute(select(NoticeDelivery.status, func.count())
                                    .where(NoticeDelivery.notice_id == notice_id)
                                    .group_by(NoticeDelivery.status)).all())
            pinned = s.execute(select(func.count()).select_from(NoticeDelivery)
                               .where(NoticeDelivery.notice_id == notice_id,
                                      NoticeDelivery.pinned.is_(True))).scalar_one()
            bad = [DeliveryStatus.FAILED, DeliveryStatus.INACTIVE, DeliveryStatus.UNKNOWN]
            rows = s.execute(select(NoticeDelivery.chat_id, NoticeDelivery.status, NoticeDelivery.error,
                                    NoticeGroup.title)
                             .join(NoticeGroup, (NoticeGroup.chat_id == NoticeDelivery.chat_id)
                                   & (NoticeGroup.channel == NoticeDelivery.channel), isouter=True)
                             .where(NoticeDelivery.notice_id == notice_id,
                                    NoticeDelivery.status.in_([str(b) for b in bad]))
                             .order_by(NoticeDelivery.id).limit(max_problems)).all()
        get = lambda st: int(counts.get(str(st), 0))  # noqa: E731
        return DeliveryReport(
            notice_id=notice_id,
            total=sum(int(v) for v in counts.values()),
            sent=get(DeliveryStatus.SENT),
            failed=get(DeliveryStatus.FAILED),
            inactive=get(DeliveryStatus.INACTIVE),
            unknown=get(DeliveryStatus.UNKNOWN),
            pending=get(DeliveryStatus.PENDING) + get(DeliveryStatus.SENDING),
            pinned=int(pinned),
            problems=tuple(Failure(c, t or "", DeliveryStatus(st), e) for c, st, e, t in rows),
        )

    def delivered_messages(self, notice_id: int) -> list[tuple[str, str]]:
        """(chat id, message id) of every delivered copy, for editing the sign-up buttons."""
        with self._tx() as s:
            return [(c, m) for c, m in s.execute(
                select(NoticeDelivery.chat_id, NoticeDelivery.message_id)
                .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.status == DeliveryStatus.SENT))]

    def stale_copies(self, notice_id: int, label: str) -> list[Copy]:
        """Delivered copies whose buttons do not show ``label`` (and can still be edited), in order."""
        with self._tx() as s:
            rows = s.execute(select(NoticeDelivery.id, NoticeDelivery.channel, NoticeDelivery.chat_id,
                                    NoticeDelivery.message_id)
                             .where(NoticeDelivery.notice_id == notice_id,
                                    NoticeDelivery.status == DeliveryStatus.SENT,
                                    NoticeDelivery.message_id.is_not(None),
                                    NoticeDelivery.shown.not_in([label, SHOWN_GONE]))
                             .order_by(NoticeDelivery.id))
            return [Copy(i, channel, c, m) for i, channel, c, m in rows]

    def activities_with_stale_copies(self, now: datetime) -> list[int]:
        """Activities still open for sign-up with a copy showing other counts than the current ones.

        The notice tick refreshes them: after a crash mid-refresh, or presses
        during the activity's own broadcast (its later copies carry the counts
        of when it started).
        """
        with self._tx() as s:
            open_ids = list(s.execute(
                select(Notice.id).where(Notice.kind == NoticeKind.ACTIVITY,
                                        Notice.purpose == NoticePurpose.NOTICE,
                                        Notice.status.in_([NoticeStatus.SENDING, NoticeStatus.DONE]),
                                        Notice.event_at > now)
                .order_by(Notice.id)).scalars())
            stale = []
            for notice_id in open_ids:
                label = self._counts(s, notice_id, None).label
                if s.execute(select(NoticeDelivery.id).where(
                        NoticeDelivery.notice_id == notice_id, NoticeDelivery.status == DeliveryStatus.SENT,
                        NoticeDelivery.message_id.is_not(None),
                        NoticeDelivery.shown.not_in([label, SHOWN_GONE])).limit(1)).first():
                    stale.append(notice_id)
            return stale

    # -- the send lease ----------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease ``name`` for ``holder``; False while another holder's is live."""
        try:
            with self._tx() as s:
                lease = s.get(NoticeLease, name, with_for_update=True)
                if lease is None:
                    s.add(NoticeLease(name=name, holder=holder, acquired_at=now, renewed_at=now))
                    return True
                if lease.holder != holder and lease.renewed_at > now - ttl:
                    return False
                if lease.holder != holder:
                    lease.holder, lease.acquired_at = holder, now
                lease.renewed_at = now
                return True
        except IntegrityError:  # another process inserted the row first: theirs
            return False

    def lease_holder(self, name: str, *, now: datetime, ttl: timedelta) -> str | None:
        """The holder of the live lease ``name``, or None when nobody holds it."""
        with self._tx() as s:
            lease = s.get(NoticeLease, name)
            return lease.holder if lease is not None and lease.renewed_at > now - ttl else None

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up (a clean stop), so another process need not wait for it to expire."""
        with self._tx() as s:
            s.execute(delete(NoticeLease).where(NoticeLease.name == name, NoticeLease.holder == holder))

    # -- sign-ups --------------------------------------------------------------------------

    def record_signup(self, notice_id: int, *, user_id: str, user_name: str, answer: SignupAnswer,
                      now: datetime) -> SignupResult:
        """Record a 参加/不参加 press; the capacity holds under concurrent presses.

        The first statement writes the notice row: on PostgreSQL that row lock,
        on SQLite the database write lock, serialises presses on one activity,
        so the count read next cannot go stale before our insert commits.
        """
        with self._tx() as s:
            touched = s.execute(update(Notice).where(Notice.id == notice_id).values(updated_at=now))
            notice = s.get(Notice, notice_id) if touched.rowcount else None
            if (notice is None or notice.kind != NoticeKind.ACTIVITY or notice.purpose != NoticePurpose.NOTICE
                    or notice.status in (NoticeStatus.CANCELLED, NoticeStatus.EXPIRED)
                    or (notice.event_at is not None and notice.event_at <= now)):
                counts = self._counts(s, notice_id, notice.capacity if notice else None)
                return SignupResult(SignupOutcome.CLOSED, counts)
            mine = s.execute(select(NoticeSignup).where(NoticeSignup.notice_id == notice_id,
                                                        NoticeSignup.user_id == user_id)).scalar_one_or_none()
            if mine is not None and mine.answer == answer:
                return SignupResult(SignupOutcome.UNCHANGED, self._counts(s, notice_id, notice.capacity))
            if answer == SignupAnswer.JOIN and notice.capacity is not None:
                if self._counts(s, notice_id, notice.capacity).joined >= notice.capacity:
                    return SignupResult(SignupOutcome.FULL, self._counts(s, notice_id, notice.capacity))
            if mine is None:
                s.add(NoticeSignup(notice_id=notice_id, user_id=user_id, user_name=user_name[:128],
                                   answer=answer, at=now))
            else:
                mine.answer = answer
                mine.user_name = user_name[:128]
                mine.at = now
            s.flush()
            return SignupResult(SignupOutcome.ACCEPTED, self._counts(s, notice_id, notice.capacity))

    @staticmethod
    def _counts(s: Session, notice_id: int, capacity: int | None) -> SignupCounts:
        counts = dict(s.execute(select(NoticeSignup.answer, func.count())
                                .where(NoticeSignup.notice_id == notice_id)
                                .group_by(NoticeSignup.answer)).all())
        return SignupCounts(int(counts.get("join", 0)), int(counts.get("decline", 0)), capacity)

    def signup_counts(self, notice_id: int) -> SignupCounts:
        """Current counts of one activity."""
        with self._tx() as s:
            notice = s.get(Notice, notice_id)
            return self._counts(s, notice_id, notice.capacity if notice else None)

    def signups(self, notice_id: int) -> list[tuple[str, str, datetime]]:
        """(name, answer, when) of everyone who answered, in order of answering."""
        with self._tx() as s:
            return [(n, a, t) for n, a, t in s.execute(
                select(NoticeSignup.user_name, NoticeSignup.answer, NoticeSignup.at)
                .where(NoticeSignup.notice_id == notice_id).order_by(NoticeSignup.at, NoticeSignup.id))]

    # -- dialogue drafts -------------------------------------------------------------------

    def save_draft(self, *, user_id: str, chat_id: str, step: str, data: dict[str, object],
                   now: datetime) -> None:
        """Remember where a staff member is in the /notice dialogue."""
        with self._tx() as s:
            draft = s.execute(select(NoticeDraft).where(NoticeDraft.user_id == user_id)).scalar_one_or_none()
            if draft is None:
                draft = NoticeDraft(user_id=user_id, chat_id=chat_id, updated_at=now)
                s.add(draft)
            draft.chat_id = chat_id
            draft.step = step
            draft.data = json.dumps(data, ensure_ascii=False)
            draft.updated_at = now

    def load_draft(self, user_id: str, chat_id: str) -> tuple[str, dict[str, object], datetime] | None:
        """(step, data, updated_at) of the user's draft in this chat, or None."""
        with self._tx() as s:
            draft = s.execute(select(NoticeDraft).where(NoticeDraft.user_id == user_id,
                                                        NoticeDraft.chat_id == chat_id)).scalar_one_or_none()
            if draft is None:
                return None
            return draft.step, json.loads(draft.data or "{}"), draft.updated_at

    def drop_draft(self, user_id: str) -> None:
        """Forget the user's draft."""
        with self._tx() as s:
            draft = s.execute(select(NoticeDraft).where(NoticeDraft.user_id == user_id)).scalar_one_or_none()
            if draft is not None:
                s.delete(draft)
