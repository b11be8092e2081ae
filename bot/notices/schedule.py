"""Running notices when they are due: the schedule is the ``notice`` table, driven by APScheduler.

Nothing about a notice lives only in memory: a notice scheduled for 18:00 is a
row with ``send_at``; APScheduler merely ticks ``NoticeRunner.tick`` every few
seconds. After downtime the first tick sends what was missed if it is still
relevant (``relevant_until``) and marks the rest expired; claiming a notice is
a conditional update, so it is never sent twice. A notice left mid-broadcast
is resumed from its delivery rows.

One process broadcasts at a time: the running desk holds the send lease
(``SendLease``, the ``notice_lease`` row) and renews it on every tick, so a
second process (``desk notice send --deliver``, a second desk) never spends
the same Telegram budget with a limiter of its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.notices.broadcast import Broadcaster, Progress, signup_buttons, utcnow
from bot.notices.compose import NoticeTemplates, render_fields
from bot.notices.models import NoticeKind, NoticePurpose, NoticeStatus
from bot.notices.store import DeliveryReport, NoticeInfo, NoticeStore

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

logger = logging.getLogger(__name__)

TICK_EVERY = timedelta(seconds=10)
JOB_ID = "notices-due"
LEASE_NAME = "notices"
LEASE_TTL = 3 * TICK_EVERY  # a desk that missed three ticks in a row is gone


class SendLease:
    """The right to broadcast, held by one process at a time and renewed while it runs.

    Times are the wall clock of each process (one machine, or machines in
    sync): a lease not renewed within ``ttl`` is free for the next process.
    """

    def __init__(self, store: NoticeStore, *, ttl: timedelta = LEASE_TTL,
                 clock: Callable[[], datetime] = utcnow, holder: str | None = None) -> None:
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:128]

    def hold(self) -> bool:
        """Take the lease or renew it; False while another process holds a live one."""
        return self._store.take_lease(LEASE_NAME, self.holder, now=self._clock(), ttl=self._ttl)

    def other_holder(self) -> str | None:
        """Who else holds the live lease, if anyone."""
        holder = self._store.lease_holder(LEASE_NAME, now=self._clock(), ttl=self._ttl)
        return holder if holder != self.holder else None

    def release(self) -> None:
        """Give the lease up on a clean stop; a crashed holder's lease simply expires."""
        self._store.release_lease(LEASE_NAME, self.holder)

    async def keep(self, every: timedelta = TICK_EVERY) -> None:
        """Renew until cancelled (a process that broadcasts without the notice tick)."""
        while True:
            await asyncio.sleep(every.total_seconds())
            try:
                if not self.hold():
                    logger.warning("the send lease was taken over while delivering")
            except Exception:
                logger.warning("could not renew the send lease", exc_info=True)


class Reporter(Protocol):
    """Tells the sender how their notice is going (Telegram: a message edited in place)."""

    async def progress(self, notice: NoticeInfo, progress: Progress) -> None: ...

    async def finished(self, notice: NoticeInfo, report: DeliveryReport) -> None: ...

    async def expired(self, notice: NoticeInfo) -> None: ...


class LogReporter:
    """A reporter for the terminal and tests: logs, sends nothing."""

    async def progress(self, notice: NoticeInfo, progress: Progress) -> None:
        logger.info("notice %s: %d/%d", notice.code, progress.done, progress.total)

    async def finished(self, notice: NoticeInfo, report: DeliveryReport) -> None:
        logger.info("notice %s done: %d sent, %d failed, %d inactive, %d unknown", notice.code,
                    report.sent, report.failed, report.inactive, report.unknown)

    async def expired(self, notice: NoticeInfo) -> None:
        logger.warning("notice %s expired: missed while the desk was down", notice.code)


