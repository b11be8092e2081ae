"""The Telegram front-end (`desk run`): python-telegram-bot driving the service desk core.

The only module that imports ``telegram``. Updates are translated into
``Inbound`` values (``to_inbound``, pure), the desk decides, and
``TelegramTransport`` delivers its ``Outbound`` values: resident chats are
private chats; staff rooms are topics of the staff forum supergroup, one topic
per ticket handed to a person. Texts go out plain (no parse_mode), so resident
text can never inject markup. See docs/telegram.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import sys
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.config import Config, ConfigError
from bot.desk_process import DeskProcess, DeskProcessError, spec_for
from bot.messages import (
    AGENTS_ROOM,
    DUTY_ROOM,
    ENGINEERING_ROOM,
    MANAGER_ROOM,
    STAFF_CHANNEL,
    Attachment,
    AttachmentKind,
    Button,
    ChatRef,
    Inbound,
    Outbound,
    Role,
)
from bot.telegram_store import TelegramStore

logger = logging.getLogger(__name__)
# TelegramTransport._post_text sends through Bot.do_api_request, which advises Bot.send_message for a
# method the library wraps; the desk wants the send without parsing its answer (see _post_text).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning,
                        module=__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{5,}")
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024
MAX_TOPIC_TITLE = 128
SEND_RETRIES = 5  # 429s and network errors per message before giving up (logged)
POOL_TIMEOUT = 10.0  # seconds a send may wait for a free connection to the Bot API (then: a retried network error)
GROUP_REPORT_MERGE = timedelta(minutes=2)  # a user's group lines this close together are one request
KIND_ZH = {"repair": "报修", "complaint": "投诉", "renovation": "装修", "emergency": "紧急", "inquiry": "咨询"}
# One-shot buttons: the keyboard is removed once pressed, so a rating or an ack cannot be pressed twice.
KEEP_KEYBOARD_PREFIXES = ("show:", "add:")

RESIDENT_COMMANDS = {
    "zh": [("start", "开始 / 登记房号"), ("help", "能帮您做什么"), ("my", "我的工单"),
           ("human", "转人工客服"), ("cancel", "取消当前操作"), ("lang", "切换语言 zh / en")],
    "en": [("start", "start / register your flat"), ("help", "what the desk can do"), ("my", "my tickets"),
           ("human", "talk to a person"), ("cancel", "cancel the current step"), ("lang", "language zh / en")],
}
STAFF_COMMANDS = [("take", "接管对话"), ("note", "内部备注(不转发)"), ("close", "结束对话,交回机器人"),
                  ("queue", "待办队列"), ("show", "工单详情"), ("ack", "确认紧急事件")]

# Telegram-only wording (the desk's own wording lives in bot/templates).
TEXTS = {
    "zh": {
        "group_nudge": "收到。群消息容易被刷走,请点下方按钮私聊我登记,物业会按工单跟进。",
        "group_emergency": "如有危险请立即拨打 {hotline}!也可点下方按钮私聊我登记。",
        "group_button": "私聊登记",
        "group_private": "请点下方按钮私聊我办理。",
        "staff_only": "只有物业工作人员可以设置本机器人。",
        "group_on": "本群已开启报事提醒。",
        "group_off": "本群已关闭报事提醒。",
        "staff_group_only": "此群仅限已登记的物业工作人员使用。",
        "slow_down": "您发送得有点快,消息都已收到并记录,请稍候再发,我们会逐条处理。",
        "share_phone": "📱 分享手机号",
        "error": "系统暂时无法处理您的消息,紧急情况请直接拨打物业 24 小时热线 {hotline}。",
    },
    "en": {
        "group_nudge": "Noted. Group messages get lost easily: tap below to message me privately and "
                       "we'll open a ticket.",
        "group_emergency": "If anyone is in danger call {hotline} now! You can also tap below to report it.",
        "group_button": "Report privately",
        "group_private": "Please tap below and message me privately.",
        "staff_only": "Only property staff can configure this bot.",
        "group_on": "Request reminders are on in this group.",
        "group_off": "Request reminders are off in this group.",
        "staff_group_only": "This group is for registered property staff only.",
        "slow_down": "You're sending messages quickly. All of them are recorded; please wait a moment.",
        "share_phone": "📱 Share my phone number",
        "error": "Sorry, we cannot handle your message right now. In an emergency call {hotline}.",
    },
}

T = TypeVar("T")


class StartupError(Exception):
    """Something `desk run` needs is missing or wrong; the message says what to do."""


# ======================================================================================
# settings
# ======================================================================================
@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """What the front-end needs besides the desk's Config; the token never appears in a repr."""

    token: str = field(repr=False)
    staff_group_id: int
    room_topics: Mapping[str, int | None]  # staff room id ("duty", …) -> configured topic id
    staff_roles: Mapping[str, tuple[Role, ...]]  # Telegram user id -> roles
    hotline: str
    base_url: str | None = None
    base_file_url: str | None = None
    max_messages_per_second: float = 25.0
    flood_limit: int = 8  # messages a resident may send per flood_window before the polite slow-down
    flood_window: float = 10.0
    album_wait: float = 1.0  # seconds to gather an album's parts into one message to the desk
    # Updates handled at once (different chats only: one chat's messages stay in order): one chat's
    # sends to Telegram overlap the desk's work for another. Sized to Telegram's limit, not beyond:
    # at a 200 ms round trip and ~1.2 sends an update, 8 in flight carry ~35 updates/s, more than
    # the 30 messages/s Telegram lets a bot send; each one more in flight costs the front-end CPU
    # (more tasks, more pooled connections to check; docs/telegram.md, benchmark).
    concurrency: int = 8
    # Threads running the desk itself; 0 runs it on the event loop, fastest with SQLite or a nearby
    # PostgreSQL. Give it threads (up to ``concurrency``) only when database round trips are slow.
    desk_threads: int = 0
    # Open connections to the Bot API. httpcore checks every idle connection of its pool on each
    # request, so python-telegram-bot's default of 256 (which grows to as many connections as
    # requests ever ran at once) costs 11-20 % of the front-end's CPU (py-spy on bench_telegram.py).
    # Six carry Telegram's 30 messages/s at round trips up to 200 ms. Requests wait up to
    # POOL_TIMEOUT for one.
    http_connections: int = 6
    # The desk's core in a child process (bot/desk_process.py): the core and the Telegram side are
    # both CPU-bound Python, and apart they run on two cores. `desk run` builds it; tests that hand
    # build_application a desk object run that desk in-process.
    desk_process: bool = True

    @classmethod
    def from_config(cls, config: Config, token: str, **overrides: Any) -> TelegramSettings:
        """Check ``config`` and ``token`` for Telegram; StartupError names whatever is missing."""
        if not token:
            raise StartupError("TELEGRAM_BOT_TOKEN is not set: export the token @BotFather gave you")
        if not TOKEN_PATTERN.fullmatch(token):
            raise StartupError("TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC-…)")
        tg = config.telegram
        if tg.staff_group_id is None:
            raise StartupError("[telegram] staff_group_id is missing: the id of the staff forum supergroup "
                               "(e.g. -1001234567890) is needed for alerts and hand-overs")
        if tg.staff_group_id >= 0:
            raise StartupError("[telegram] staff_group_id must be a (negative) supergroup id such as -100…")
        roles = {m.telegram_id: m.roles for m in config.staff if m.telegram_id}
        if not roles:
            raise StartupError("[[staff]]: no member has a telegram_id, so nobody could answer residents")
        values: dict[str, Any] = {
            "token": token, "staff_group_id": tg.staff_group_id,
            "room_topics": {DUTY_ROOM.id: tg.duty_topic_id, ENGINEERING_ROOM.id: tg.engineering_topic_id,
                            AGENTS_ROOM.id: tg.agents_topic_id, MANAGER_ROOM.id: tg.manager_topic_id},
            "staff_roles": roles, "hotline": config.community.hotline, "base_url": tg.base_url,
            "max_messages_per_second": tg.max_messages_per_second,
            "concurrency": tg.concurrency, "desk_threads": tg.desk_threads,
            "http_connections": tg.http_connections, "desk_process": tg.desk_process,
        }
        return cls(**{**values, **overrides})


