"""Broadcasting on the Bot API emulator: limits enforced by the emulator, 429s injected, crashes mid-way."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import insert
from telegram import Bot

from bot.notices.broadcast import Broadcaster, SendLimiter, SendLimits, signup_buttons
from bot.notices.compose import NoticeTemplates, compose, parse_draft
from bot.notices.models import DeliveryStatus, NoticeGroup, NoticeStatus
from bot.notices.store import NoticeInfo, NoticeStore
from bot.notices.telegram import TelegramNoticeSender
from tests.notices.conftest import NOW
from tests.support.bot_api import BotApiEmulator, Limits

SCALE = 10  # Telegram's limits ×10 on both sides: 1,000 groups in about four seconds
GROUPS = 1000


class Crash(BaseException):
    """The desk process dying: not an Exception, so nothing on the way records it."""


def scaled_emulator_limits(**extra: object) -> Limits:
    return Limits(global_per_second=30 * SCALE, group_per_minute=20 * SCALE, **extra)  # type: ignore[arg-type]


def add_groups(api: BotApiEmulator, store: NoticeStore, n: int) -> list[int]:
    """n groups on the emulator, registered community-wide (one bulk insert: 1,000 /register calls are slow)."""
    ids = [api.add_group(f"{i % 20 + 1}号楼业主群 {i}") for i in range(n)]
    with store._engine.begin() as conn:
        conn.execute(insert(NoticeGroup), [
            {"channel": "telegram", "chat_id": str(g), "title": f"{i % 20 + 1}号楼业主群 {i}", "community": True,
             "buildings": "", "active": True, "inactive_reason": "", "registered_by": "100001",
             "registered_at": NOW, "updated_at": NOW} for i, g in enumerate(ids)])
    return ids


GENERAL = "通用\n标题: 电梯年检\n内容: 本周三上午 1 号楼电梯年检,请走楼梯。"


def sending_notice(store: NoticeStore, templates: NoticeTemplates, *, pin: bool = False,
                   form: str = GENERAL) -> NoticeInfo:
    text = f"{form}\n置顶: {'是' if pin else '否'}"
    notice = store.create_notice(compose(parse_draft(text), now=NOW, templates=templates),
                                 created_by="100001", report_to="", now=NOW)
    claimed = store.claim_notice(notice.id, now=NOW)
    assert claimed is not None and claimed.status is NoticeStatus.SENDING
    return claimed


def received(api: BotApiEmulator, groups: list[int]) -> list[int]:
    return [len(api.sent_to(g)) for g in groups]


@pytest.fixture
def limits() -> SendLimits:
    return SendLimits().scaled(SCALE)


async def test_every_group_gets_the_notice_once_within_the_limits_despite_429s(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits) -> None:
    emulator.limits = scaled_emulator_limits(fail_every=150)  # two 429s injected on the way
    groups = add_groups(emulator, store, 400)
    notice = sending_notice(store, templates)
    limiter = SendLimiter(limits)
    progress: list[tuple[int, int]] = []

    async def on_progress(p) -> None:
        progress.append((p.done, p.total))

    report = await Broadcaster(store, TelegramNoticeSender(api_bot), limiter, progress_interval=0.5).deliver(
        notice.id, notice.text, on_progress=on_progress)

    assert received(emulator, groups) == [1] * 400
    assert (report.total, report.sent, report.failed, report.unknown, report.pending) == (400, 400, 0, 0, 0)
    injected = emulator._message_calls // 150
    assert injected >= 2 and limiter.broadcast_pauses == injected
    assert emulator.throttled == injected, "the desk itself caused a 429"
    assert progress[-1] == (400, 400) and len(progress) >= 2
    assert store.get_notice(notice.id).status is NoticeStatus.DONE


async def test_a_crash_mid_broadcast_then_a_restart_reaches_every_group_exactly_once(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits, engine) -> None:
    emulator.limits = scaled_emulator_limits(fail_every=450)
    groups = add_groups(emulator, store, GROUPS)
    notice = sending_notice(store, templates)
    real = TelegramNoticeSender(api_bot)

    class DiesAfterARequest:
        """Sends for real; at the 400th request the process dies after the request, before recording it."""

        calls = 0

        async def send(self, chat_id: str, text: str, buttons) -> str:
            DiesAfterARequest.calls += 1
            mine = DiesAfterARequest.calls
            message_id = await real.send(chat_id, text, buttons)
            if mine == 400:
                raise Crash
            return message_id

        async def pin(self, chat_id: str, message_id: str) -> None:
            raise AssertionError("not pinned")

    with pytest.raises(BaseExceptionGroup) as died:
        await Broadcaster(store, DiesAfterARequest(), SendLimiter(limits)).deliver(notice.id, notice.text)
    assert died.group_contains(Crash)
    before = sum(received(emulator, groups))
    assert 400 <= before < GROUPS

    # A fresh desk on the same database (new store, limiter and broadcaster). A process restart takes
    # longer than the 1-second window; without this pause the new limiter, blind to the dead one's last
    # second of requests, could overrun the emulator's window on a fast run.
    await asyncio.sleep(1.0)
    restarted = NoticeStore(engine)
    assert restarted.interrupted_notices() == [notice.id]
    progress: list[tuple[int, int]] = []

    async def on_progress(p) -> None:
        progress.append((p.done, p.total))

    report = await Broadcaster(restarted, real, SendLimiter(limits), progress_interval=0.5).deliver(
        notice.id, notice.text, on_progress=on_progress)

    assert received(emulator, groups) == [1] * GROUPS
    assert progress[0][0] >= before and progress[-1] == (GROUPS, GROUPS)  # counting on from the crash
    # The request in flight when the desk died did arrive, but the desk cannot know: reported, not re-sent.
    assert (report.sent, report.unknown, report.pending) == (GROUPS - 1, 1, 0)
    assert report.problems[0].status is DeliveryStatus.UNKNOWN
    assert emulator.throttled == emulator._message_calls // 450 >= 1, "a 429 the desk caused, or none injected"


async def test_cancelling_a_broadcast_finishes_requests_in_flight_so_a_restart_sends_each_once(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits, engine) -> None:
    emulator.limits = scaled_emulator_limits()
    groups = add_groups(emulator, store, 400)
    notice = sending_notice(store, templates)
    sender = TelegramNoticeSender(api_bot)

    task = asyncio.create_task(Broadcaster(store, sender, SendLimiter(limits)).deliver(notice.id, notice.text))
    await emulator.wait_for(lambda: sum(received(emulator, groups)) >= 150, timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sum(received(emulator, groups)) < 400

    report = await Broadcaster(NoticeStore(engine), sender, SendLimiter(limits)).deliver(notice.id, notice.text)
    assert received(emulator, groups) == [1] * 400
    assert (report.sent, report.unknown, report.failed) == (400, 0, 0)


async def test_kicked_and_inactive_groups_are_reported_and_the_rest_pinned(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits) -> None:
    groups = add_groups(emulator, store, 6)
    emulator.kick_bot(groups[1])  # removed while the desk did not notice
    store.set_group_active(channel="telegram", chat_id=str(groups[2]), active=False, reason="bot removed", now=NOW)
    notice = sending_notice(store, templates, pin=True)

    report = await Broadcaster(store, TelegramNoticeSender(api_bot), SendLimiter(limits)).deliver(
        notice.id, notice.text, pin=True)

    assert received(emulator, groups) == [1, 0, 0, 1, 1, 1]
    assert (report.sent, report.inactive, report.failed, report.pinned) == (4, 2, 0, 4)
    reasons = {p.chat_id: p.reason for p in report.problems}
    assert "kicked" in reasons[str(groups[1])] and reasons[str(groups[2])] == "bot removed"
    assert emulator.pinned(groups[0]) == [emulator.last(groups[0])["message_id"]]
    assert not store.groups(active_only=False)[1].active  # learnt from the 403


async def test_activity_goes_out_with_signup_buttons(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits) -> None:
    groups = add_groups(emulator, store, 2)
    notice = sending_notice(store, templates,
                            form="社区活动\n标题: 亲子运动会\n开始: 2026-11-28 09:00\n地点: 中心广场\n名额: 30")
    buttons = signup_buttons(notice.id, "zh", 0, 0, 30)
    await Broadcaster(store, TelegramNoticeSender(api_bot), SendLimiter(limits)).deliver(
        notice.id, notice.text, buttons=buttons)
    keyboard = emulator.last(groups[0])["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in keyboard[0]] == ["参加 (0/30)", "不参加 (0)"]
    assert keyboard[0][0]["callback_data"] == f"ntc:join:{notice.id}"


async def test_a_second_broadcaster_on_the_same_notice_sends_nothing_twice(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits, engine) -> None:
    groups = add_groups(emulator, store, 60)
    notice = sending_notice(store, templates)
    sender = TelegramNoticeSender(api_bot)
    limiter = SendLimiter(limits)
    await asyncio.gather(
        Broadcaster(store, sender, limiter).deliver(notice.id, notice.text),
        Broadcaster(NoticeStore(engine), sender, limiter).deliver(notice.id, notice.text),
    )
    assert received(emulator, groups) == [1] * 60



async def test_a_bot_with_too_few_connections_still_delivers_each_once_and_nothing_unknown(
        emulator: BotApiEmulator, store: NoticeStore, templates: NoticeTemplates, limits: SendLimits) -> None:
    """PTB raises TimedOut("Pool timeout … not sent") when no connection frees up: retried, not "unknown"."""
    from telegram.request import HTTPXRequest

    from tests.support.bot_api import TOKEN

    groups = add_groups(emulator, store, 40)
    notice = sending_notice(store, templates)
    bot = Bot(TOKEN, base_url=emulator.base_url, request=HTTPXRequest(connection_pool_size=1, pool_timeout=0.001))
    async with bot:
        report = await Broadcaster(store, TelegramNoticeSender(bot), SendLimiter(limits), concurrency=8,
                                   max_retries=1000).deliver(notice.id, notice.text)
    assert received(emulator, groups) == [1] * 40
    assert (report.sent, report.unknown, report.failed) == (40, 0, 0)


KILLABLE_DESK = """
import asyncio, os, sys
os.environ["PTB_TIMEDELTA"] = "1"
from telegram import Bot
from telegram.request import HTTPXRequest
import bot.models, bot.notices.models
from bot.db import make_engine
from bot.notices.broadcast import Broadcaster, SendLimiter, SendLimits
from bot.notices.store import NoticeStore
from bot.notices.telegram import TelegramNoticeSender

