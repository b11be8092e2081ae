"""Talking to a ServiceDesk in tests: transcripts as data (house style §8.13)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.messages import DUTY_ROOM, STAFF_CHANNEL, Attachment, ChatRef, Inbound, Outbound
from bot.models import Ticket

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
_MESSAGE_IDS = itertools.count(1)  # unique across every Person, as a real chat's ids would be


@dataclass
class Clock:
    """A fake "now" that moves forward only when told (and a second per message)."""

    now: datetime = T0

    def tick(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Person:
    """Someone writing to the desk from one chat; builds Inbound messages with fresh ids."""

    desk: object
    chat: ChatRef
    clock: Clock
    sender_id: str = ""
    name: str = ""
    language: str | None = None
    last: list[Outbound] = field(default_factory=list)

    def inbound(self, text: str = "", *, action: str | None = None,
                attachments: tuple[Attachment, ...] = (), message_id: str | None = None,
                chat: ChatRef | None = None, **extra) -> Inbound:
        return Inbound(
            chat=chat or self.chat, message_id=message_id or f"m{next(_MESSAGE_IDS)}",
            received_at=self.clock.tick(), text=text, sender_id=self.sender_id or self.chat.id,
            sender_name=self.name, attachments=attachments, action=action, language=self.language, **extra,
        )

    def send(self, text: str = "", **kw) -> list[Outbound]:
        self.last = self.desk.handle(self.inbound(text, **kw))
        return self.last

    def says(self, text: str = "", **kw) -> list[str]:
        """Send ``text`` and return what this person's own chat receives back."""
        return [o.text for o in self.send(text, **kw) if o.to == (kw.get("chat") or self.chat)]

    def press(self, action: str, **kw) -> list[str]:
        return self.says("", action=action, **kw)


def talk(person: Person, *texts: str) -> list[tuple[str, list[str]]]:
    """Feed ``texts`` in order; pair each with the replies sent to the person's chat."""
    return [(text, person.says(text)) for text in texts]


def to_resident(out: list[Outbound], chat: ChatRef) -> list[Outbound]:
    return [o for o in out if o.to == chat]


def to_staff(out: list[Outbound], room: ChatRef | None = None) -> list[Outbound]:
    """Messages for staff rooms (all, or one room)."""
    return [o for o in out if o.to.channel == STAFF_CHANNEL and (room is None or o.to == room)]


def actions(message: Outbound) -> list[str]:
    return [b.action for row in message.buttons for b in row]


def emergency_codes(person: Person) -> list[str]:
    """Every emergency ticket (E-) in the person's desk, oldest first."""
    with person.desk.store.work() as w:
        return list(w.session.exec(select(Ticket.code).where(Ticket.code.startswith("E-"))).all())


def relayed_once(out: list[Outbound], code: str, text: str) -> None:
    """The duty room got exactly one message, on ticket ``code``, carrying what the resident wrote."""
    relay = to_staff(out, DUTY_ROOM)
    assert len(relay) == 1 and relay[0].ticket == code and text in relay[0].text, relay