# ======================================================================================
# translating in
# ======================================================================================
@dataclass(frozen=True, slots=True)
class Directory:
    """What ``to_inbound`` needs to know: the staff group, who is staff, which topic is which room."""

    staff_group_id: int
    staff_roles: Mapping[str, tuple[Role, ...]]
    room_of_thread: Callable[[int], ChatRef | None]

    def role_of(self, user_id: int | None) -> Role:
        roles = self.staff_roles.get(str(user_id)) if user_id is not None else None
        return roles[0] if roles else Role.RESIDENT


def language_of(code: str | None) -> str | None:
    """Telegram's language_code ("zh-hans", "en-US") as the desk's "zh" / "en", else None."""
    if not code:
        return None
    short = code.lower()[:2]
    return short if short in ("zh", "en") else None


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """The files of a message as transport-neutral attachments (file ids are the refs)."""
    caption = message.caption
    if message.photo:
        return (Attachment(AttachmentKind.PHOTO, message.photo[-1].file_id, caption),)
    if message.animation:  # checked before document: an animation message carries both
        a = message.animation
        return (Attachment(AttachmentKind.ANIMATION, a.file_id, caption, a.file_name, a.mime_type),)
    for kind, media in (
        (AttachmentKind.VIDEO, message.video), (AttachmentKind.VOICE, message.voice),
        (AttachmentKind.AUDIO, message.audio), (AttachmentKind.DOCUMENT, message.document),
    ):
        if media is not None:
            return (Attachment(kind, media.file_id, caption, getattr(media, "file_name", None),
                               getattr(media, "mime_type", None)),)
    if message.sticker:
        return (Attachment(AttachmentKind.STICKER, message.sticker.file_id),)
    if message.video_note:
        return (Attachment(AttachmentKind.VIDEO_NOTE, message.video_note.file_id),)
    location = message.location or (message.venue.location if message.venue else None)
    if location is not None:
        return (Attachment(AttachmentKind.LOCATION, f"{location.latitude},{location.longitude}", caption),)
    return ()


def to_inbound(update: Update, directory: Directory, *, now: datetime | None = None) -> Inbound | None:
    """The desk's view of one update from a private chat or the staff group; None if not for the desk.

    A button press carries no time of its own: it gets ``now`` (default: the clock).

    Messages in community groups, service messages, other bots and plain
    chatter in the staff group's non-ticket topics give None.
    """
    query = update.callback_query
    message = query.message if query is not None else (update.message or update.edited_message)
    if message is None or not isinstance(message, Message):
        return None
    user = query.from_user if query is not None else message.from_user
    if user is None or user.is_bot:
        return None
    chat = message.chat
    if chat.type == "private":
        where = ChatRef(CHANNEL, str(chat.id))
    elif chat.id == directory.staff_group_id:
        thread = message.message_thread_id if message.is_topic_message else None
        room = directory.room_of_thread(thread) if thread is not None else None
        where = room or AGENTS_ROOM
    else:
        return None
    common: dict[str, Any] = {"sender_id": str(user.id), "sender_name": user.full_name,
                              "language": language_of(user.language_code), "role": directory.role_of(user.id)}
    if query is not None:
        if not query.data:
            return None
        # A press has no message id of its own; the query id is unique and repeats on redelivery.
        return Inbound(where, f"cb:{query.id}", now or datetime.now(UTC), action=query.data, **common)
    text = message.text or message.caption or ""
    attachments = attachments_of(message)
    phone = None
    if message.contact is not None:
        if message.contact.user_id == user.id:
            phone = message.contact.phone_number  # only one's own number registers a phone
        elif not text:  # someone else's card (a plumber, a neighbour): kept as what it says
            text = " ".join(p for p in (message.contact.first_name, message.contact.last_name,
                                        message.contact.phone_number) if p)
    if not text and not attachments and phone is None:
        return None  # joins, pins, topic events and other service messages
    if where.channel == STAFF_CHANNEL and not where.id.startswith("ticket:") \
            and not text.startswith("/") and not attachments:
        return None  # staff talking among themselves outside a ticket's topic
    edited = update.edited_message is not None
    received = message.date
    if edited and message.edit_date is not None:
        # An edit keeps the original's id and carries the edit's time: the desk stores it beside
        # the original (the pair is the edit's key) and notes it on the ticket, nothing more.
        received = message.edit_date
    return Inbound(where, str(message.message_id), received.astimezone(UTC), text=text, attachments=attachments,
                   album=message.media_group_id, phone=phone, edited=edited, **common)