url, schema, base_url, token, notice_id, text = sys.argv[1:]
async def main():
    store = NoticeStore(make_engine(url, search_path=schema or None))
    bot = Bot(token, base_url=base_url, request=HTTPXRequest(connection_pool_size=16))
    async with bot:
        await Broadcaster(store, TelegramNoticeSender(bot), SendLimiter(SendLimits().scaled(10))).deliver(
            int(notice_id), text)
asyncio.run(main())
"""


async def test_a_desk_killed_with_sigkill_mid_broadcast_never_sends_twice_and_reports_what_it_cannot_know(
        emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore, templates: NoticeTemplates,
        limits: SendLimits, engine, database) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.support.bot_api import TOKEN

    emulator.limits = scaled_emulator_limits()
    groups = add_groups(emulator, store, 500)
    notice = sending_notice(store, templates)
    url, schema = database
    desk = subprocess.Popen([sys.executable, "-c", KILLABLE_DESK, url, schema or "", emulator.base_url, TOKEN,
                             str(notice.id), notice.text], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        await emulator.wait_for(lambda: sum(received(emulator, groups)) >= 150, timeout=30)
    finally:
        desk.send_signal(signal.SIGKILL)  # no cleanup, no finally blocks: power cut
        desk.wait(timeout=10)
    assert sum(received(emulator, groups)) < 500

    report = await Broadcaster(NoticeStore(engine), TelegramNoticeSender(api_bot), SendLimiter(limits)).deliver(
        notice.id, notice.text)
    counts = dict(zip(map(str, groups), received(emulator, groups), strict=True))
    assert max(counts.values()) == 1  # never twice
    unknown = {p.chat_id for p in report.problems}
    assert all(counts[chat] == 1 for chat in counts if chat not in unknown)  # everyone else exactly once
    assert report.sent + report.unknown == 500 and report.pending == 0
    assert report.unknown <= 8  # at most the requests that were on the wire (the default concurrency)
