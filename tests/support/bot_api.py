"""A local Telegram Bot API emulator for tests and benchmarks (HTTP on 127.0.0.1).

It keeps state the way Telegram does (users, private chats, groups, forum
supergroups with topics, messages with ids per chat, files, callback queries,
commands, pins, members, blocked users) and answers like Telegram: the same
JSON shapes, 400 for bad requests, 403 for blocked users and kicked bots, 429
with ``parameters.retry_after`` when a configured rate limit is exceeded.

Use it as a context manager; point python-telegram-bot at ``base_url`` and
``file_base_url``. Test helpers (``user_says``, ``user_presses``, ...) inject
updates as a user would; readers (``sent_to``, ``texts``) show what the bot
sent. Every public method is thread-safe: the HTTP server runs in its own
threads while the test and the bot run in the asyncio loop.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import math
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN = "123456:TEST-token-never-real"
BOT_ID = 123456
BOT_USERNAME = "resident_desk_bot"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
ANY = object()  # "any thread" for the readers

Json = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Limits:
    """Rate limits (None = unlimited) and 429 injection.

    Telegram's documented limits are about 30 messages a second overall, 20 a
    minute in one group and 1 a second in one private chat (bursts allowed).
    ``fail_every`` answers 429 to every Nth message-sending call; ``scripted``
    holds method names whose next call answers 429 (consumed in order).
    """

    global_per_second: int | None = None
    group_per_minute: int | None = None
    private_per_second: int | None = None
    fail_every: int | None = None
    scripted: list[str] = field(default_factory=list)
    injected_retry_after: int = 1


class _Window:
    """Sliding-window counter: at most ``limit`` events per ``span`` seconds."""

    __slots__ = ("limit", "span", "times")

    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.times: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return 0.0
        return self.times[0] + self.span - now

    def add(self, now: float) -> None:
        self.times.append(now)


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False
    topics: dict[int, Topic] = field(default_factory=dict)
    next_message_id: int = 1
    bot_status: str = "member"  # member | administrator | left | kicked
    blocked: bool = False  # private chats: the user blocked the bot
    pinned: list[int] = field(default_factory=list)
    members: dict[int, str] = field(default_factory=dict)  # user id -> status

    def to_json(self) -> Json:
        data: Json = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.username is not None:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class StoredFile:
    file_id: str
    unique_id: str
    kind: str
    data: bytes
    path: str


# Upload kinds and their message fields; "photo" is special (a list of sizes).
SEND_KINDS = {
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendDocument": "document",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}
MESSAGE_METHODS = frozenset(
    [*SEND_KINDS, "sendMessage", "sendLocation", "sendContact", "sendMediaGroup", "copyMessage", "forwardMessage"]
)
CONTENT_FIELDS = ("text", "photo", "video", "voice", "audio", "document", "animation", "sticker",
                  "video_note", "location", "contact")
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
             "tg-spoiler", "span", "blockquote", "tg-emoji"}
MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_entities(text: str, parse_mode: str | None) -> None:
    """Reject text Telegram could not parse in ``parse_mode``, with Telegram's wording."""
    if not parse_mode:
        return
    mode = parse_mode.lower()
    if mode == "html":
        stack: list[str] = []
        for match in re.finditer(r"<(/?)([a-zA-Z][\w-]*)?[^>]*>|<|&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
            offset = len(text[: match.start()].encode())
            token = match.group(0)
            if token == "<":
                raise bad(f"can't parse entities: unsupported start tag \"\" at byte offset {offset}")
            if token.startswith("&"):
                raise bad(f"can't parse entities: unsupported entity name at byte offset {offset}")
            closing, name = match.group(1), (match.group(2) or "").lower()
            if name not in HTML_TAGS:
                raise bad(f"can't parse entities: unsupported start tag \"{name}\" at byte offset {offset}")
            if closing:
                if not stack or stack[-1] != name:
                    raise bad(f"can't parse entities: unmatched end tag at byte offset {offset}, "
                              f"expected \"</{stack[-1] if stack else ''}>\", found \"</{name}>\"")
                stack.pop()
            else:
                stack.append(name)
        if stack:
            raise bad(f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\"")
    elif mode == "markdownv2":
        open_marks: dict[str, int] = {}
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\\":
                i += 2
                continue
            if ch in "*_~`|":
                if ch in open_marks:
                    del open_marks[ch]
                else:
                    open_marks[ch] = i
            elif ch in MDV2_RESERVED and ch not in "[]()":
                raise bad(f"can't parse entities: character '{ch}' is reserved and must be escaped "
                          "with the preceding '\\'")
            i += 1
        if open_marks:
            start = min(open_marks.values())
            raise bad(f"can't parse entities: can't find end of the entity starting at byte offset "
                      f"{len(text[:start].encode())}")
    elif mode == "markdown":
        for mark in "*_`":
            if text.count(mark) % 2:
                start = text.rfind(mark)
                raise bad(f"can't parse entities: can't find end of the entity starting at byte offset "
                          f"{len(text[:start].encode())}")
    else:
        raise bad("unsupported parse_mode")


class BotApiEmulator:
    """A stateful Telegram Bot API on 127.0.0.1; a context manager exposing ``base_url``."""

    def __init__(self, *, token: str = TOKEN, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic, record_calls: bool = True) -> None:
        self.token = token
        self.limits = limits or Limits()
        self.clock = clock
        self.record_calls = record_calls
        self.bot_user: Json = {"id": BOT_ID, "is_bot": True, "first_name": "Resident Desk",
                               "username": BOT_USERNAME, "can_join_groups": True,
                               "can_read_all_group_messages": False, "supports_inline_queries": False}
        self._lock = threading.RLock()
        self._updates_ready = threading.Condition(self._lock)
        self._users: dict[int, Json] = {}
        self._chats: dict[int, Chat] = {}
        self._messages: dict[tuple[int, int], Json] = {}
        self._sent: dict[tuple[int, int | None], list[Json]] = defaultdict(list)
        self._sent_by_chat: dict[int, list[Json]] = defaultdict(list)
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._pending: deque[Json] = deque()
        self._history: deque[Json] = deque(maxlen=10_000)  # for redeliver()
        self._allowed_updates: set[str] | None = None
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._album_ids = itertools.count(1)
        self._global_window: _Window | None = None
        self._chat_windows: dict[int, _Window] = {}
        self._message_calls = 0
        self.calls: list[tuple[str, Json]] = []
        self.errors: list[tuple[str, int, str]] = []  # (method, code, description) answered
        self.throttled = 0  # 429s answered, limits and injections together
        self.callback_answers: dict[str, Json] = {}
        self._open_callbacks: set[str] = set()
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.webhook: Json | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status)
        self._webhook_queue: queue.Queue[Json | None] = queue.Queue()
        self._webhook_thread: threading.Thread | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self.base_url = ""
        self.file_base_url = ""

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.file_base_url = f"http://127.0.0.1:{port}/file/bot"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="bot-api-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._closed = True
            self._updates_ready.notify_all()
        if self._webhook_thread is not None:
            self._webhook_queue.put(None)
            self._webhook_thread.join(timeout=5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ------------------------------------------------------------------ setting the scene

    def add_user(self, first_name: str = "Resident", *, language_code: str | None = "zh",
                 username: str | None = None, user_id: int | None = None, last_name: str | None = None) -> Json:
        """A Telegram user who has a private chat with the bot (not yet started)."""
        with self._lock:
            uid = user_id if user_id is not None else next(self._user_ids)
            user: Json = {"id": uid, "is_bot": False, "first_name": first_name}
            if last_name:
                user["last_name"] = last_name
            if username:
                user["username"] = username
            if language_code:
                user["language_code"] = language_code
            self._users[uid] = user
            self._chats[uid] = Chat(id=uid, type="private", first_name=first_name, username=username)
            return user

    def add_group(self, title: str, *, members: Iterable[Json] = (), admins: Iterable[Json] = (),
                  forum: bool = False, supergroup: bool | None = None, bot_admin: bool = True) -> int:
        """A group with the bot in it; ``forum=True`` makes a forum supergroup. Returns the chat id."""
        with self._lock:
            n = next(self._group_ids)
            is_super = forum if supergroup is None else supergroup
            chat_id = -(1_000_000_000_000 + n) if is_super else -n
            chat = Chat(id=chat_id, type="supergroup" if is_super else "group", title=title, is_forum=forum,
                        bot_status="administrator" if bot_admin else "member")
            for user in members:
                chat.members[user["id"]] = "member"
            for user in admins:
                chat.members[user["id"]] = "administrator"
            self._chats[chat_id] = chat
            return chat_id

    def add_topic(self, chat_id: int, name: str) -> int:
        """A topic created by a person in a forum; returns its message_thread_id."""
        with self._lock:
            return self._create_topic(self._chat(chat_id), name)["message_thread_id"]

    # ------------------------------------------------------------------ users acting

    def user_says(self, user: Json, text: str, *, chat: int | None = None, thread: int | None = None,
                  reply_to: Json | None = None) -> Json:
        """The user sends ``text`` (commands get their bot_command entity, as Telegram does)."""
        content: Json = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._user_message(user, content, chat=chat, thread=thread, reply_to=reply_to)

    def user_sends(self, user: Json, kind: str, data: bytes = b"\x89PNG fake", *, caption: str | None = None,
                   chat: int | None = None, thread: int | None = None, album: str | None = None,
                   file_name: str | None = None, mime_type: str | None = None) -> Json:
        """The user sends a file of ``kind`` (photo, video, voice, audio, document, animation, ...)."""
        with self._lock:
            stored = self._store_file(kind, data, file_name)
        content: Json = {kind: self._file_json(stored, file_name=file_name, mime_type=mime_type)}
        if caption is not None:
            content["caption"] = caption
        if album is not None:
            content["media_group_id"] = album
        return self._user_message(user, content, chat=chat, thread=thread)

    def user_sends_photo(self, user: Json, data: bytes = b"\x89PNG photo", **kwargs: Any) -> Json:
        return self.user_sends(user, "photo", data, **kwargs)

    def user_sends_voice(self, user: Json, data: bytes = b"OggS voice", **kwargs: Any) -> Json:
        return self.user_sends(user, "voice", data, **kwargs)

    def user_sends_album(self, user: Json, items: Iterable[tuple[str, bytes]], *, caption: str | None = None,
                         chat: int | None = None, thread: int | None = None) -> list[Json]:
        """An album: several messages sharing one media_group_id, the caption on the first."""
        album = f"album{next(self._album_ids)}"
        sent = []
        for i, (kind, data) in enumerate(items):
            sent.append(self.user_sends(user, kind, data, caption=caption if i == 0 else None, chat=chat,
                                        thread=thread, album=album))
        return sent

    def user_sends_location(self, user: Json, latitude: float, longitude: float, **kwargs: Any) -> Json:
        return self._user_message(user, {"location": {"latitude": latitude, "longitude": longitude}}, **kwargs)

    def user_shares_contact(self, user: Json, phone: str, *, own: bool = True) -> Json:
        """The user presses "share my phone number" (``own``) or sends someone else's contact."""
        contact: Json = {"phone_number": phone, "first_name": user["first_name"]}
        if own:
            contact["user_id"] = user["id"]
        return self._user_message(user, {"contact": contact})

    def user_edits(self, message: Json, text: str) -> Json:
        """The user edits one of their messages: an edited_message update, same message_id."""
        with self._lock:
            key = (message["chat"]["id"], message["message_id"])
            stored = self._messages.get(key, message)
            edited = dict(stored)
            edited["edit_date"] = int(time.time())
            if "text" in edited or "caption" not in edited:
                edited["text"] = text
            else:
                edited["caption"] = text
            self._messages[key] = edited
            self._push({"edited_message": edited})
            return edited

    def user_presses(self, message: Json, data: str, *, user: Json | None = None) -> str:
        """The user presses an inline button of a bot ``message``; returns the callback query id."""
        with self._lock:
            chat_id = message["chat"]["id"]
            presser = user or self._users[chat_id]
            current = self._messages.get((chat_id, message["message_id"]), message)
            query_id = f"cq{next(self._callback_ids)}"
            self._open_callbacks.add(query_id)
            self._push({"callback_query": {"id": query_id, "from": presser, "message": current,
                                           "chat_instance": str(chat_id), "data": data}})
            return query_id

    def user_blocks_bot(self, user: Json) -> None:
        """The user blocks the bot: sends to them answer 403, and the bot gets a my_chat_member update."""
        with self._lock:
            chat = self._chats[user["id"]]
            chat.blocked = True
            self._push({"my_chat_member": {
                "chat": chat.to_json(), "from": user, "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": self.bot_user},
                "new_chat_member": {"status": "kicked", "user": self.bot_user, "until_date": 0}}})

    def user_unblocks_bot(self, user: Json) -> None:
        with self._lock:
            self._chats[user["id"]].blocked = False

    def kick_bot(self, chat_id: int) -> None:
        """Someone removes the bot from a group: sends there answer 403."""
        with self._lock:
            self._chat(chat_id).bot_status = "kicked"

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """A person deletes a forum topic (by mistake): sends to it answer 400 "thread not found"."""
        with self._lock:
            self._chat(chat_id).topics.pop(thread_id, None)

    def push_update(self, update: Json) -> int:
        """Queue a raw update (without update_id); returns the id given to it."""
        with self._lock:
            return self._push(update)

    def redeliver(self, update_id: int) -> int:
        """Deliver an already delivered update's content again, as Telegram does after a lost offset.

        The copy gets a fresh update_id (so offsets stay ordered); its message or
        callback query is the same. Returns the new id.
        """
        with self._lock:
            for update in self._history:
                if update["update_id"] == update_id:
                    content = {k: v for k, v in update.items() if k != "update_id"}
                    return self._push(content)
        raise KeyError(update_id)

    # ------------------------------------------------------------------ reading what the bot did

    def sent_to(self, chat_id: int, thread: Any = ANY) -> list[Json]:
        """Messages the bot sent to a chat (or one topic of it; ``thread=None`` = General), in order."""
        with self._lock:
            if thread is ANY:
                return [self._messages.get((m["chat"]["id"], m["message_id"]), m)
                        for m in self._sent_by_chat.get(chat_id, [])]
            return [self._messages.get((m["chat"]["id"], m["message_id"]), m)
                    for m in self._sent.get((chat_id, thread), [])]

    def texts(self, chat_id: int, thread: Any = ANY) -> list[str]:
        """The texts (or captions) the bot sent to a chat or topic, in order."""
        return [m.get("text", m.get("caption", "")) for m in self.sent_to(chat_id, thread)]

    def last(self, chat_id: int, thread: Any = ANY) -> Json:
        sent = self.sent_to(chat_id, thread)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat_id} (thread {thread})")
        return sent[-1]

    def topics(self, chat_id: int) -> dict[int, Topic]:
        with self._lock:
            return dict(self._chat(chat_id).topics)

    def topic_named(self, chat_id: int, prefix: str) -> Topic:
        with self._lock:
            found = [t for t in self._chat(chat_id).topics.values() if t.name.startswith(prefix)]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} topics start with {prefix!r}")
        return found[0]

    def pinned(self, chat_id: int) -> list[int]:
        with self._lock:
            return list(self._chat(chat_id).pinned)

    def file_bytes(self, file_id: str) -> bytes:
        with self._lock:
            return self._files[file_id].data

    def file_kind(self, file_id: str) -> str:
        with self._lock:
            return self._files[file_id].kind

    def take_updates(self) -> list[Json]:
        """Remove and return the queued updates (for tests that build Updates without HTTP)."""
        with self._lock:
            taken = list(self._pending)
            self._pending.clear()
            return taken

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._pending)

    def count_calls(self, method: str) -> int:
        with self._lock:
            return sum(1 for m, _ in self.calls if m == method)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Poll ``predicate`` (without blocking the loop) until truthy; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.005)

    async def wait_until_consumed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched every queued update."""
        await self.wait_for(lambda: self.pending_updates() == 0, timeout)

    # ------------------------------------------------------------------ internals: users' side

    def _user_message(self, user: Json, content: Json, *, chat: int | None = None, thread: int | None = None,
                      reply_to: Json | None = None) -> Json:
        with self._lock:
            target = self._chat(chat if chat is not None else user["id"])
            if thread is not None and thread not in target.topics:
                raise ValueError(f"no topic {thread} in chat {target.id}")
            message: Json = {"message_id": self._next_id(target), "from": user, "date": int(time.time()),
                             "chat": target.to_json(), **content}
            if thread is not None:
                message["message_thread_id"] = thread
                message["is_topic_message"] = True
            if reply_to is not None:
                message["reply_to_message"] = reply_to
            self._messages[(target.id, message["message_id"])] = message
            self._push({"message": message})
            return message

    def _push(self, update: Json) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **update}
        self._history.append(update)
        self._enqueue(update)
        return update_id

    def _enqueue(self, update: Json) -> None:
        if self.webhook is not None:
            self._webhook_queue.put(update)
            return
        self._pending.append(update)
        self._updates_ready.notify_all()

    def _webhook_loop(self) -> None:
        while True:
            update = self._webhook_queue.get()
            if update is None:
                return
            with self._lock:
                hook = dict(self.webhook or {})
            if not hook:
                with self._lock:
                    self._pending.append(update)
                continue
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            body = json.dumps(update).encode()
            status = 0
            for _attempt in range(20):  # Telegram retries a failing webhook
                try:
                    with urllib.request.urlopen(urllib.request.Request(hook["url"], body, headers), timeout=5) as r:
                        status = r.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                    exc.close()
                except OSError:
                    status = 0
                if status == 200 or status in (401, 403):
                    break
                time.sleep(0.05)
            with self._lock:
                self.webhook_deliveries.append((update["update_id"], status))

    # ------------------------------------------------------------------ internals: the API

    def _chat(self, chat_id: Any) -> Chat:
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad("chat not found")
        return chat

    def _next_id(self, chat: Chat) -> int:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def _store_file(self, kind: str, data: bytes, file_name: str | None = None) -> StoredFile:
        n = next(self._file_ids)
        folder = {"photo": "photos", "video": "videos", "voice": "voice", "audio": "music",
                  "animation": "animations", "sticker": "stickers", "video_note": "video_notes"}.get(kind, "documents")
        suffix = (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else
                  {"photo": "jpg", "video": "mp4", "voice": "oga", "audio": "mp3", "animation": "mp4",
                   "sticker": "webp", "video_note": "mp4"}.get(kind, "bin"))
        stored = StoredFile(file_id=f"F{kind[:2].upper()}{n:06d}", unique_id=f"U{n:06d}", kind=kind, data=data,
                            path=f"{folder}/file_{n}.{suffix}")
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def _file_json(self, stored: StoredFile, *, file_name: str | None = None, mime_type: str | None = None) -> Any:
        base = {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "file_size": len(stored.data)}
        match stored.kind:
            case "photo":
                return [{**base, "width": 90, "height": 90}, {**base, "width": 1280, "height": 960}]
            case "video" | "animation":
                return {**base, "width": 640, "height": 480, "duration": 3}
            case "voice":
                return {**base, "duration": 2, "mime_type": mime_type or "audio/ogg"}
            case "audio":
                return {**base, "duration": 2}
            case "video_note":
                return {**base, "length": 240, "duration": 2}
            case "sticker":
                return {**base, "width": 512, "height": 512, "is_animated": False, "is_video": False,
                        "type": "regular"}
            case _:
                data = dict(base)
                if file_name:
                    data["file_name"] = file_name
                if mime_type:
                    data["mime_type"] = mime_type
                return data

    def handle_call(self, token: str, method: str, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Any:
        """Answer one Bot API call; raises ApiError for an error answer."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        with self._lock:
            if self.record_calls:
                self.calls.append((method, params))
            if method in MESSAGE_METHODS:
                self._check_target(params)
                self._throttle(method, params)
        if method == "getUpdates":
            return handler(params)
        with self._lock:
            return handler(params, uploads) if method in SEND_KINDS or method == "sendMediaGroup" else handler(params)

    def _check_target(self, params: Json) -> None:
        chat = self._chat(params.get("chat_id"))
        if chat.type == "private" and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private" and chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat"
                           if chat.type == "supergroup" else "Forbidden: bot was kicked from the group chat")
        if chat.type != "private" and chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        thread = _opt_int(params.get("message_thread_id"))
        if thread is not None and thread not in chat.topics:
            raise bad("message thread not found")

    def _throttle(self, method: str, params: Json) -> None:
        limits = self.limits
        self._message_calls += 1
        if limits.scripted and limits.scripted[0] == method:
            limits.scripted.pop(0)
            self.throttled += 1
            raise ApiError(429, f"Too Many Requests: retry after {limits.injected_retry_after}",
                           limits.injected_retry_after)
        if limits.fail_every and self._message_calls % limits.fail_every == 0:
            self.throttled += 1
            raise ApiError(429, f"Too Many Requests: retry after {limits.injected_retry_after}",
                           limits.injected_retry_after)
        now = self.clock()
        chat = self._chats[int(params["chat_id"])]
        windows: list[_Window] = []
        if limits.global_per_second:
            if self._global_window is None:
                self._global_window = _Window(limits.global_per_second, 1.0)
            windows.append(self._global_window)
        per_chat = (limits.private_per_second, 1.0) if chat.type == "private" else (limits.group_per_minute, 60.0)
        if per_chat[0]:
            window = self._chat_windows.get(chat.id)
            if window is None:
                window = self._chat_windows[chat.id] = _Window(per_chat[0], per_chat[1])
            windows.append(window)
        wait = max((w.wait_needed(now) for w in windows), default=0.0)
        if wait > 0:
            self.throttled += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for window in windows:
            window.add(now)

    def _bot_message(self, params: Json, content: Json) -> Json:
        chat = self._chat(params["chat_id"])
        thread = _opt_int(params.get("message_thread_id"))
        message: Json = {"message_id": self._next_id(chat), "from": self.bot_user, "date": int(time.time()),
                         "chat": chat.to_json(), **content}
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        reply_to = _opt_int(params.get("reply_to_message_id"))
        reply_parameters = _json(params.get("reply_parameters"))
        if reply_parameters:
            reply_to = _opt_int(reply_parameters.get("message_id"))
        if reply_to is not None:
            original = self._messages.get((chat.id, reply_to))
            if original is None:
                if not (reply_parameters or {}).get("allow_sending_without_reply"):
                    raise bad("message to be replied not found")
            else:
                message["reply_to_message"] = original
        markup = _json(params.get("reply_markup"))
        if markup:
            self._check_markup(markup)
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
        self._messages[(chat.id, message["message_id"])] = message
        self._sent[(chat.id, thread)].append(message)
        self._sent_by_chat[chat.id].append(message)
        return message

    def _check_markup(self, markup: Json) -> None:
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                    raise bad("BUTTON_DATA_INVALID")
                if data is None and not any(k in button for k in ("url", "switch_inline_query", "login_url",
                                                                   "copy_text", "web_app", "pay")):
                    raise bad("can't parse inline keyboard button: Text buttons are unallowed in the "
                              "inline keyboard")

    def _text_content(self, params: Json, key: str, limit: int) -> Json:
        text = params.get(key)
        if text is None:
            return {}
        text = str(text)
        check_entities(text, params.get("parse_mode"))
        plain = re.sub(r"<[^>]+>", "", text) if (params.get("parse_mode") or "").lower() == "html" else text
        if utf16_len(plain) > limit:
            raise bad("message is too long" if key == "text" else "message caption is too long")
        content: Json = {key: plain}
        entities = _json(params.get("entities" if key == "text" else "caption_entities"))
        if entities:
            for entity in entities:
                if entity.get("offset", 0) + entity.get("length", 0) > utf16_len(plain):
                    raise bad("entity end is out of bounds")
            content["entities" if key == "text" else "caption_entities"] = entities
        return content

    def _resolve_file(self, kind: str, value: Any, uploads: dict[str, tuple[bytes, str]]) -> StoredFile:
        if isinstance(value, str) and value.startswith("attach://"):
            value = uploads.get(value[len("attach://"):])
        if isinstance(value, tuple):  # an upload: (bytes, filename)
            return self._store_file(kind, value[0], value[1])
        if not value:
            raise bad(f"there is no {kind} in the request")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store_file(kind, b"downloaded from " + value.encode())
        stored = self._files.get(str(value))
        if stored is None:
            raise bad("wrong file identifier/HTTP URL specified")
        if kind != "document" and stored.kind != kind and not (kind == "animation" and stored.kind == "document"):
            raise bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    # ------------------------------------------------------------------ API methods

    def _api_getMe(self, params: Json) -> Json:
        return self.bot_user

    def _api_logOut(self, params: Json) -> bool:
        return True

    def _api_close(self, params: Json) -> bool:
        return True

    def _api_getUpdates(self, params: Json) -> list[Json]:
        offset = _opt_int(params.get("offset"))
        limit = min(max(_opt_int(params.get("limit")) or 100, 1), 100)
        timeout = float(params.get("timeout") or 0)
        allowed = _json(params.get("allowed_updates"))
        deadline = time.monotonic() + timeout
        with self._lock:
            if self.webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if allowed is not None:
                self._allowed_updates = set(allowed) or None
            while True:
                if offset is not None:
                    if offset < 0:
                        while len(self._pending) > -offset:
                            self._pending.popleft()
                    else:
                        while self._pending and self._pending[0]["update_id"] < offset:
                            self._pending.popleft()
                if self._allowed_updates:
                    while self._pending and not (self._pending[0].keys() - {"update_id"}) & self._allowed_updates:
                        self._pending.popleft()
                ready = [u for u in itertools.islice(self._pending, limit)
                         if not self._allowed_updates or (u.keys() - {"update_id"}) & self._allowed_updates]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._closed:
                    return ready
                self._updates_ready.wait(remaining)

    def _api_setWebhook(self, params: Json) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not url.startswith(("https://", "http://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        if self._webhook_thread is None:
            self._webhook_thread = threading.Thread(target=self._webhook_loop, name="bot-api-webhook", daemon=True)
            self._webhook_thread.start()
        while self._pending:  # updates waiting for getUpdates now go to the webhook
            self._webhook_queue.put(self._pending.popleft())
        return True

    def _api_deleteWebhook(self, params: Json) -> bool:
        self.webhook = None
        if _bool(params.get("drop_pending_updates")):
            self._pending.clear()
        return True

    def _api_getWebhookInfo(self, params: Json) -> Json:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    def _api_setMyCommands(self, params: Json) -> bool:
        commands = _json(params.get("commands")) or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (_json(params.get("scope")) or {}).get("type", "default")
        self.commands[(scope, params.get("language_code") or "")] = commands
        return True

    def _api_getMyCommands(self, params: Json) -> list[Json]:
        scope = (_json(params.get("scope")) or {}).get("type", "default")
        return self.commands.get((scope, params.get("language_code") or ""), [])

    def _api_deleteMyCommands(self, params: Json) -> bool:
        scope = (_json(params.get("scope")) or {}).get("type", "default")
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return True

    def _api_sendMessage(self, params: Json) -> Json:
        content = self._text_content(params, "text", MAX_TEXT)
        if not content or not content["text"].strip():
            raise bad("message text is empty")
        return self._bot_message(params, content)

    def _send_file(self, method: str, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        kind = SEND_KINDS[method]
        stored = self._resolve_file(kind, params.get(kind), uploads)
        content: Json = {kind: self._file_json(stored, file_name=stored.path.rsplit("/", 1)[-1])}
        if kind not in ("sticker", "video_note"):
            content.update(self._text_content(params, "caption", MAX_CAPTION))
        return self._bot_message(params, content)

    def _api_sendPhoto(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendPhoto", params, uploads)

    def _api_sendVideo(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendVideo", params, uploads)

    def _api_sendVoice(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendVoice", params, uploads)

    def _api_sendAudio(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendAudio", params, uploads)

    def _api_sendDocument(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendDocument", params, uploads)

    def _api_sendAnimation(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendAnimation", params, uploads)

    def _api_sendSticker(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendSticker", params, uploads)

    def _api_sendVideoNote(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> Json:
        return self._send_file("sendVideoNote", params, uploads)

    def _api_sendLocation(self, params: Json) -> Json:
        try:
            lat, lon = float(params["latitude"]), float(params["longitude"])
        except (KeyError, TypeError, ValueError):
            raise bad("wrong latitude or longitude") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad("wrong latitude or longitude")
        return self._bot_message(params, {"location": {"latitude": lat, "longitude": lon}})

    def _api_sendContact(self, params: Json) -> Json:
        if not params.get("phone_number") or not params.get("first_name"):
            raise bad("phone number and first name are required")
        return self._bot_message(params, {"contact": {"phone_number": str(params["phone_number"]),
                                                      "first_name": str(params["first_name"])}})

    def _api_sendMediaGroup(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> list[Json]:
        media = _json(params.get("media")) or []
        if not 2 <= len(media) <= 10:
            raise bad("wrong number of media items (2-10 allowed)")
        resolved = []
        for item in media:
            kind = item.get("type")
            if kind not in ("photo", "video", "audio", "document"):
                raise bad(f"unsupported media type {kind!r} in a media group")
            stored = self._resolve_file(kind, item.get("media"), uploads)
            content: Json = {kind: self._file_json(stored)}
            content.update(self._text_content(item, "caption", MAX_CAPTION))
            resolved.append(content)
        album = f"bot-album{next(self._album_ids)}"
        return [self._bot_message(params, {**content, "media_group_id": album}) for content in resolved]

    def _api_copyMessage(self, params: Json) -> Json:
        original = self._source_message(params)
        content = {k: original[k] for k in (*CONTENT_FIELDS, "entities", "caption", "caption_entities")
                   if k in original}
        if "caption" in params:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._text_content(params, "caption", MAX_CAPTION))
        if not any(k in content for k in CONTENT_FIELDS):
            raise bad("message can't be copied")
        return {"message_id": self._bot_message(params, content)["message_id"]}

    def _api_forwardMessage(self, params: Json) -> Json:
        original = self._source_message(params)
        content = {k: original[k] for k in (*CONTENT_FIELDS, "entities", "caption", "caption_entities")
                   if k in original}
        sender = original.get("from") or self.bot_user
        content["forward_origin"] = {"type": "user", "date": original["date"], "sender_user": sender}
        return self._bot_message(params, content)

    def _source_message(self, params: Json) -> Json:
        source = self._chat(params.get("from_chat_id"))
        original = self._messages.get((source.id, _opt_int(params.get("message_id")) or 0))
        if original is None:
            raise bad("message to copy not found")
        return original

    def _own_message(self, params: Json) -> tuple[Chat, Json]:
        chat = self._chat(params.get("chat_id"))
        message = self._messages.get((chat.id, _opt_int(params.get("message_id")) or 0))
        if message is None:
            raise bad("message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise bad("message can't be edited")
        return chat, message

    def _api_editMessageText(self, params: Json) -> Json:
        chat, message = self._own_message(params)
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        content = self._text_content(params, "text", MAX_TEXT)
        if not content or not content["text"].strip():
            raise bad("message text is empty")
        markup = _json(params.get("reply_markup"))
        if content["text"] == message["text"] and markup == message.get("reply_markup"):
            raise bad("message is not modified: specified new message content and reply markup are exactly "
                      "the same as a current content and reply markup of the message")
        return self._replace(chat, message, content, markup)

    def _api_editMessageCaption(self, params: Json) -> Json:
        chat, message = self._own_message(params)
        content = self._text_content(params, "caption", MAX_CAPTION)
        return self._replace(chat, message, content, _json(params.get("reply_markup")))

    def _api_editMessageReplyMarkup(self, params: Json) -> Json:
        chat, message = self._own_message(params)
        markup = _json(params.get("reply_markup"))
        if markup == message.get("reply_markup") or (not markup and "reply_markup" not in message):
            raise bad("message is not modified: specified new message content and reply markup are exactly "
                      "the same as a current content and reply markup of the message")
        return self._replace(chat, message, {}, markup)

    def _replace(self, chat: Chat, message: Json, content: Json, markup: Json | None) -> Json:
        edited = {**message, **content, "edit_date": int(time.time())}
        edited.pop("reply_markup", None)
        if markup:
            self._check_markup(markup)
            edited["reply_markup"] = markup
        self._messages[(chat.id, message["message_id"])] = edited
        return edited

    def _api_deleteMessage(self, params: Json) -> bool:
        chat = self._chat(params.get("chat_id"))
        if self._messages.pop((chat.id, _opt_int(params.get("message_id")) or 0), None) is None:
            raise bad("message to delete not found")
        return True

    def _api_answerCallbackQuery(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callbacks:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = dict(params)
        return True

    def _api_pinChatMessage(self, params: Json) -> bool:
        chat = self._chat(params.get("chat_id"))
        message_id = _opt_int(params.get("message_id")) or 0
        if (chat.id, message_id) not in self._messages:
            raise bad("message to pin not found")
        if message_id not in chat.pinned:
            chat.pinned.append(message_id)
        return True

    def _api_unpinChatMessage(self, params: Json) -> bool:
        chat = self._chat(params.get("chat_id"))
        message_id = _opt_int(params.get("message_id"))
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    def _forum(self, params: Json) -> Chat:
        chat = self._chat(params.get("chat_id"))
        if chat.bot_status == "kicked":
            raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        if not chat.is_forum:
            raise bad("the chat is not a forum")
        return chat

    def _topic(self, params: Json) -> tuple[Chat, Topic]:
        chat = self._forum(params)
        topic = chat.topics.get(_opt_int(params.get("message_thread_id")) or 0)
        if topic is None:
            raise bad("TOPIC_ID_INVALID")
        return chat, topic

    def _create_topic(self, chat: Chat, name: str) -> Json:
        if not 1 <= len(name) <= 128:
            raise bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_INVALID")
        thread_id = self._next_id(chat)  # a topic's id is the id of its creation message, as in Telegram
        topic = Topic(thread_id=thread_id, name=name)
        chat.topics[thread_id] = topic
        self._messages[(chat.id, thread_id)] = {
            "message_id": thread_id, "date": int(time.time()), "chat": chat.to_json(), "from": self.bot_user,
            "message_thread_id": thread_id, "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": topic.icon_color}}
        return {"message_thread_id": thread_id, "name": name, "icon_color": topic.icon_color}

    def _api_createForumTopic(self, params: Json) -> Json:
        chat = self._forum(params)
        if chat.bot_status != "administrator":
            raise bad("not enough rights to create a topic")
        return self._create_topic(chat, str(params.get("name") or ""))

    def _api_editForumTopic(self, params: Json) -> bool:
        _chat, topic = self._topic(params)
        name = params.get("name")
        if name is not None:
            if not 1 <= len(name) <= 128:
                raise bad("TOPIC_TITLE_INVALID")
            if name == topic.name:
                raise bad("TOPIC_NOT_MODIFIED")
            topic.name = name
        return True

    def _api_closeForumTopic(self, params: Json) -> bool:
        _chat, topic = self._topic(params)
        if topic.closed:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.closed = True
        return True

    def _api_reopenForumTopic(self, params: Json) -> bool:
        _chat, topic = self._topic(params)
        if not topic.closed:
            raise bad("TOPIC_NOT_MODIFIED")
        topic.closed = False
        return True

    def _api_deleteForumTopic(self, params: Json) -> bool:
        chat, topic = self._topic(params)
        del chat.topics[topic.thread_id]
        return True

    def _api_getChat(self, params: Json) -> Json:
        chat = self._chat(params.get("chat_id"))
        return {**chat.to_json(), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    def _api_getChatMember(self, params: Json) -> Json:
        chat = self._chat(params.get("chat_id"))
        user_id = _opt_int(params.get("user_id")) or 0
        if user_id == BOT_ID:
            status, user = chat.bot_status, self.bot_user
        else:
            user = self._users.get(user_id)
            if user is None:
                raise bad("user not found")
            status = "member" if chat.type == "private" else chat.members.get(user_id, "left")
        if status == "administrator":
            rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                      "can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info",
                      "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories")
            return {"status": status, "user": user, **{r: r != "is_anonymous" for r in rights},
                    "can_manage_topics": True, "can_pin_messages": True}
        if status == "kicked":
            return {"status": status, "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def _api_leaveChat(self, params: Json) -> bool:
        chat = self._chat(params.get("chat_id"))
        if chat.type == "private":
            raise bad("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True

    def _api_sendChatAction(self, params: Json) -> bool:
        self._check_target(params)
        return True

    def _api_getFile(self, params: Json) -> Json:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise bad("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.unique_id, "file_size": len(stored.data),
                "file_path": stored.path}

    def download(self, token: str, path: str) -> bytes:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        with self._lock:
            stored = self._files_by_path.get(path)
        if stored is None:
            raise ApiError(404, "Not Found")
        return stored.data


def _opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"invalid integer {value!r}") from None


def _bool(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _json(value: Any) -> Any:
    """Nested objects arrive as JSON strings in form bodies and as objects in JSON bodies."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad("can't parse JSON object") from None
    return value


class _Handler(BaseHTTPRequestHandler):
    api: BotApiEmulator
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx client expects
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines contain the token."""

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot"):].partition("/")
            try:
                data = self.api.download(token, file_path)
            except ApiError as exc:
                self._reply(exc.code, {"ok": False, "error_code": exc.code, "description": exc.description})
                return
            self._send(200, data, "application/octet-stream")
            return
        self._dispatch(dict(parse_qsl(urlsplit(self.path).query)), {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        uploads: dict[str, tuple[bytes, str]] = {}
        try:
            if content_type.startswith("application/json"):
                params = json.loads(body or b"{}")
                if not isinstance(params, dict):
                    raise ValueError("not an object")
            elif content_type.startswith("multipart/form-data"):
                params = {}
                parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
                for part in parsed.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True) or b""
                    filename = part.get_filename()
                    if filename is not None:
                        uploads[name] = (payload, filename)
                        params[name] = (payload, filename)
                    else:
                        params[name] = payload.decode()
            else:
                params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except (ValueError, UnicodeDecodeError):
            self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse request body"})
            return
        self._dispatch(params, uploads)

    def _dispatch(self, params: Json, uploads: dict[str, tuple[bytes, str]]) -> None:
        path = unquote(urlsplit(self.path).path)
        if not path.startswith("/bot") or "/" not in path[4:]:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, _, method = path[4:].partition("/")
        try:
            result = self.api.handle_call(token, method, params, uploads)
        except ApiError as exc:
            answer: Json = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:
                answer["parameters"] = {"retry_after": exc.retry_after}
            with self.api._lock:
                self.api.errors.append((method, exc.code, exc.description))
            self._reply(exc.code, answer)
            return
        except Exception as exc:  # noqa: BLE001 - an emulator bug must show, not hang the client
            with self.api._lock:
                self.api.errors.append((method, 500, repr(exc)))
            self._reply(500, {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"})
            return
        self._reply(200, {"ok": True, "result": result})

    def _reply(self, status: int, payload: Json) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. on shutdown)
            pass
