"""Running notices when they are due: the schedule is the ``notice`` table, driven by APScheduler.

Nothing about a notice lives only in memory: a notice scheduled for 18:00 is a
row with ``send_at``; APScheduler merely ticks ``NoticeRunner.tick`` every few
seconds. After downtime the first tick sends what was missed if it is still
relevant (``relevant_until``) and marks the rest expired; claiming a notice is
a conditional update, so it is never sent twice. A notice left mid-broadcast
is resumed from its delivery rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
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
                 reporter: Reporter | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self._store = store
        self._templates = templates
        self._broadcaster = broadcaster
        self._reporter = reporter or LogReporter()
        self._clock = clock
        self._task: asyncio.Task[list[DeliveryReport]] | None = None

    async def tick(self) -> None:
        """The scheduler's job: start a run unless one is still going (a broadcast can take minutes)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run_due(self._clock()))

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
        buttons = ()
        if notice.kind is NoticeKind.ACTIVITY and notice.purpose is NoticePurpose.NOTICE:
            counts = self._store.signup_counts(notice.id)
            buttons = signup_buttons(notice.id, notice.language, counts.joined, counts.declined, counts.capacity)

        async def on_progress(progress: Progress) -> None:
            await self._reporter.progress(notice, progress)

        report = await self._broadcaster.deliver(notice.id, text, buttons=buttons, pin=notice.pin,
                                                 on_progress=on_progress)
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
