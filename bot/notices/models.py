"""Tables of notices (SQLModel, in the desk's shared ``SQLModel.metadata``).

Audience groups, notices (and their reminders), one delivery row per
(notice, chat) — the unique key that makes delivery exactly-once — and
activity sign-ups. Timestamps are aware UTC via ``bot.models.UTCDateTime``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime


def _utc(*, nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class NoticeKind(StrEnum):
    """The notice templates of the service plan (信息发布)."""

    WATER_CUT = "water_cut"  # 停水通知
    POWER_CUT = "power_cut"  # 停电通知
    FIRE_DRILL = "fire_drill"  # 消防演练
    ACTIVITY = "activity"  # 社区活动
    REMINDER = "reminder"  # 温馨提示
    GENERAL = "general"  # 通用


class NoticePurpose(StrEnum):
    """Why a notice row exists: the notice itself or a reminder the desk derived from one."""

    NOTICE = "notice"
    CUT_REMINDER = "cut_reminder"  # shortly before a planned water/power cut, same groups
    SIGNUP_REMINDER = "signup_reminder"  # before an activity, privately to those who signed up


class NoticeStatus(StrEnum):
    """Where a notice is in its life."""

    SCHEDULED = "scheduled"  # waiting for send_at
    SENDING = "sending"  # claimed by a broadcaster
    DONE = "done"  # every delivery has an outcome
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # missed while the desk was down and no longer relevant


class DeliveryStatus(StrEnum):
    """The outcome of one (notice, chat) delivery."""

    PENDING = "pending"
    SENDING = "sending"  # the request may be on the wire; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"
    INACTIVE = "inactive"  # the group was inactive (bot removed/blocked); nothing sent
    UNKNOWN = "unknown"  # the desk died mid-request: maybe delivered, never re-sent blindly


class NoticeGroup(SQLModel, table=True):
    """A residents' group chat registered as an audience (/register in the group)."""

    __tablename__ = "notice_group"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_notice_group_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default="telegram", max_length=32)
    chat_id: str = Field(max_length=64)
    title: str = Field(default="", max_length=255)
    community: bool = True  # serves the whole community (all buildings)
    buildings: str = Field(default="", max_length=255)  # comma-separated, when not community-wide
    active: bool = Field(default=True, index=True)
    inactive_reason: str = Field(default="", max_length=64)
    registered_by: str = Field(default="", max_length=64)
    registered_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Notice(SQLModel, table=True):
    """One notice (or derived reminder), its audience and schedule."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # NoticeKind
    purpose: str = Field(default=NoticePurpose.NOTICE, max_length=16)  # NoticePurpose
    parent_id: int | None = Field(default=None, foreign_key="notice.id", index=True)
    language: str = Field(default="zh", max_length=8)
    fields: str = "{}"  # JSON object of the template's fields, as entered
    text: str = ""  # rendered once at composition, so what was previewed is what goes out
    buildings: str = Field(default="", max_length=255)  # "" = everyone; else comma-separated
    private: bool = False  # also to residents of those buildings, privately
    pin: bool = False
    capacity: int | None = None  # activities: sign-up limit
    send_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    relevant_until: datetime | None = Field(default=None, sa_column=_utc())  # None = no limit
    event_at: datetime | None = Field(default=None, sa_column=_utc())  # cut start / activity start
    status: str = Field(default=NoticeStatus.SCHEDULED, max_length=16, index=True)
    created_by: str = Field(default="", max_length=64)
    report_to: str = Field(default="", max_length=64)  # the sender's chat, for progress and report
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_utc())


class NoticeDelivery(SQLModel, table=True):
    """One notice to one chat; the unique (notice, chat) row is the exactly-once record."""

    __tablename__ = "notice_delivery"
    __table_args__ = (UniqueConstraint("notice_id", "channel", "chat_id", name="uq_notice_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    channel: str = Field(default="telegram", max_length=32)
    chat_id: str = Field(max_length=64)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=16, index=True)
    message_id: str | None = Field(default=None, max_length=64)
    error: str = Field(default="", max_length=255)
    pinned: bool = False
    attempts: int = 0
    updated_at: datetime = Field(sa_column=_utc(nullable=False))
    # Activities: the counts this copy's sign-up buttons show ("joined/declined"), so a refresh edits
    # only stale copies; "" = not known, SHOWN_GONE = the copy can no longer be edited (deleted, bot gone).
    shown: str = Field(default="", max_length=32)


SHOWN_GONE = "gone"


class SignupAnswer(StrEnum):
    """A resident's answer to an activity's sign-up buttons."""

    JOIN = "join"  # 参加
    DECLINE = "decline"  # 不参加


class NoticeSignup(SQLModel, table=True):
    """One resident's answer to one activity; pressing again changes the answer."""

    __tablename__ = "notice_signup"
    __table_args__ = (UniqueConstraint("notice_id", "user_id", name="uq_notice_signup"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    user_id: str = Field(max_length=64)
    user_name: str = Field(default="", max_length=128)
    answer: str = Field(max_length=16)  # SignupAnswer
    at: datetime = Field(sa_column=_utc(nullable=False))


class NoticeDraft(SQLModel, table=True):
    """A staff member's notice being written in a chat dialogue (survives restarts)."""

    __tablename__ = "notice_draft"
    __table_args__ = (UniqueConstraint("user_id", name="uq_notice_draft_user"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=64)
    chat_id: str = Field(max_length=64)
    step: str = Field(default="fields", max_length=16)
    data: str = "{}"  # JSON: kind, language, edit_of, raw text
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class NoticeLease(SQLModel, table=True):
    """Which process may broadcast: the running desk renews it on every notice tick.

    One row per lease name. Two processes broadcasting at once would each pace
    themselves with their own limiter and together exceed Telegram's limits, so
    only the holder of a live lease (renewed within its time to live) delivers.
    """

    __tablename__ = "notice_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=128)  # host:pid:random, unique per process
    acquired_at: datetime = Field(sa_column=_utc(nullable=False))
    renewed_at: datetime = Field(sa_column=_utc(nullable=False))


__all__ = [
    "DeliveryStatus",
    "Notice",
    "NoticeDelivery",
    "NoticeDraft",
    "NoticeGroup",
    "NoticeKind",
    "NoticeLease",
    "NoticePurpose",
    "NoticeSignup",
    "NoticeStatus",
    "SHOWN_GONE",
    "SignupAnswer",
]
