"""The desk's tables (SQLModel): residents, staff, tickets and their audit trail, messages, ratings.

Every timestamp column is ``UTCDateTime``: it takes aware datetimes, stores
naive UTC (SQLite has no time zone type) and hands back aware UTC on read, so
both databases round-trip the same instant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware UTC in, naive UTC stored, aware UTC out (on SQLite and PostgreSQL alike)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _utc_column(*, nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class TicketKind(StrEnum):
    """What a ticket is about; each kind has its own workflow (bot/workflow.py)."""

    REPAIR = "repair"
    COMPLAINT = "complaint"
    RENOVATION = "renovation"
    EMERGENCY = "emergency"
    INQUIRY = "inquiry"  # a question handed to a person (转人工)


class Priority(StrEnum):
    """How urgent a ticket is; orders the agent queue and picks the SLA."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class EventKind(StrEnum):
    """What a ticket event records."""

    OPENED = "opened"
    STATUS = "status"  # a workflow transition: from_status -> to_status
    ASSIGNED = "assigned"
    TAKEN = "taken"  # an agent took the chat (首问负责制)
    HANDED_BACK = "handed_back"
    NOTE = "note"  # internal, never shown to the resident
    MESSAGE = "message"  # a message between resident and staff
    ATTACHMENT = "attachment"
    ACKNOWLEDGED = "acknowledged"
    ALERT = "alert"
    ESCALATED = "escalated"
    RATED = "rated"
    REMINDED = "reminded"
    VIOLATION = "violation"  # renovation inspection found a violation
    DELIVERY_FAILED = "delivery_failed"
    EDITED = "edited"  # the resident edited a message about this ticket (text: the new wording)


class Resident(SQLModel, table=True):
    """One resident's chat identity and flat; several residents may share a flat."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_resident_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=128)
    phone: str | None = Field(default=None, max_length=32)
    building: str | None = Field(default=None, max_length=16, index=True)
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    language: str = Field(default="zh", max_length=8)
    verified: bool = False
    reachable: bool = True  # false after the transport reported a failed delivery
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))


class Staff(SQLModel, table=True):
    """A member of staff, mirrored from the configuration at start-up."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    roles: str = Field(default="", max_length=128)  # comma-separated Role values
    telegram_id: str | None = Field(default=None, max_length=64, index=True)
    phone: str | None = Field(default=None, max_length=32)
    on_duty: bool = False
    active: bool = True  # false when removed from the configuration

    def has_role(self, role: str) -> bool:
        return role in self.roles.split(",")