# ======================================================================================
# delivering out
# ======================================================================================
def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces Telegram accepts (UTF-16 units), cut at line ends or spaces where possible."""
    pieces: list[str] = []
    rest = text
    while _utf16(rest) > limit:
        cut = _utf16_prefix(rest, limit)
        head = rest[:cut]
        for sep in ("\n", " ", "。", ","):
            at = head.rfind(sep)
            if at >= cut // 2:
                cut = at + 1
                break
        pieces.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:]
    if rest.strip() or not pieces:
        pieces.append(rest.rstrip("\n") if pieces else rest)
    return [p for p in pieces if p.strip()]


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def keyboard(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Desk buttons as an inline keyboard (actions longer than Telegram's 64 bytes are dropped, logged)."""
    rows = []
    for row in buttons:
        keys = []
        for button in row:
            if not 1 <= len(button.action.encode()) <= 64:
                logger.warning("button action of %d bytes dropped", len(button.action.encode()))
                continue
            keys.append(InlineKeyboardButton(button.label[:64], callback_data=button.action))
        if keys:
            rows.append(keys)
    return InlineKeyboardMarkup(rows) if rows else None


class SendPacer:
    """A token bucket keeping sends under the global messages-per-second limit."""

    def __init__(self, rate: float, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._tokens = rate
        self._sleep = sleep
        self._clock = clock
        self._last = clock()

    async def wait(self) -> None:
        now = self._clock()
        self._tokens = min(self._rate, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            await self._sleep((1 - self._tokens) / self._rate)
            self._tokens = 1
            self._last = self._clock()
        self._tokens -= 1


@dataclass(frozen=True, slots=True)
class Place:
    """Where on Telegram an Outbound goes."""

    chat_id: int
    thread_id: int | None = None
    room: str | None = None  # the staff room, for topics


class TelegramTransport:
    """Delivers the desk's Outbound values on Telegram; never raises for a failed delivery."""

    def __init__(self, bot: Bot, settings: TelegramSettings, topics: TelegramStore, *,
                 ticket_card: Callable[[str], tuple[str, str] | None] = lambda code: None,
                 on_failure: Callable[..., list[Outbound]] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._bot = bot
        self._settings = settings
        self._topics = topics
        self._ticket_card = ticket_card
        self._on_failure = on_failure
        self._sleep = sleep
        self._pacer = SendPacer(settings.max_messages_per_second, sleep=sleep, clock=clock)
        self._topic_lock = asyncio.Lock()  # one topic per ticket, even when two messages race to open it
        self._dead_topics: set[int] = set()  # configured room topics found deleted: General is used instead
        self.delivered = 0
        self.failed = 0

    async def deliver(self, messages: Sequence[Outbound]) -> None:
        """Send each message where it belongs, in order."""
        for out in messages:
            try:
                await self._deliver_one(out)
            except Exception:  # one bad message must not stop the others
                self.failed += 1
                logger.exception("delivering a message to %s failed", out.to.channel)

    async def _deliver_one(self, out: Outbound) -> None:
        place = await self._place(out.to, out.ticket)
        if place is None:
            return
        try:
            await self._send(place, out)
            self.delivered += 1
        except Forbidden as exc:
            await self._failed(out, f"forbidden: {exc.message}")
        except BadRequest as exc:
            if place.room is not None and "thread not found" in exc.message.lower():
                logger.warning("topic of staff room %s is gone; recreating it", place.room)
                again = await self._place(out.to, out.ticket, failed_thread=place.thread_id)
                if again is not None:
                    await self._send(again, out)
                    self.delivered += 1
                return
            if "chat not found" in exc.message.lower():
                await self._failed(out, "chat not found")
                return
            self.failed += 1
            logger.warning("Telegram refused a message to %s: %s", out.to.channel, exc.message)

    async def _failed(self, out: Outbound, reason: str) -> None:
        self.failed += 1
        logger.warning("delivery to %s chat failed: %s", out.to.channel, reason)
        if self._on_failure is None or out.to.channel == STAFF_CHANNEL:
            return
        notes = self._on_failure(out.to, reason=reason, now=datetime.now(UTC), ticket=out.ticket)
        for note in notes:
            if note.to.channel == STAFF_CHANNEL:  # never loop back into a resident chat
                await self._deliver_one(note)

    # -- where ------------------------------------------------------------------------------
    async def _place(self, to: ChatRef, ticket: str | None, *, failed_thread: int | None = None) -> Place | None:
        """Where ``to`` is on Telegram; ``failed_thread`` is a topic just found deleted."""
        if to.channel == CHANNEL:
            try:
                return Place(int(to.id))
            except ValueError:
                logger.warning("not a Telegram chat id: %r", to.id)
                return None
        if to.channel != STAFF_CHANNEL:
            logger.warning("no way to deliver to channel %s on Telegram", to.channel)
            return None
        group = self._settings.staff_group_id
        if to.id in self._settings.room_topics:
            thread = self._settings.room_topics[to.id]
            if thread is not None and (thread == failed_thread or thread in self._dead_topics):
                # A configured topic was deleted: post in General until the configuration is fixed.
                if thread not in self._dead_topics:
                    logger.error("the %s topic (%s) of the staff group is gone; fix [telegram] %s_topic_id",
                                 to.id, thread, to.id)
                    self._dead_topics.add(thread)
                thread = None
            return Place(group, thread, to.id if thread is not None else None)
        if to.id.startswith("ticket:"):
            thread = self._topics.thread_of(group, to.id)
            if thread is None or thread == failed_thread:
                async with self._topic_lock:
                    thread = self._topics.thread_of(group, to.id)
                    if thread is None or thread == failed_thread:  # else another message opened it meanwhile
                        thread = await self._open_topic(to.id.removeprefix("ticket:"),
                                                        recreated=failed_thread is not None)
            return Place(group, thread, to.id) if thread is not None else Place(group)
        logger.warning("unknown staff room %s; posting in the staff group", to.id)
        return Place(group)

    async def _open_topic(self, code: str, *, recreated: bool) -> int | None:
        """A forum topic for ticket ``code``, opened with the ticket's card; None if it cannot be made."""
        card = self._ticket_card(code)
        title = (card[0] if card else code)[:MAX_TOPIC_TITLE]
        group = self._settings.staff_group_id
        try:
            topic = await self._call(self._bot.create_forum_topic, group, title)
        except TelegramError as exc:
            logger.warning("could not create a topic for %s: %s", code, getattr(exc, "message", exc))
            return None
        thread = topic.message_thread_id
        self._topics.save_topic(group, f"ticket:{code}", thread, title=title, at=datetime.now(UTC))
        if card:
            text = ("(话题被删除后已重建)\n" if recreated else "") + card[1]
            for piece in split_text(text):
                await self._call(self._bot.send_message, group, piece, message_thread_id=thread)
        return thread

    # -- how --------------------------------------------------------------------------------
    async def _send(self, place: Place, out: Outbound) -> None:
        kw: dict[str, Any] = {}
        if place.thread_id is not None:
            kw["message_thread_id"] = place.thread_id
        markup: Any = keyboard(out.buttons)
        if markup is None and out.request_phone:
            lang = out.meta.get("lang") or ("zh" if re.search(r"[\u3400-\u9fff]", out.text) else "en")
            lang = lang if lang in TEXTS else "zh"
            markup = ReplyKeyboardMarkup([[KeyboardButton(TEXTS[lang]["share_phone"], request_contact=True)]],
                                         one_time_keyboard=True, resize_keyboard=True)
        pieces = split_text(out.text) if out.text.strip() else []
        for i, piece in enumerate(pieces):  # the keyboard goes with the last piece
            await self._call(self._post_text, place.chat_id, piece,
                             reply_markup=markup if i == len(pieces) - 1 else None, **kw)
        await self._send_attachments(place.chat_id, out.attachments, kw, markup if not pieces else None)

    async def _post_text(self, chat_id: int, text: str, *, reply_markup: Any = None,
                         message_thread_id: int | None = None) -> None:
        """sendMessage, without turning Telegram's answer into a ``Message`` nobody reads.

        ``Bot.send_message`` parses the sent message it gets back (about 70 µs with a keyboard, a
        tenth of a send's CPU); the desk never uses it. Plain text, as send_message sends it here.
        """
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            params["reply_markup"] = reply_markup
        if message_thread_id is not None:
            params["message_thread_id"] = message_thread_id
        await self._bot.do_api_request("sendMessage", api_kwargs=params)

    async def send_text(self, chat_id: int, text: str, **kwargs: Any) -> None:
        """One plain text outside the desk's flow (group nudges, refusals); failures are only logged."""
        try:
            await self._call(self._bot.send_message, chat_id, text, **kwargs)
        except TelegramError as exc:
            logger.info("Telegram refused a front-end message: %s", getattr(exc, "message", exc))

    async def _send_attachments(self, chat_id: int, attachments: Sequence[Attachment], kw: dict[str, Any],
                                markup: Any) -> None:
        visual = [a for a in attachments if a.kind in (AttachmentKind.PHOTO, AttachmentKind.VIDEO)]
        others = [a for a in attachments if a not in visual]
        if len(visual) >= 2:  # an album goes out as an album
            for start in range(0, len(visual), 10):
                chunk = visual[start:start + 10]
                if len(chunk) == 1:
                    others.insert(0, chunk[0])
                    continue
                media = [(InputMediaPhoto if a.kind == AttachmentKind.PHOTO else InputMediaVideo)(
                    a.ref, caption=(a.caption or None) and a.caption[:MAX_CAPTION]) for a in chunk]
                await self._call(self._bot.send_media_group, chat_id, media, **kw)
        else:
            others = visual + others
        for a in others:
            extra = dict(kw, reply_markup=markup) if markup is not None and a is others[-1] else kw
            try:
                await self._send_one_file(chat_id, a, extra)
            except (BadRequest, ValueError) as exc:  # one unusable file must not hold back the rest
                logger.warning("could not send a %s: %s", a.kind, getattr(exc, "message", exc))

    async def _send_one_file(self, chat_id: int, a: Attachment, kw: dict[str, Any]) -> None:
        caption = (a.caption or None) and a.caption[:MAX_CAPTION]
        match a.kind:
            case AttachmentKind.PHOTO:
                await self._call(self._bot.send_photo, chat_id, a.ref, caption=caption, **kw)
            case AttachmentKind.VIDEO:
                await self._call(self._bot.send_video, chat_id, a.ref, caption=caption, **kw)
            case AttachmentKind.VOICE:
                await self._call(self._bot.send_voice, chat_id, a.ref, caption=caption, **kw)
            case AttachmentKind.AUDIO:
                await self._call(self._bot.send_audio, chat_id, a.ref, caption=caption, **kw)
            case AttachmentKind.ANIMATION:
                await self._call(self._bot.send_animation, chat_id, a.ref, caption=caption, **kw)
            case AttachmentKind.STICKER:
                await self._call(self._bot.send_sticker, chat_id, a.ref, **kw)
            case AttachmentKind.VIDEO_NOTE:
                await self._call(self._bot.send_video_note, chat_id, a.ref, **kw)
            case AttachmentKind.LOCATION:
                lat, _, lon = a.ref.partition(",")
                await self._call(self._bot.send_location, chat_id, float(lat), float(lon), **kw)
            case _:
                await self._call(self._bot.send_document, chat_id, a.ref, caption=caption, **kw)

    async def _call(self, method: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Call the Bot API, waiting out 429s (retry_after) and retrying network errors."""
        for attempt in range(1, SEND_RETRIES + 1):
            await self._pacer.wait()
            try:
                return await method(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == SEND_RETRIES:
                    raise
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                logger.info("Telegram asks to slow down: waiting %.0f s", seconds)
                await self._sleep(seconds)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except (TimedOut, NetworkError) as exc:
                if attempt == SEND_RETRIES:
                    raise
                logger.warning("network error talking to Telegram (%s); retrying", exc.__class__.__name__)
                await self._sleep(0.2 * attempt)
        raise AssertionError("unreachable")


# ======================================================================================
# flood control and albums
# ======================================================================================
class FloodGate:
    """Per-user sliding window: says when a resident is sending faster than the desk should answer."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._warned_until: dict[str, float] = {}

    def check(self, user: str) -> str:
        """"ok", "slow" (first message over the limit: warn once) or "quiet" (over the limit, warned)."""
        now = self._clock()
        times = self._seen.setdefault(user, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        times.append(now)
        if len(self._seen) > 10_000:  # forget idle users so memory stays bounded
            for key in [k for k, v in self._seen.items() if not v or v[-1] <= now - self._window][:5_000]:
                self._seen.pop(key, None)
                self._warned_until.pop(key, None)
        if len(times) <= self._limit:
            return "ok"
        if self._warned_until.get(user, 0.0) > now:
            return "quiet"
        self._warned_until[user] = now + self._window
        return "slow"


@dataclass
class _Album:
    first: Inbound
    parts: list[Inbound]
    flush: asyncio.Task[None] | None = None


# ======================================================================================
# the front-end
# ======================================================================================
class TelegramFrontend:
    """Turns Telegram updates into desk calls and desk output into Telegram messages."""

    def __init__(self, desk: Any, transport: TelegramTransport, settings: TelegramSettings,
                 store: TelegramStore, *, classify: Callable[[str], Any] | None = None,
                 clock: Callable[[], float] = time.monotonic, desk_process: DeskProcess | None = None) -> None:
        self._desk = desk
        self._desk_process = desk_process  # when set, it answers residents and staff instead of ``desk``
        self._transport = transport
        self._settings = settings
        self._store = store
        self._classify = classify
        self._flood = FloodGate(settings.flood_limit, settings.flood_window, clock)
        self._albums: dict[str, _Album] = {}
        self._album_parts_seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._chat_locks: dict[ChatRef, tuple[asyncio.Lock, int]] = {}
        self._recent_reports: dict[tuple[int, int], tuple[str, datetime]] = {}  # (group, user) -> token, when
        # Worker threads for the desk only when asked for (a slow, remote database): on the loop the
        # desk's ~1 ms of Python costs no thread hop and no GIL hand-over, and the sends of one chat
        # still overlap the desk's work for another (bench_telegram.py: desk/core 0.24 -> 0.31).
        self._workers = ThreadPoolExecutor(min(settings.desk_threads, settings.concurrency),
                                           thread_name_prefix="desk") \
            if settings.desk_threads > 0 and settings.concurrency > 1 and desk_process is None else None
        self.directory = Directory(settings.staff_group_id, settings.staff_roles, self._room_of_thread)
        rooms = {topic: room for room, topic in settings.room_topics.items() if topic is not None}
        self._config_rooms = {topic: ChatRef(STAFF_CHANNEL, room) for topic, room in rooms.items()}

    def register(self, app: Application) -> None:
        """Add every handler to ``app`` (first match wins, so the order matters)."""
        staff_group = filters.Chat(self._settings.staff_group_id)
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, self.on_edit))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, self.on_private))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & staff_group, self.on_staff_group))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.GROUPS, self.on_group))
        app.add_error_handler(self.on_error)

    def _room_of_thread(self, thread: int) -> ChatRef | None:
        if thread in self._config_rooms:
            return self._config_rooms[thread]
        room = self._store.room_of(self._settings.staff_group_id, thread)
        return ChatRef(STAFF_CHANNEL, room) if room else None

    @property
    def desk_process(self) -> DeskProcess | None:
        return self._desk_process

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and str(user_id) in self._settings.staff_roles

    # -- handlers ---------------------------------------------------------------------------
    async def on_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A resident (or staff member) writes to the bot privately: the desk answers."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        inbound = to_inbound(update, self.directory)
        if inbound is None:
            return
        inbound = self._deep_link(inbound, user.id)
        if inbound.album is not None:
            await self._gather_album(inbound)
            return
        await self.handle(inbound)

    async def on_staff_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff write in the staff group: commands, notes, replies to a resident in a ticket's topic."""
        user = update.effective_user
        message = update.effective_message
        if user is None or message is None or user.is_bot:
            return
        if not self.is_staff(user.id):
            if (message.text or "").startswith("/"):
                await self._say(message.chat_id, "staff_group_only", user.language_code,
                                thread=message.message_thread_id if message.is_topic_message else None)
            return
        inbound = to_inbound(update, self.directory)
        if inbound is None:
            return
        if inbound.album is not None:
            await self._gather_album(inbound)
            return
        await self.handle(inbound)

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A resident edited a message: the edit is recorded beside the original, nothing is redone."""
        user = update.effective_user
        message = update.effective_message
        if user is None or message is None or message.chat.type != "private":
            return
        if self.is_staff(user.id):
            return  # an edited staff command must not run twice, nor a reply reach the resident twice
        inbound = to_inbound(update, self.directory)
        if inbound is not None:
            await self.handle(inbound)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button was pressed: answered at once, then the desk acts on it."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        in_staff_group = message is not None and message.chat.id == self._settings.staff_group_id
        if in_staff_group and not self.is_staff(query.from_user.id):
            lang = language_of(query.from_user.language_code) or "zh"
            await self._quietly(query.answer(TEXTS[lang]["staff_group_only"], show_alert=True))
            return
        await self._quietly(query.answer())
        inbound = to_inbound(update, self.directory)
        if inbound is None:
            return
        if isinstance(message, Message) and message.reply_markup and not (query.data or "").startswith(
                KEEP_KEYBOARD_PREFIXES):
            await self._quietly(message.edit_reply_markup(reply_markup=None))
        await self.handle(inbound)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot joined or left a chat: only staff may add it to a community group."""
        change = update.my_chat_member
        if change is None or change.chat.type == "private":
            return  # a resident blocking the bot is noticed on the next delivery
        chat = change.chat
        joined = change.new_chat_member.status in ("member", "administrator")
        was_in = change.old_chat_member.status in ("member", "administrator")
        if not joined or was_in or chat.id == self._settings.staff_group_id:
            return
        if not self.is_staff(change.from_user.id):
            logger.info("added to group %s by a non-staff user: leaving", chat.id)
            await self._quietly(context.bot.leave_chat(chat.id))
            return
        self._store.set_group(chat.id, title=chat.title or "", enabled=True, at=datetime.now(UTC))

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A community group: requests get a short reply with a button to report them privately."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or user.is_bot:
            return
        text = message.text or message.caption or ""
        lang = language_of(user.language_code) or "zh"
        command = ""
        if text.startswith("/"):
            command, _, addressee = text.split(maxsplit=1)[0].lower().partition("@")
            if addressee and addressee != (context.bot.username or "").lower():
                return  # a command for another bot in the group
        if command in ("/desk_on", "/desk_off"):
            if not self.is_staff(user.id):
                await self._say(message.chat_id, "staff_only", lang, reply_to=message.message_id)
                return
            enabled = command == "/desk_on"
            self._store.set_group(message.chat_id, title=message.chat.title or "", enabled=enabled,
                                  at=datetime.now(UTC))
            await self._say(message.chat_id, "group_on" if enabled else "group_off", lang)
            return
        if not text or not self._store.group_enabled(message.chat_id):
            return
        if command:
            await self._say(message.chat_id, "group_private", lang, reply_to=message.message_id,
                            link=self._deep_link_url(context.bot, None))
            return
        if self._classify is None:
            return
        intent = str(self._classify(text).intent)
        now = datetime.now(UTC)
        key = (message.chat_id, user.id)
        recent = self._recent_reports.get(key)
        if intent != "emergency" and recent is not None and now - recent[1] < GROUP_REPORT_MERGE:
            # People split one request over several lines: they join the report already offered.
            if self._store.extend_report(recent[0], text):
                self._recent_reports[key] = (recent[0], now)
            return
        if intent not in ("repair", "complaint", "emergency"):
            return
        token = self._store.save_report(group_id=message.chat_id, user_id=user.id, message_id=message.message_id,
                                        text=text, at=now)
        self._recent_reports[key] = (token, now)
        if len(self._recent_reports) > 10_000:
            self._recent_reports = {k: v for k, v in self._recent_reports.items() if now - v[1] < GROUP_REPORT_MERGE}
        await self._say(message.chat_id, "group_emergency" if intent == "emergency" else "group_nudge", lang,
                        reply_to=message.message_id, link=self._deep_link_url(context.bot, token))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure; the resident gets a fixed apology with the hotline, never the details."""
        logger.error("error while handling an update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None \
                and update.effective_chat.type == "private":
            lang = language_of(update.effective_user.language_code if update.effective_user else None) or "zh"
            await self._quietly(context.bot.send_message(
                update.effective_chat.id, TEXTS[lang]["error"].format(hotline=self._settings.hotline)))

    # -- the desk ---------------------------------------------------------------------------
    async def handle(self, inbound: Inbound) -> None:
        """Pass ``inbound`` to the desk and deliver its answer (politely held back during a flood).

        Messages of one chat are handled one at a time, in arrival order; other chats go on
        meanwhile (while this one's replies are on their way, or in ``desk_threads``).
        """
        async with self._chat_turn(inbound.chat):
            flood = "ok"
            if inbound.chat.channel == CHANNEL and inbound.action is None:
                flood = self._flood.check(inbound.chat.id)
            if self._desk_process is not None:
                outbounds = await self._desk_process.handle(inbound)
            elif self._workers is not None:
                outbounds = await asyncio.get_running_loop().run_in_executor(self._workers, self._desk.handle,
                                                                             inbound)
            else:
                outbounds = self._desk.handle(inbound)
            if flood != "ok":
                # Nothing is dropped: the desk has recorded and acted on the message; only the
                # replies to this resident are replaced by one slow-down notice per window.
                outbounds = [o for o in outbounds if o.to != inbound.chat]
                if flood == "slow":
                    lang = inbound.language or "zh"
                    outbounds.insert(0, Outbound(inbound.chat, TEXTS[lang]["slow_down"]))
            await self._transport.deliver(outbounds)

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat: ChatRef) -> AsyncIterator[None]:
        """One chat's turn (FIFO); the lock is forgotten when nobody waits for it."""
        lock, users = self._chat_locks.get(chat, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._chat_locks[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chat_locks[chat]
            if users <= 1:
                del self._chat_locks[chat]
            else:
                self._chat_locks[chat] = (lock, users - 1)

    def _deep_link(self, inbound: Inbound, user_id: int) -> Inbound:
        """``/start g_TOKEN`` from a group's button becomes the request its author posted there."""
        if not inbound.text.startswith("/start"):
            return inbound
        parts = inbound.text.split(maxsplit=1)
        payload = parts[1].strip() if len(parts) > 1 else ""
        if not payload:
            return inbound
        report = None
        if payload.startswith("g_"):
            report = self._store.take_report(payload[2:], user_id=user_id, at=inbound.received_at)
        if report is None:
            return _replace(inbound, text="/start")
        return _replace(inbound, text=report.text)

    def _deep_link_url(self, bot: Bot, token: str | None) -> str:
        return f"https://t.me/{bot.username}" + (f"?start=g_{token}" if token else "")

    async def _gather_album(self, part: Inbound) -> None:
        """Collect an album's parts (they arrive as separate messages) into one message to the desk."""
        key = (part.chat.id, part.message_id)
        if key in self._album_parts_seen:
            return  # the same part delivered twice
        self._album_parts_seen[key] = None
        if len(self._album_parts_seen) > 5_000:
            self._album_parts_seen.popitem(last=False)
        album_key = f"{part.chat.channel}:{part.chat.id}:{part.album}"
        album = self._albums.get(album_key)
        if album is None:
            album = self._albums[album_key] = _Album(first=part, parts=[])
        album.parts.append(part)
        if album.flush is not None:
            album.flush.cancel()
        album.flush = asyncio.get_running_loop().create_task(self._flush_album_later(album_key))

    async def _flush_album_later(self, album_key: str) -> None:
        await asyncio.sleep(self._settings.album_wait)
        await self.flush_album(album_key)

    async def flush_album(self, album_key: str) -> None:
        album = self._albums.pop(album_key, None)
        if album is None:
            return
        parts = sorted(album.parts, key=lambda p: int(p.message_id) if p.message_id.isdigit() else 0)
        first = parts[0]
        text = "\n".join(p.text for p in parts if p.text)
        attachments = tuple(a for p in parts for a in p.attachments)
        try:
            await self.handle(_replace(first, text=text, attachments=attachments,
                                       message_id=f"{first.message_id}.album"))
        except Exception:
            logger.exception("handling an album failed")

    def close(self) -> None:
        """Let the desk's worker threads end (after the last update)."""
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None

    async def flush_albums(self) -> None:
        """Hand every album still being gathered to the desk now (shutdown, tests)."""
        for key in list(self._albums):
            album = self._albums.get(key)
            if album is not None and album.flush is not None:
                album.flush.cancel()
            await self.flush_album(key)

    async def _say(self, chat_id: int, key: str, language: str | None, *, reply_to: int | None = None,
                   thread: int | None = None, link: str | None = None) -> None:
        lang = language_of(language) or "zh"
        text = TEXTS[lang][key].format(hotline=self._settings.hotline)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(TEXTS[lang]["group_button"], url=link)]]) \
            if link else None
        kw: dict[str, Any] = {"reply_markup": markup}
        if reply_to is not None:
            kw["reply_to_message_id"] = reply_to
        if thread is not None:
            kw["message_thread_id"] = thread
        await self._transport.send_text(chat_id, text, **kw)

    @staticmethod
    async def _quietly(call: Awaitable[Any]) -> None:
        """Best-effort calls (answering a button, removing a keyboard): a refusal is only logged."""
        try:
            await call
        except TelegramError as exc:
            logger.info("best-effort Telegram call refused: %s", getattr(exc, "message", exc))


