"""Live sign-up counts on every copy of an activity: coalesced button edits at broadcast priority.

A press on 参加/不参加 in one group changes what every copy should show (the
other groups' copies, private copies). Editing every copy on every press would
spend the send budget many times over during a burst, so refreshes are
coalesced per activity: the first press after a quiet spell refreshes at once
(the presser sees the new count), and presses during a refresh, or within
``window`` seconds of its end, are folded into one later refresh that reads
the counts when it starts (latest counts win). A copy is therefore edited at
most once per window. Every edit takes a broadcast permit of the shared
``SendLimiter``: conversations go first, and the per-group budget counts the
edits too.

What each copy shows is stored (``notice_delivery.shown``), so a refresh edits
only stale copies and a crash mid-refresh loses nothing: the next press, or
the notice tick's ``sweep``, finds the copies still stale and edits them.
Transport-free: the Telegram ``ButtonEditor`` is ``TelegramNoticeSender``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.notices.broadcast import (
    Buttons,
    ChatGone,
    Lane,
    MessageGone,
    RetryLater,
    SendFailed,
    SendLimiter,
    signup_buttons,
    utcnow,
)
from bot.notices.models import SHOWN_GONE, NoticeKind, NoticePurpose
from bot.notices.store import Copy, DeliveryWriter, NoticeStore

logger = logging.getLogger(__name__)

REFRESH_WINDOW = 3.0  # seconds between two refreshes of one activity's copies


class ButtonEditor(Protocol):
    """Replaces the inline buttons of a message the bot sent."""

    async def edit_buttons(self, chat_id: str, message_id: str, buttons: Buttons) -> None:
        """Edit; "not modified" counts as done. Raises RetryLater, ChatGone, MessageGone, SendFailed."""
        ...


class SignupRefresher:
    """Keeps the counts under every copy of an activity current, one coalesced refresh at a time."""

    def __init__(self, store: NoticeStore, editor: ButtonEditor, limiter: SendLimiter, *,
                 window: float = REFRESH_WINDOW, concurrency: int = 4, max_retries: int = 8,
                 clock: Callable[[], datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._editor = editor
        self._limiter = limiter
        self._window = window
        self._concurrency = concurrency
        self._max_retries = max_retries
        self._clock = clock
        self._monotonic = monotonic
        self._dirty: set[int] = set()  # activities whose counts changed since their refresh started
        self._first: dict[int, str] = {}  # the chat where someone pressed: its copy goes first
        self._ended: dict[int, float] = {}  # when each activity's last refresh ended
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.refreshes = 0  # how many refresh passes ran (tests)

    def poke(self, notice_id: int, *, first_chat: str | None = None) -> None:
        """The counts of ``notice_id`` changed: refresh its copies now or, within the window, once later."""
        self._dirty.add(notice_id)
        if first_chat is not None:
            self._first[notice_id] = first_chat
        task = self._tasks.get(notice_id)
        if task is None or task.done():
            self._tasks[notice_id] = asyncio.create_task(self._run(notice_id))

    def sweep(self, now: datetime) -> list[int]:
        """Poke every open activity with a stale copy (the notice tick); return their ids."""
        stale = self._store.activities_with_stale_copies(now)
        for notice_id in stale:
            self.poke(notice_id)
        return stale

    async def wait_idle(self) -> None:
        """Wait until no refresh is running or due (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        """Stop refreshing (shutdown); copies left stale are refreshed by the next desk's tick."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, notice_id: int) -> None:
        # No await between the loop's last check and the end of the task, so a poke
        # either lands in _dirty before that check or finds this task done and starts another.
        try:
            while notice_id in self._dirty:
                wait = self._ended.get(notice_id, float("-inf")) + self._window - self._monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(notice_id)
                try:
                    await self._refresh(notice_id)
                except Exception:  # a database error: the copies stay stale, the tick's sweep retries
                    logger.exception("refreshing the sign-up counts of N-%04d failed", notice_id)
                finally:
                    self._ended[notice_id] = self._monotonic()
        finally:
            self._tasks.pop(notice_id, None)

    async def _refresh(self, notice_id: int) -> None:
        """One pass: read the counts now, edit every copy that shows others."""
        self.refreshes += 1
        notice = self._store.get_notice(notice_id)
        first = self._first.pop(notice_id, None)
        if (notice is None or notice.kind is not NoticeKind.ACTIVITY
                or notice.purpose is not NoticePurpose.NOTICE):
            return
        counts = self._store.signup_counts(notice_id)
        buttons = signup_buttons(notice_id, notice.language, counts.joined, counts.declined, counts.capacity)
        copies = self._store.stale_copies(notice_id, counts.label)
        if first is not None:
            copies.sort(key=lambda c: c.chat_id != first)  # stable: the pressed copy first, the rest in order
        queue = deque(copies)

        async def worker(writer: DeliveryWriter) -> None:
            while queue:
                await self._edit(writer, queue.popleft(), buttons, counts.label)

        # One connection for the pass's writes, as a broadcast does (see DeliveryWriter).
        with self._store.delivery_writer() as writer:
            async with asyncio.TaskGroup() as tasks:
                for _ in range(min(self._concurrency, len(queue))):
                    tasks.create_task(worker(writer))

    async def _edit(self, writer: DeliveryWriter, copy: Copy, buttons: Buttons, label: str) -> None:
        for attempt in range(self._max_retries + 1):
            permit = await self._limiter.acquire(copy.chat_id, Lane.BROADCAST)
            try:
                await self._editor.edit_buttons(copy.chat_id, copy.message_id, buttons)
            except Exception as exc:  # sorted out below, once the permit is back
                error = exc
            else:
                writer.shown(copy.delivery_id, label, now=self._clock())
                return
            finally:
                permit.release()
            match error:
                case RetryLater() if attempt < self._max_retries:
                    if error.everyone:
                        self._limiter.pause_broadcasts(error.seconds)
                    else:
                        await asyncio.sleep(error.seconds)
                case ChatGone():
                    writer.shown(copy.delivery_id, SHOWN_GONE, now=self._clock())
                    self._store.deactivate_chat(copy.channel, copy.chat_id, reason=error.reason,
                                                now=self._clock())
                    return
                case MessageGone() | SendFailed():  # deleted, or refused for good: stop trying this copy
                    logger.info("sign-up counts in %s not editable: %s", copy.chat_id, error.reason)
                    writer.shown(copy.delivery_id, SHOWN_GONE, now=self._clock())
                    return
                case _:  # still rate limited, or a timeout: an edit is safe to repeat, the next refresh does
                    logger.info("sign-up counts in %s left stale for the next refresh (%s)", copy.chat_id,
                                error.__class__.__name__)
                    return
