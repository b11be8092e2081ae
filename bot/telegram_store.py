"""What only the Telegram front-end remembers: forum topics per staff room, group reports, groups.

The tables live in the same ``SQLModel.metadata`` as the desk's, so
``create_tables`` and the migrations create them too. This module must not
import telegram: it holds plain values (ids as strings, as Telegram chat ids
exceed 32 bits).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from bot.models import InboundMessage, OutboundMessage, UTCDateTime


class TelegramTopic(SQLModel, table=True):
    """The forum topic that stands for one staff room (``ticket:CODE``) in the staff group."""

    __tablename__ = "telegram_topic"
    __table_args__ = (UniqueConstraint("chat_id", "room", name="uq_telegram_topic_room"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=32)
    room: str = Field(max_length=64)  # ChatRef.id of the staff room, e.g. "ticket:R-20261123-0001"
    thread_id: int = Field(index=True)
    title: str = Field(default="", max_length=128)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TelegramGroupReport(SQLModel, table=True):
    """A request a resident posted in a community group, waiting to become a private ticket."""

    __tablename__ = "telegram_group_report"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=32, unique=True)  # the deep link's start parameter
    group_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32, index=True)
    message_id: str = Field(max_length=32)
    text: str = ""
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class TelegramGroup(SQLModel, table=True):
    """A community group the bot is in; staff switch its replies on and off."""

    __tablename__ = "telegram_group"

    chat_id: str = Field(primary_key=True, max_length=32)
    title: str = Field(default="", max_length=128)
    enabled: bool = True
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def conversation(engine: Engine, *, channel: str, chat_id: str, limit: int = 12) -> list[tuple[bool, str]]:
    """The last ``limit`` messages of one resident chat, oldest first: (from the resident?, text)."""
    with Session(engine) as session:
        ins = session.exec(select(InboundMessage).where(
            InboundMessage.channel == channel, InboundMessage.chat_id == chat_id, InboundMessage.text != "",
        ).order_by(InboundMessage.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        outs = session.exec(select(OutboundMessage).where(
            OutboundMessage.channel == channel, OutboundMessage.chat_id == chat_id,
        ).order_by(OutboundMessage.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    # A reply is stored at its message's time, after it: sort by time, residents first on ties.
    merged = [(m.received_at, 0, m.id or 0, True, m.text) for m in ins] + \
             [(m.at, 1, m.id or 0, False, m.text) for m in outs]
    merged.sort()
    return [(mine, text) for *_, mine, text in merged[-limit:]]


class TelegramStore:
    """Reads and writes the front-end's tables; topic lookups are cached (one process owns a bot)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._threads: dict[tuple[str, str], int] | None = None
        self._rooms: dict[tuple[str, int], str] = {}
        self._groups: dict[str, bool] = {}

    def _load(self) -> dict[tuple[str, str], int]:
        if self._threads is None:
            with Session(self._engine) as session:
                rows = session.exec(select(TelegramTopic)).all()
            self._threads = {(r.chat_id, r.room): r.thread_id for r in rows}
            self._rooms = {(r.chat_id, r.thread_id): r.room for r in rows}
        return self._threads

    def thread_of(self, chat_id: int, room: str) -> int | None:
        """The topic id of ``room`` in the staff group, if one was created."""
        return self._load().get((str(chat_id), room))

    def room_of(self, chat_id: int, thread_id: int) -> str | None:
        """The staff room a topic stands for, if the bot created it."""
        self._load()
        return self._rooms.get((str(chat_id), thread_id))

    def save_topic(self, chat_id: int, room: str, thread_id: int, *, title: str, at: datetime) -> None:
        """Remember (or replace, after a deleted topic was recreated) the topic of ``room``."""
        threads = self._load()
        key = (str(chat_id), room)
        with Session(self._engine) as session, session.begin():
            row = session.exec(select(TelegramTopic).where(TelegramTopic.chat_id == key[0],
                                                           TelegramTopic.room == room)).first()
            if row is None:
                row = TelegramTopic(chat_id=key[0], room=room, thread_id=thread_id, title=title, created_at=at)
            else:
                self._rooms.pop((key[0], row.thread_id), None)
                row.thread_id, row.title, row.created_at = thread_id, title, at
            session.add(row)
        threads[key] = thread_id
        self._rooms[(key[0], thread_id)] = room

    def save_report(self, *, group_id: int, user_id: int, message_id: int, text: str, at: datetime) -> str:
        """Keep a group request for its author; returns the deep-link token."""
        token = secrets.token_urlsafe(12)
        with Session(self._engine) as session, session.begin():
            session.add(TelegramGroupReport(token=token, group_id=str(group_id), user_id=str(user_id),
                                            message_id=str(message_id), text=text, created_at=at))
        return token

    def extend_report(self, token: str, text: str) -> bool:
        """Add a follow-up line to a report not yet taken; False if it was taken meanwhile."""
        with Session(self._engine) as session, session.begin():
            row = session.exec(select(TelegramGroupReport).where(TelegramGroupReport.token == token)).first()
            if row is None or row.used_at is not None:
                return False
            row.text = f"{row.text}\n{text}"[:4000]
            session.add(row)
            return True

    def take_report(self, token: str, *, user_id: int, at: datetime) -> TelegramGroupReport | None:
        """The unused report behind ``token`` if ``user_id`` wrote it; marks it used."""
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            row = session.exec(select(TelegramGroupReport).where(TelegramGroupReport.token == token)).first()
            if row is None or row.user_id != str(user_id) or row.used_at is not None:
                return None
            row.used_at = at
            session.add(row)
            return row

    def group_enabled(self, chat_id: int) -> bool:
        """Whether the bot answers in this community group (on unless staff switched it off)."""
        key = str(chat_id)
        if key not in self._groups:
            with Session(self._engine) as session:
                row = session.get(TelegramGroup, key)
            self._groups[key] = row.enabled if row is not None else True
        return self._groups[key]

    def set_group(self, chat_id: int, *, title: str, enabled: bool, at: datetime) -> None:
        with Session(self._engine) as session, session.begin():
            row = session.get(TelegramGroup, str(chat_id))
            if row is None:
                row = TelegramGroup(chat_id=str(chat_id), title=title, enabled=enabled, updated_at=at)
            else:
                row.title, row.enabled, row.updated_at = title or row.title, enabled, at
            session.add(row)
        self._groups[str(chat_id)] = enabled