class NoticeRunner:
    """Claims due notices and broadcasts them, one after another."""

    def __init__(self, store: NoticeStore, templates: NoticeTemplates, broadcaster: Broadcaster, *,
                 reporter: Reporter | None = None, clock: Callable[[], datetime] = utcnow,
                 lease: SendLease | None = None,
                 on_tick: Sequence[Callable[[datetime], Awaitable[None]]] = ()) -> None:
        self._store = store
        self._templates = templates
        self._broadcaster = broadcaster
        self._reporter = reporter or LogReporter()
        self._clock = clock
        self._lease = lease
        self._on_tick = tuple(on_tick)
        self._task: asyncio.Task[list[DeliveryReport]] | None = None

    async def tick(self) -> None:
        """The scheduler's job: renew the send lease, then start a run unless one is still going.

        Without the lease (another process is broadcasting) nothing is sent, and a
        broadcast of ours still going is stopped: its requests in flight finish and
        are recorded, and the lease holder resumes the notice from its rows.
        """
        if self._lease is not None:
            try:
                held = self._lease.hold()
            except Exception:  # the database is unreachable: nothing could be recorded anyway
                logger.warning("could not renew the send lease; nothing is sent this tick", exc_info=True)
                return
            if not held:
                if self._task is not None and not self._task.done():
                    logger.warning("another process holds the send lease: stopping this desk's broadcast")
                    self._task.cancel()
                return
        for hook in self._on_tick:  # e.g. refreshing stale sign-up counts: never in the way of sending
            try:
                await hook(self._clock())
            except Exception:
                logger.warning("a notice tick task failed", exc_info=True)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run_due(self._clock()))

    def release_lease(self) -> None:
        """On a clean stop: let the next process broadcast without waiting for the lease to expire."""
        if self._lease is not None:
            try:
                self._lease.release()
            except Exception:
                logger.warning("could not release the send lease; it expires by itself", exc_info=True)

    async def wait_idle(self) -> None:
        """Wait for the current run (tests, shutdown)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def run_due(self, now: datetime) -> list[DeliveryReport]:
        """Resume interrupted broadcasts, then send every due notice.

        Runs never overlap (``tick``), so a notice still "sending" when a run
        starts was left by a desk that stopped, or by a broadcast that failed:
        its delivery rows say what is left. A failing notice does not hold up
        the others; it is logged and tried again on the next run.
        """
        reports: list[DeliveryReport] = []
        for notice_id in self._store.interrupted_notices():
            notice = self._store.get_notice(notice_id)
            if notice is not None:
                logger.info("resuming notice %s", notice.code)
                await self._attempt(notice, reports)
        for notice_id in self._store.due_notices(now):
            notice = self._store.claim_notice(notice_id, now=now)
            if notice is None:
                continue  # cancelled meanwhile, or another runner has it
            if notice.status is NoticeStatus.EXPIRED:
                await _quietly(self._reporter.expired(notice))
                continue
            await self._attempt(notice, reports)
        return reports

    async def _attempt(self, notice: NoticeInfo, reports: list[DeliveryReport]) -> None:
        try:
            reports.append(await self._broadcast(notice))
        except Exception:  # a database or programming error: keep the other notices going
            logger.exception("notice %s failed; it stays 'sending' and is resumed on the next run", notice.code)

    async def _broadcast(self, notice: NoticeInfo) -> DeliveryReport:
        text = notice.text
        if not text:  # a reminder: rendered now, from its notice's fields
            fields = render_fields(notice.kind, notice.fields, now=self._clock(), zone=self._templates.zone)
            text = self._templates.reminder_text(notice.purpose, notice.kind, notice.language, fields)
            self._store.set_text(notice.id, text, now=self._clock())
        buttons, shown = (), ""
        if notice.kind is NoticeKind.ACTIVITY and notice.purpose is NoticePurpose.NOTICE:
            counts = self._store.signup_counts(notice.id)
            buttons = signup_buttons(notice.id, notice.language, counts.joined, counts.declined, counts.capacity)
            shown = counts.label

        async def on_progress(progress: Progress) -> None:
            await self._reporter.progress(notice, progress)

        report = await self._broadcaster.deliver(notice.id, text, buttons=buttons, pin=notice.pin,
                                                 on_progress=on_progress, shown=shown)
        await _quietly(self._reporter.finished(notice, report))
        return report


async def _quietly(call: object) -> None:
    try:
        await call  # type: ignore[misc]
    except Exception:
        logger.warning("could not tell the sender about a notice", exc_info=True)


def add_jobs(scheduler: BaseScheduler, runner: NoticeRunner, *, every: timedelta = TICK_EVERY) -> None:
    """Add the notices tick to the desk's APScheduler; the first tick runs at start (catch-up)."""
    scheduler.add_job(runner.tick, "interval", seconds=every.total_seconds(), id=JOB_ID,
                      replace_existing=True, coalesce=True, max_instances=1, next_run_time=utcnow())
