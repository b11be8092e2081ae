"""Delivering a notice to many chats within Telegram's limits, exactly once per (notice, chat).

Transport-free: the broadcaster drives an abstract async ``NoticeSender``; the
Telegram one lives in ``bot.notices.telegram`` and the tests use the same one
against the Bot API emulator.

Limits (``SendLimits``, configuration): at most ``per_second`` requests in any
second overall and ``per_group_per_minute`` in any minute per group chat. The
limiter counts a request from its *completion*, so however long a request
takes on the wire, the server never sees more than the limit in any window.
Conversation traffic has its own lane that always goes first and a reserve of
the per-second budget that broadcasts never touch, so residents' replies do
not queue behind a notice to a thousand groups. A 429 pauses the broadcast
lane for ``retry_after`` and the delivery is retried; conversations go on.

Exactly once: each delivery row is claimed ``pending → sending`` just before
its request and closed with the outcome after it. A request in flight when the
broadcast is cancelled is allowed to finish and is recorded. A row still
"sending" after a hard crash becomes "unknown" on restart and is reported, not
re-sent (Telegram has no idempotency key, so re-sending could duplicate it).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Protocol

from bot.messages import Button
from bot.notices.models import DeliveryStatus
from bot.notices.store import DeliveryReport, DeliveryWriter, NoticeStore, Target

logger = logging.getLogger(__name__)

Buttons = tuple[tuple[Button, ...], ...]


# -- the sender port -----------------------------------------------------------------------

class SendError(Exception):
    """A request that certainly did not deliver the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SendError):
    """Not delivered, try again after ``seconds``: a 429 (``everyone``: all broadcasting waits) or a local hitch."""

    def __init__(self, seconds: float, *, everyone: bool = True) -> None:
        super().__init__(f"rate limited, retry after {seconds:g}s" if everyone else "not sent, retrying")
        self.seconds = seconds
        self.everyone = everyone


class ChatGone(SendError):
    """The bot can no longer post in this chat (removed, blocked, chat deleted)."""


class SendFailed(SendError):
    """The server refused this message for another reason (bad request…)."""


class MessageGone(SendError):
    """The message to edit is no longer there (deleted by a group admin)."""


class NoticeSender(Protocol):
    """Sends one notice message; raises SendError subclasses for known refusals."""

    async def send(self, chat_id: str, text: str, buttons: Buttons) -> str:
        """Send and return the message id."""
        ...

    async def pin(self, chat_id: str, message_id: str) -> None:
        """Pin a message the bot sent."""
        ...


# -- the limiter ---------------------------------------------------------------------------

class Lane(IntEnum):
    """Traffic classes; lower goes first."""

    CONVERSATION = 0
    BROADCAST = 1


@dataclass(frozen=True, slots=True)
class SendLimits:
    """Telegram's limits as configuration, so tests and benchmarks can scale them."""

    per_second: int = 30  # overall, any chat
    per_group_per_minute: int = 20  # per group chat
    conversation_reserve: int = 2  # of per_second, never used by broadcasts
    margin: float = 0.002  # seconds added to each window, against clock granularity

    def scaled(self, factor: float) -> SendLimits:
        """The same limits ×factor (the reserve scales along)."""
        return SendLimits(
            per_second=max(1, round(self.per_second * factor)),
            per_group_per_minute=max(1, round(self.per_group_per_minute * factor)),
            conversation_reserve=max(1, round(self.conversation_reserve * factor)),
            margin=self.margin,
        )


def is_group_chat(chat_id: str) -> bool:
    """Telegram groups, supergroups and channels have negative ids."""
    return chat_id.startswith("-")