def _replace(inbound: Inbound, **changes: Any) -> Inbound:
    return dataclasses.replace(inbound, **changes)


# ======================================================================================
# ticket cards
# ======================================================================================
def ticket_card_reader(store: Any) -> Callable[[str], tuple[str, str] | None]:
    """A function giving a ticket's topic title and opening card (resident, place, conversation so far)."""
    from bot.telegram_store import conversation
    from bot.workflow import STATUS_ZH, Status

    def card(code: str) -> tuple[str, str] | None:
        ticket = store.ticket(code)
        if ticket is None:
            return None
        with store.work() as w:
            resident = w.resident_by_id(ticket.resident_id)
            events = w.events(ticket)
        flat = ticket.place or "".join(
            p for p in ((ticket.building or "") and f"{ticket.building}栋", (ticket.unit or "") and
                        f"{ticket.unit}单元", ticket.room or "") if p)
        kind = KIND_ZH.get(ticket.kind, ticket.kind)
        title = " ".join(p for p in (ticket.code, kind, flat) if p)
        status = STATUS_ZH.get(Status(ticket.status), ticket.status) if ticket.status in Status._value2member_map_ \
            else ticket.status
        lines = [f"🎫 {ticket.code} · {kind} · {status}"]
        if resident is not None:
            lines.append(f"住户:{resident.name or '—'}  电话:{resident.phone or '未登记'}")
        if flat:
            lines.append(f"位置:{flat}")
        if ticket.description:
            lines.append(f"内容:{ticket.description}")
        talk: list[str] = []
        if resident is not None:
            for mine, text in conversation(store.engine, channel=resident.channel, chat_id=resident.chat_id):
                talk.append(f"{'住户' if mine else '机器人'}:{_shorten(text, 300 if mine else 120)}")
        talk += [f"[内部] {e.actor.removeprefix('staff:')}:{_shorten(e.text, 300)}"
                 for e in events if e.kind == "note" and e.text]
        if talk:
            lines.append("—— 对话记录 ——")
            lines.extend(talk)
        lines.append("在本话题直接回复即可发给住户;/take 接管,/note 内部备注,/close 交回机器人。")
        return title, "\n".join(lines)

    return card


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ======================================================================================
# building and running
# ======================================================================================
def quiet_library_loggers() -> None:
    """Keep request URLs (they contain the token) out of the logs, whatever the root level."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("telegram.ext").setLevel(logging.INFO)


class RedactToken(logging.Filter):
    """Belt and braces: replace the token in any log record that still contains it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg = record.getMessage().replace(self._token, "<token>")
            record.args = None
        return True