class Ticket(SQLModel, table=True):
    """A repair, complaint, renovation, emergency or handed-over inquiry."""

    # The agent queue (open tickets by urgency, then response deadline) read straight
    # off an index: 20 rows instead of sorting every open ticket (bench_core, 1M tickets).
    # The emergency sweep (every 30 s) finds the few open emergencies among a year's.
    # The rating-reminder sweep (every 10 min: finished, asked before the cut-off, not yet
    # reminded) reads the few finished, unreminded tickets instead of scanning the table.
    __table_args__ = (
        Index("ix_ticket_queue", "is_open", "priority_rank", "respond_due", "id"),
        Index("ix_ticket_kind_open", "kind", "is_open"),
        Index("ix_ticket_rating_sweep", "status", "rating_reminded_at", "rating_requested_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)  # R-20261123-0007
    kind: str = Field(max_length=16, index=True)  # TicketKind
    status: str = Field(max_length=24, index=True)  # workflow.Status
    priority: str = Field(default=Priority.NORMAL, max_length=8)  # Priority
    priority_rank: int = 2  # PRIORITY_RANK[priority], so the queue sorts in SQL
    category: str | None = Field(default=None, max_length=32)  # emergency kind or repair/complaint topic
    resident_id: int = Field(foreign_key="resident.id", index=True)
    building: str | None = Field(default=None, max_length=16)
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    place: str = Field(default="", max_length=200)  # as described ("3栋2单元501", "地下车库B区")
    description: str = ""
    details: str = ""  # JSON object: renovation dates, contractor, scope …
    assignee_id: int | None = Field(default=None, foreign_key="staff.id")
    agent_id: int | None = Field(default=None, foreign_key="staff.id")  # owner of the chat (首问负责制)
    opened_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    updated_at: datetime = Field(sa_column=_utc_column(nullable=False))
    respond_due: datetime | None = Field(default=None, sa_column=_utc_column())
    resolve_due: datetime | None = Field(default=None, sa_column=_utc_column())
    responded_at: datetime | None = Field(default=None, sa_column=_utc_column())
    resolved_at: datetime | None = Field(default=None, sa_column=_utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column())  # archived, closed or cancelled
    followed_up_at: datetime | None = Field(default=None, sa_column=_utc_column())
    escalated_at: datetime | None = Field(default=None, sa_column=_utc_column())
    last_alert_at: datetime | None = Field(default=None, sa_column=_utc_column())
    alert_count: int = 0
    rating_requested_at: datetime | None = Field(default=None, sa_column=_utc_column())
    rating_reminded_at: datetime | None = Field(default=None, sa_column=_utc_column())
    rating: int | None = None  # the latest satisfaction score 1–5
    is_open: bool = Field(default=True, index=True)


def told_kinds(ticket: Ticket) -> list[str]:
    """Emergency kinds the resident told after the one the ticket opened with ("more_kinds" in details)."""
    kinds = _details(ticket).get("more_kinds")
    return [k for k in kinds if isinstance(k, str)] if isinstance(kinds, list) else []


def add_told_kind(ticket: Ticket, kind: str) -> None:
    """Note on ``ticket`` a kind of danger the resident told after the first (see told_kinds)."""
    details = _details(ticket)
    details["more_kinds"] = [*told_kinds(ticket), kind]
    ticket.details = json.dumps(details, ensure_ascii=False)


def _details(ticket: Ticket) -> dict:
    """The ticket's details object; {} when there is none or it is not an object."""
    try:
        details = json.loads(ticket.details or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


class TicketFile(SQLModel, table=True):
    """A photo, voice note or document attached to a ticket (the transport's file id)."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=16)  # messages.AttachmentKind
    ref: str = Field(max_length=256)
    caption: str | None = None
    added_by: str = Field(default="", max_length=80)
    added_at: datetime = Field(sa_column=_utc_column(nullable=False))


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's audit trail: who did what, when."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False))
    actor: str = Field(max_length=80)  # "resident:3", "staff:王师傅", "desk"
    kind: str = Field(max_length=24)  # EventKind
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    text: str = ""


class Rating(SQLModel, table=True):
    """A resident's satisfaction rating of a ticket, with an optional comment."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    resident_id: int = Field(foreign_key="resident.id")
    score: int
    comment: str = ""
    at: datetime = Field(sa_column=_utc_column(nullable=False))


class InboundMessage(SQLModel, table=True):
    """Every message that reached the desk; (channel, chat_id, message_id) is the idempotency key."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", "message_id", name="uq_inbound_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    sender_id: str = Field(default="", max_length=64)
    received_at: datetime = Field(sa_column=_utc_column(nullable=False))
    text: str = ""
    action: str | None = Field(default=None, max_length=64)
    attachments: str = ""  # JSON list of {kind, ref, caption}
    outcome: str = Field(default="handled", max_length=16)  # handled | failed | edit (see Work.claim_edit)
    ticket_code: str | None = Field(default=None, max_length=32)


class OutboundMessage(SQLModel, table=True):
    """Every message the desk decided to send, in the same transaction as the decision."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=64)
    at: datetime = Field(sa_column=_utc_column(nullable=False))
    text: str = ""
    ticket_code: str | None = Field(default=None, max_length=32, index=True)
    urgent: bool = False
    in_reply_to: int | None = Field(default=None, foreign_key="inboundmessage.id")
    # The message's buttons as it carried them: JSON rows of [label, action] pairs ("" for none).
    # A terminal showing a message another process sent needs them (`desk chat`, bot/console.py).
    buttons: str = ""


class Dialogue(SQLModel, table=True):
    """The pending question in one chat (which flat? what is wrong? why that rating?)."""

    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_dialogue_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    chat_id: str = Field(max_length=64)
    state: str = Field(default="idle", max_length=32)
    data: str = "{}"  # JSON object
    updated_at: datetime = Field(sa_column=_utc_column(nullable=False))


class DayCounter(SQLModel, table=True):
    """The last ticket number handed out per code prefix and local day."""

    prefix: str = Field(primary_key=True, max_length=4)
    day: str = Field(primary_key=True, max_length=8)  # YYYYMMDD, community time
    last: int = 0


__all__ = [
    "PRIORITY_RANK",
    "DayCounter",
    "Dialogue",
    "EventKind",
    "InboundMessage",
    "OutboundMessage",
    "Priority",
    "Rating",
    "Resident",
    "Staff",
    "Ticket",
    "TicketEvent",
    "TicketFile",
    "TicketKind",
    "UTCDateTime",
]
