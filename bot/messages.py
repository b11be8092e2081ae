"""The core's vocabulary: transport-neutral values going in and out of the desk.

Standard library only. Telegram, the terminal and the tests translate their own
events into ``Inbound`` and deliver ``Outbound`` however their channel can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """Who is talking to the desk."""

    RESIDENT = "resident"
    AGENT = "agent"
    ENGINEER = "engineer"
    SECURITY = "security"
    MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message came from or goes to, on some channel.

    ``channel`` is "telegram", "console", "test", or "staff" for the staff
    rooms below; ``id`` is the channel's own chat id as a string.
    """

    channel: str
    id: str


# Staff rooms. The desk addresses staff by room; each transport maps a room to
# its own place (on Telegram: a topic of the staff forum supergroup).
STAFF_CHANNEL = "staff"
DUTY_ROOM = ChatRef(STAFF_CHANNEL, "duty")  # emergencies, "I'm on it"
ENGINEERING_ROOM = ChatRef(STAFF_CHANNEL, "engineering")  # repair dispatch
AGENTS_ROOM = ChatRef(STAFF_CHANNEL, "agents")  # the queue of chats handed to a person
MANAGER_ROOM = ChatRef(STAFF_CHANNEL, "manager")  # escalations


def ticket_room(code: str) -> ChatRef:
    """The staff room of one ticket handed to a person (a forum topic on Telegram)."""
    return ChatRef(STAFF_CHANNEL, f"ticket:{code}")


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"
    AUDIO = "audio"
    DOCUMENT = "document"
    ANIMATION = "animation"
    STICKER = "sticker"
    VIDEO_NOTE = "video_note"
    LOCATION = "location"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the resident or staff sent; ``ref`` is the transport's file id."""

    kind: AttachmentKind
    ref: str
    caption: str | None = None
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message (or button press) arriving at the desk, whatever its channel.

    ``message_id`` is unique within ``chat`` and is the idempotency key: the
    same (chat, message_id) handled twice has no second effect. An edit keeps
    the original message's id and sets ``edited``. ``action`` is the opaque
    data of a pressed button (``Button.action``). ``received_at`` is aware UTC
    and is the desk's notion of "now" for this message.
    """

    chat: ChatRef
    message_id: str
    received_at: datetime
    text: str = ""
    sender_id: str = ""
    sender_name: str = ""
    attachments: tuple[Attachment, ...] = ()
    album: str | None = None  # media-group id: an album's parts belong together
    action: str | None = None
    language: str | None = None  # "zh" or "en" hint from the transport
    phone: str | None = None  # a shared contact's phone number
    edited: bool = False
    role: Role = Role.RESIDENT


@dataclass(frozen=True, slots=True)
class Button:
    """An inline choice; ``action`` is opaque and at most 64 bytes (Telegram's limit)."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message the desk wants delivered.

    ``buttons`` are rows of buttons. ``ticket`` names the ticket the message
    belongs to, so a transport can thread it (e.g. into that ticket's topic).
    ``urgent`` marks alerts that should notify loudly.
    """

    to: ChatRef
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    ticket: str | None = None
    urgent: bool = False
    request_phone: bool = False  # ask the resident to share their phone number
    meta: dict[str, str] = field(default_factory=dict, compare=False)


class Transport(Protocol):
    """Delivers what the desk says on one channel."""

    async def deliver(self, messages: Sequence[Outbound]) -> None: ...