class _Window:
    """``limit`` tokens; a used token is free again ``period`` after its use completed."""

    __slots__ = ("free", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.period = period
        self.free: list[float] = [float("-inf")] * limit  # sorted times at which each token is free

    def ready(self, now: float) -> int:
        return bisect.bisect_right(self.free, now)

    def take(self) -> None:
        self.free.pop(0)

    def give_back(self, ready_at: float) -> None:
        bisect.insort(self.free, ready_at)


class Permit:
    """The right to make one request; release it when the request has completed."""

    __slots__ = ("_limiter", "_chat", "_released")

    def __init__(self, limiter: SendLimiter, chat: _Window | None) -> None:
        self._limiter = limiter
        self._chat = chat
        self._released = False

    def release(self, *, used: bool = True) -> None:
        """Give the tokens back: counted from now if the request was made, else free at once."""
        if self._released:
            return
        self._released = True
        self._limiter._give_back(self._chat, used=used)


@dataclass(slots=True)
class _Waiter:
    lane: Lane
    seq: int
    chat_id: str | None  # only for group chats (the per-group window)
    future: asyncio.Future[Permit]


class SendLimiter:
    """Shared by every sender of one bot: the overall and per-group windows, and lane priority."""

    def __init__(self, limits: SendLimits = SendLimits(), *, clock: Callable[[], float] = time.monotonic) -> None:
        if limits.conversation_reserve >= limits.per_second:
            raise ValueError("conversation_reserve must be below per_second")
        self.limits = limits
        self._clock = clock
        self._global = _Window(limits.per_second, 1.0 + limits.margin)
        self._groups: dict[str, _Window] = {}
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        self._broadcast_paused_until = float("-inf")
        self.broadcast_pauses = 0  # how many 429s paused the broadcast lane

    async def acquire(self, chat_id: str, lane: Lane = Lane.CONVERSATION) -> Permit:
        """Wait for a slot for one request to ``chat_id``."""
        loop = asyncio.get_running_loop()
        waiter = _Waiter(lane, next(self._seq), chat_id if is_group_chat(chat_id) else None,
                         loop.create_future())
        self._waiters.append(waiter)
        self._waiters.sort(key=lambda w: (w.lane, w.seq))
        self._pump()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                waiter.future.result().release(used=False)
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def pause_broadcasts(self, seconds: float) -> None:
        """Honour a 429: no broadcast request for ``seconds``; conversations are not held up."""
        self.broadcast_pauses += 1
        self._broadcast_paused_until = max(self._broadcast_paused_until, self._clock() + seconds)
        self._pump()

    def _give_back(self, chat: _Window | None, *, used: bool) -> None:
        now = self._clock()
        self._global.give_back(now + self._global.period if used else now)
        if chat is not None:
            chat.give_back(now + chat.period if used else now)
        self._pump()

    def _group_window(self, chat_id: str) -> _Window:
        window = self._groups.get(chat_id)
        if window is None:
            if len(self._groups) > 50_000:  # forget groups whose windows are all free again
                now = self._clock()
                limit = self.limits.per_group_per_minute
                self._groups = {k: w for k, w in self._groups.items() if w.ready(now) < limit}
            window = _Window(self.limits.per_group_per_minute, 60.0 + self.limits.margin)
            self._groups[chat_id] = window
        return window

    def _pump(self) -> None:
        """Grant every waiter that can go now, in lane order; arm a timer for the next one."""
        now = self._clock()
        wake = float("inf")
        still: list[_Waiter] = []
        blocked = False
        for w in self._waiters:
            if w.future.done():
                continue
            if blocked:
                still.append(w)
                continue
            if w.lane is Lane.BROADCAST and now < self._broadcast_paused_until:
                wake = min(wake, self._broadcast_paused_until)
                still.append(w)
                continue
            chat = self._group_window(w.chat_id) if w.chat_id is not None else None
            if chat is not None and chat.ready(now) == 0:
                if chat.free:
                    wake = min(wake, chat.free[0])
                still.append(w)
                continue
            need = 1 if w.lane is Lane.CONVERSATION else self.limits.conversation_reserve + 1
            if self._global.ready(now) < need:
                if len(self._global.free) >= need:
                    wake = min(wake, self._global.free[need - 1])
                still.append(w)
                if w.lane is Lane.BROADCAST:
                    blocked = True  # every later waiter is a broadcast waiting for the same budget
                continue
            self._global.take()
            if chat is not None:
                chat.take()
            w.future.set_result(Permit(self, chat))
        self._waiters = still
        self._arm(wake)

    def _arm(self, at: float) -> None:
        if at == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = at
        if at != float("inf") and self._waiters:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(max(0.0, at - self._clock()), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = float("inf")
        self._pump()


# -- the broadcaster -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Progress:
    """How far a broadcast is."""

    notice_id: int
    done: int
    total: int


def utcnow() -> datetime:
    """The wall clock, aware UTC; the default for timestamps on delivery rows."""
    return datetime.now(UTC)


class Broadcaster:
    """Sends one notice to all its chats: bookkeeping in the store, pacing by the limiter."""

    def __init__(self, store: NoticeStore, sender: NoticeSender, limiter: SendLimiter, *,
                 concurrency: int = 8, max_retries: int = 8, progress_interval: float = 5.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._sender = sender
        self._limiter = limiter
        self._concurrency = concurrency
        self._max_retries = max_retries
        self._progress_interval = progress_interval
        self._clock = clock

    async def deliver(self, notice_id: int, text: str, *, buttons: Buttons = (), pin: bool = False,
                      on_progress: Callable[[Progress], Awaitable[None]] | None = None,
                      shown: str = "") -> DeliveryReport:
        """Deliver to every chat not yet done; safe to call again after a crash or cancel.

        ``shown`` (activities): the sign-up counts ``buttons`` carry, recorded on
        each sent row so a later refresh edits only copies showing other counts.
        """
        total = self._store.prepare_deliveries(notice_id, now=self._clock())
        targets = deque(self._store.pending_targets(notice_id))
        already = total - len(targets)
        done = [already]
        logger.info("notice %s: %d to send, %d already done", notice_id, len(targets), already)

        async def worker(writer: DeliveryWriter) -> None:
            while targets:
                target = targets.popleft()
                await self._deliver_one(writer, target, text, buttons, pin, shown)
                done[0] += 1

        async def report_progress() -> None:
            while True:
                await asyncio.sleep(self._progress_interval)
                if on_progress is not None:
                    await _quietly(on_progress(Progress(notice_id, done[0], total)))

        progress = asyncio.create_task(report_progress())
        try:
            # One connection for the whole broadcast: each write is synchronous, so the
            # workers (coroutines on one thread) never interleave inside a statement.
            with self._store.delivery_writer() as writer:
                async with asyncio.TaskGroup() as tasks:
                    for _ in range(min(self._concurrency, max(1, len(targets)))):
                        tasks.create_task(worker(writer))
        finally:
            progress.cancel()
        if on_progress is not None:
            await _quietly(on_progress(Progress(notice_id, done[0], total)))
        return self._store.finish_notice(notice_id, now=self._clock())

    async def _deliver_one(self, writer: DeliveryWriter, target: Target, text: str, buttons: Buttons,
                           pin: bool, shown: str) -> None:
        retries = 0
        while True:
            permit = await self._limiter.acquire(target.chat_id, Lane.BROADCAST)
            if not writer.claim(target.delivery_id, now=self._clock()):
                permit.release(used=False)  # another broadcaster has it
                return
            request = asyncio.ensure_future(self._sender.send(target.chat_id, text, buttons))
            cancelled = await _settle(request)
            permit.release()
            error = asyncio.CancelledError() if request.cancelled() else request.exception()
            try:
                if isinstance(error, RetryLater) and (cancelled or retries < self._max_retries):
                    # A 429 certainly did not deliver: back to pending, for now or for the next desk.
                    writer.release(target.delivery_id, now=self._clock(), reason=error.reason)
                    if cancelled:
                        return  # the finally below re-raises the cancellation
                    retries += 1
                    if error.everyone:
                        self._limiter.pause_broadcasts(error.seconds)
                    else:
                        await asyncio.sleep(error.seconds)
                    continue
                self._record(writer, target, request, error, shown)
                if error is None and pin and not cancelled:
                    await self._pin(writer, target, request.result())
            finally:
                if cancelled:
                    raise asyncio.CancelledError
            return

    def _record(self, writer: DeliveryWriter, target: Target, request: asyncio.Future[str],
                error: BaseException | None, shown: str) -> None:
        now = self._clock()
        match error:
            case None:
                writer.finish(target.delivery_id, DeliveryStatus.SENT, now=now, message_id=request.result(),
                              shown=shown)
            case RetryLater() | SendFailed():
                writer.finish(target.delivery_id, DeliveryStatus.FAILED, now=now, error=error.reason)
            case ChatGone():
                writer.finish(target.delivery_id, DeliveryStatus.INACTIVE, now=now, error=error.reason)
                self._store.deactivate_chat(target.channel, target.chat_id, reason=error.reason, now=now)
            case Exception():
                # A timeout or broken connection: the message may have arrived. Say so; never re-send.
                logger.warning("notice delivery %s: outcome unknown (%s)", target.delivery_id,
                               error.__class__.__name__)
                writer.finish(target.delivery_id, DeliveryStatus.UNKNOWN, now=now,
                              error=f"{error.__class__.__name__}: outcome unknown")
            case _:  # BaseException (the process is going down): leave the row "sending"
                raise error

    async def _pin(self, writer: DeliveryWriter, target: Target, message_id: str) -> None:
        permit = await self._limiter.acquire(target.chat_id, Lane.BROADCAST)
        try:
            await self._sender.pin(target.chat_id, message_id)
        except Exception as exc:  # the notice arrived; a failed pin is a detail in the report
            logger.info("pin in %s failed: %s", target.chat_id, exc.__class__.__name__)
        else:
            writer.pinned(target.delivery_id, now=self._clock())
        finally:
            permit.release()


async def _settle(request: asyncio.Future[str]) -> bool:
    """Wait for a request in flight even if we are cancelled meanwhile; True if we were."""
    cancelled = False
    while not request.done():
        try:
            await asyncio.wait({request})
        except asyncio.CancelledError:
            cancelled = True  # finish and record the request on the wire, then stop
    return cancelled


async def _quietly(call: Awaitable[None]) -> None:
    """Progress messages are a courtesy: their failure must not stop a broadcast."""
    try:
        await call
    except Exception:
        logger.warning("progress update failed", exc_info=True)


def signup_buttons(notice_id: int, language: str, joined: int, declined: int,
                   capacity: int | None) -> Buttons:
    """The 参加 / 不参加 row under an activity, with live counts."""
    join, decline = ("Join", "Can't come") if language == "en" else ("参加", "不参加")
    joined_text = f"{joined}/{capacity}" if capacity else str(joined)
    return ((Button(f"{join} ({joined_text})", f"ntc:join:{notice_id}"),
             Button(f"{decline} ({declined})", f"ntc:decline:{notice_id}")),)


def summarise(reports: Sequence[DeliveryReport]) -> dict[str, int]:
    """Totals over several reports (the CLI's JSON)."""
    keys = ("total", "sent", "failed", "inactive", "unknown", "pending", "pinned")
    return {k: sum(getattr(r, k) for r in reports) for k in keys}