@dataclass
class Running:
    """The pieces of a built application, for the composition root and tests."""

    app: Application
    frontend: TelegramFrontend
    transport: TelegramTransport
    store: TelegramStore


def build_application(settings: TelegramSettings, desk: Any, config: Config | None = None, *,
                      start_scheduler: bool = True, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                      clock: Callable[[], float] = time.monotonic, notices: bool = True,
                      desk_process: DeskProcess | None = None) -> Running:
    """Build the Telegram application around ``desk``; tests point ``settings.base_url`` at an emulator.

    With ``desk_process`` (started in post_init, stopped in post_stop), messages are answered by
    the desk in that process; ``desk`` still runs the sweeps and reads ticket cards.

    With ``notices`` (and a ``config``), staff can broadcast notices from Telegram
    (bot/notices/telegram.py), and every send of the bot shares one budget within
    Telegram's limits, conversations first.
    """
    quiet_library_loggers()
    builder = Application.builder().token(settings.token).job_queue(None)
    with_notices = notices and config is not None
    if with_notices:
        from bot.notices.broadcast import SendLimiter, SendLimits
        from bot.notices.telegram import NoticeRateLimiter

        send_limiter = SendLimiter(SendLimits())
        builder = builder.rate_limiter(NoticeRateLimiter(send_limiter))
    if settings.concurrency > 1:
        builder = builder.concurrent_updates(settings.concurrency)
    builder = builder.connection_pool_size(settings.http_connections).pool_timeout(POOL_TIMEOUT)
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    store = TelegramStore(desk.store.engine)
    holder: dict[str, Any] = {}

    async def post_init(app: Application) -> None:
        await check_staff_group(app.bot, settings.staff_group_id)
        await set_commands(app.bot, settings.staff_group_id)
        if desk_process is not None:
            try:
                await desk_process.start()
            except DeskProcessError as exc:
                raise StartupError(str(exc)) from None
        if start_scheduler and config is not None:
            from bot.scheduler import build_scheduler

            scheduler = build_scheduler(desk, holder["transport"], config)
            scheduler.start()
            holder["scheduler"] = scheduler

    async def post_stop(app: Application) -> None:
        # Still connected here (shutdown comes next): albums being gathered are not lost.
        await holder["frontend"].flush_albums()
        holder["frontend"].close()
        if desk_process is not None:
            await desk_process.close()
        scheduler = holder.pop("scheduler", None)
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    app = builder.post_init(post_init).post_stop(post_stop).build()
    transport = TelegramTransport(app.bot, settings, store, ticket_card=ticket_card_reader(desk.store),
                                  on_failure=desk.delivery_failed, sleep=sleep, clock=clock)
    classify = None
    try:
        import intents

        classify = intents.classify
    except ImportError:  # pragma: no cover - the classifier ships with the desk
        logger.warning("intents not available: community groups get no replies")
    frontend = TelegramFrontend(desk, transport, settings, store, classify=classify, clock=clock,
                                desk_process=desk_process)
    frontend.register(app)
    if with_notices:
        from bot.notices.telegram import register as register_notices

        register_notices(app, engine=desk.store.engine, config=config, limiter=send_limiter)
    holder.update(transport=transport, frontend=frontend)
    return Running(app, frontend, transport, store)


