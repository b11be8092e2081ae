"""The desk's timed sweeps on an APScheduler AsyncIOScheduler.

The logic is in the desk (``repeat_alerts``, ``escalate_overdue``,
``remind_unrated``, each taking ``now``); a job only calls it with the current
time and hands the messages to the transport. Start the scheduler inside the
running event loop (APScheduler 3.11 asks for it), e.g. in PTB's post_init.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Config
from bot.messages import Outbound, Transport

logger = logging.getLogger(__name__)

ALERT_CHECK_EVERY = timedelta(seconds=30)
RATING_CHECK_EVERY = timedelta(minutes=10)


def build_scheduler(desk, transport: Transport, config: Config) -> AsyncIOScheduler:
    """A scheduler (not started) with one job per sweep, each with an explicit id."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    jobs: tuple[tuple[str, Callable[..., list[Outbound]], timedelta], ...] = (
        ("repeat-alerts", desk.repeat_alerts, ALERT_CHECK_EVERY),
        ("escalate-overdue", desk.escalate_overdue, config.timers.overdue_check),
        ("remind-unrated", desk.remind_unrated, RATING_CHECK_EVERY),
    )
    for job_id, sweep, every in jobs:
        scheduler.add_job(
            run_sweep, IntervalTrigger(seconds=every.total_seconds(), timezone=UTC), args=(sweep, transport),
            id=job_id, name=job_id, replace_existing=True, coalesce=True, max_instances=1,
        )
    return scheduler


async def run_sweep(sweep: Callable[..., list[Outbound]], transport: Transport) -> None:
    """Run one sweep now (in a worker thread: it touches the database) and deliver its messages."""
    try:
        messages = await asyncio.to_thread(sweep, now=datetime.now(UTC))
    except Exception:
        logger.exception("sweep %s failed", getattr(sweep, "__name__", sweep))
        return
    if messages:
        await transport.deliver(messages)