async def preflight(settings: TelegramSettings) -> None:
    """Check the token (getMe) and the staff group before anything else starts."""
    bot = Bot(settings.token, base_url=settings.base_url or "https://api.telegram.org/bot",
              base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot")
    try:
        await bot.initialize()
        await check_staff_group(bot, settings.staff_group_id)
    finally:
        await bot.shutdown()


async def check_staff_group(bot: Bot, staff_group_id: int) -> None:
    """Fail at start unless the staff group exists, is a forum and has the bot in it."""
    try:
        chat = await bot.get_chat(staff_group_id)
    except (BadRequest, Forbidden) as exc:
        raise StartupError(f"the staff group {staff_group_id} is not reachable ({exc.message}); "
                           "add the bot to it as an administrator") from None
    if not chat.is_forum:
        raise StartupError(f"the staff group {staff_group_id} is not a forum: turn on Topics in its settings")


async def set_commands(bot: Bot, staff_group_id: int) -> None:
    """The command menus: residents' in private chats (zh, en) and staff's in the staff group."""
    for lang, commands in RESIDENT_COMMANDS.items():
        await bot.set_my_commands([BotCommand(c, d) for c, d in commands], scope=BotCommandScopeAllPrivateChats(),
                                  language_code=None if lang == "zh" else lang)
    await bot.set_my_commands([BotCommand(c, d) for c, d in STAFF_COMMANDS],
                              scope=BotCommandScopeChat(staff_group_id))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="desk run", description="Run the service desk on Telegram.")
    parser.add_argument("--config", type=Path, default=None,
                        help="configuration file (default: desk.toml if present, else desk.example.toml)")
    parser.add_argument("--webhook", metavar="URL", default=None,
                        help="receive updates by webhook at this public HTTPS URL instead of long polling")
    parser.add_argument("--listen", default="127.0.0.1", help="webhook: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="webhook: port to listen on (default 8443)")
    parser.add_argument("--base-url", default=None,
                        help="Bot API base URL, e.g. http://localhost:8081/bot for a local Bot API server")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--db", default=None, metavar="URL",
                        help="database URL or SQLite file path (default: DATABASE_URL, the configuration)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """`desk run`: long polling by default, ``--webhook URL`` with the secret token checked."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_library_loggers()
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # retry_after as a timedelta (PTB's announced default)
    try:
        config, settings, secret = load_settings(args, os.environ, token)
        asyncio.run(preflight(settings))  # fail fast, before the database and the handbook are loaded
        desk = build_desk_for(config)
        running = build_application(settings, desk, config,
                                    desk_process=DeskProcess(spec_for(config)) if settings.desk_process else None)
    except (StartupError, ConfigError) as exc:
        sys.stderr.write(f"desk run: {exc}\n")
        return 2
    except InvalidToken:
        sys.stderr.write("desk run: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather\n")
        return 2
    except NetworkError as exc:
        sys.stderr.write(f"desk run: cannot reach the Bot API ({exc.__class__.__name__}); check the network "
                         "or --base-url\n")
        return 2
    except Exception as exc:  # noqa: BLE001 - e.g. an unreadable handbook or an unreachable database
        sys.stderr.write(f"desk run: cannot start: {exc}\n")
        return 2
    try:
        if args.webhook:
            running.app.run_webhook(listen=args.listen, port=args.port, url_path=urlsplit(args.webhook).path,
                                    webhook_url=args.webhook, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        else:
            running.app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except StartupError as exc:
        sys.stderr.write(f"desk run: {exc}\n")
        return 2
    except InvalidToken:
        sys.stderr.write("desk run: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather\n")
        return 2
    return 0


def load_settings(args: argparse.Namespace, environ: Mapping[str, str],
                  token: str) -> tuple[Config, TelegramSettings, str | None]:
    """Read the configuration and check everything `desk run` needs before connecting."""
    from bot.config import EXAMPLE_CONFIG, load_config

    path = args.config or (Path("desk.toml") if Path("desk.toml").exists() else EXAMPLE_CONFIG)
    config = load_config(path, environ=environ)
    if getattr(args, "db", None):  # --db wins over DATABASE_URL and the file, as in every other command
        from dataclasses import replace

        from bot.db import database_url
        config = replace(config, database_url=database_url(args.db))
    overrides: dict[str, Any] = {}
    base_url = args.base_url or environ.get("TELEGRAM_BASE_URL") or config.telegram.base_url
    if base_url:
        overrides["base_url"] = base_url
        overrides["base_file_url"] = base_url.rstrip("/").removesuffix("/bot") + "/file/bot" \
            if base_url.rstrip("/").endswith("/bot") else None
    settings = TelegramSettings.from_config(config, token, **overrides)
    secret = None
    if args.webhook:
        if not args.webhook.startswith("https://") and not args.webhook.startswith("http://127.0.0.1"):
            raise StartupError("--webhook needs a public https:// URL")
        try:
            import tornado  # noqa: F401  (PTB's webhook server)
        except ImportError:
            raise StartupError("webhook mode needs python-telegram-bot[webhooks] (tornado); "
                               "install it or use long polling") from None
        secret = environ.get("TELEGRAM_WEBHOOK_SECRET") or config.telegram.webhook_secret
        if not secret:
            raise StartupError("a webhook needs a secret token: set TELEGRAM_WEBHOOK_SECRET or "
                               "[telegram] webhook_secret (letters, digits, _ and -)")
        if not SECRET_PATTERN.fullmatch(secret):
            raise StartupError("the webhook secret may contain only letters, digits, _ and - (1–256 characters)")
    return config, settings, secret


def build_desk_for(config: Config) -> Any:
    """The desk for ``config``, with the front-end's tables created beside the desk's."""
    from bot.desk import build_desk

    return build_desk(config)
