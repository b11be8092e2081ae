"""The schedule lives in the database: it survives restarts, catches up if still relevant, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from telegram import Bot

from bot.notices.broadcast import Broadcaster, Progress, SendLimiter, SendLimits
from bot.notices.compose import NoticeTemplates, compose, parse_draft
from bot.notices.models import NoticeStatus, SignupAnswer
from bot.notices.schedule import NoticeRunner, add_jobs
from bot.notices.store import DeliveryReport, NoticeInfo, NoticeStore
from bot.notices.telegram import TelegramNoticeSender
from tests.notices.conftest import NOW
from tests.support.bot_api import BotApiEmulator

LIMITS = SendLimits().scaled(10)
WATER_CUT = ("停水\n时间: 2026-11-25 09:00-17:00\n区域: 3号楼\n原因: 二次供水水箱清洗\n"
             "发送: 2026-11-23 18:00")  # sent at 10:00 UTC, cut at 01:00 UTC on the 25th


class RecordingReporter:
    """Collects what the sender would be told."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, DeliveryReport]] = []
        self.stale: list[str] = []

    async def progress(self, notice: NoticeInfo, progress: Progress) -> None:
        pass

    async def finished(self, notice: NoticeInfo, report: DeliveryReport) -> None:
        self.reports.append((notice.code, report))

    async def expired(self, notice: NoticeInfo) -> None:
        self.stale.append(notice.code)


def desk(engine: Engine, bot: Bot, templates: NoticeTemplates, now: datetime,
         reporter: RecordingReporter | None = None) -> NoticeRunner:
    """A freshly started desk on ``engine``: new store, limiter, broadcaster and runner."""
    store = NoticeStore(engine)
    broadcaster = Broadcaster(store, TelegramNoticeSender(bot), SendLimiter(LIMITS), clock=lambda: now)
    return NoticeRunner(store, templates, broadcaster, reporter=reporter, clock=lambda: now)


def setup_groups(api: BotApiEmulator, store: NoticeStore, n: int = 3) -> list[int]:
    groups = [api.add_group(f"3号楼{i}群") for i in range(n)]
    for g in groups:
        store.register_group(channel="telegram", chat_id=str(g), title="", buildings=("3",), by="1", now=NOW)
    return groups


async def test_a_scheduled_notice_survives_a_restart_and_goes_once(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store)
    notice = store.create_notice(compose(parse_draft(WATER_CUT), now=NOW, templates=templates),
                                 created_by="1", report_to="1", now=NOW)
    assert await desk(engine, api_bot, templates, NOW).run_due(NOW) == []  # not yet

    # The desk was down from 17:00 to 19:30; a new one starts on the same database.
    back = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    reporter = RecordingReporter()
    reports = await desk(engine, api_bot, templates, back, reporter).run_due(back)
    assert [r.sent for r in reports] == [3]
    assert [code for code, _ in reporter.reports] == [notice.code]
    assert all(emulator.texts(g)[0].startswith("【停水通知】") for g in groups)

    # Restarted again, and again ticking: never twice.
    again = desk(engine, api_bot, templates, back + timedelta(minutes=1))
    assert await again.run_due(back + timedelta(minutes=1)) == []
    assert await again.run_due(back + timedelta(minutes=2)) == []
    assert [len(emulator.sent_to(g)) for g in groups] == [1, 1, 1]
    assert store.get_notice(notice.id).status is NoticeStatus.DONE


async def test_the_automatic_reminder_goes_before_the_cut_to_the_same_groups(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store, 2)
    store.create_notice(compose(parse_draft(WATER_CUT), now=NOW, templates=templates),
                        created_by="1", report_to="1", now=NOW)
    await desk(engine, api_bot, templates, NOW).run_due(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    reminder_time = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 07:00 local, two hours before
    reports = await desk(engine, api_bot, templates, reminder_time).run_due(reminder_time)
    assert [r.sent for r in reports] == [2]
    assert emulator.texts(groups[0])[1].startswith("【温馨提示】3号楼将于 2026年11月25日(周三) 09:00–17:00 停水")


async def test_a_notice_missed_until_no_longer_relevant_is_not_sent_and_the_sender_is_told(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store)
    notice = store.create_notice(compose(parse_draft(WATER_CUT), now=NOW, templates=templates),
                                 created_by="1", report_to="1", now=NOW)
    after_the_cut = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # the desk was down for two days
    reporter = RecordingReporter()
    assert await desk(engine, api_bot, templates, after_the_cut, reporter).run_due(after_the_cut) == []
    assert reporter.stale == [notice.code, f"N-{notice.id + 1:04d}"]  # the notice and its reminder
    assert [len(emulator.sent_to(g)) for g in groups] == [0, 0, 0]


async def test_missed_during_the_cut_still_goes_because_residents_still_need_it(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store, 1)
    store.create_notice(compose(parse_draft(WATER_CUT), now=NOW, templates=templates),
                        created_by="1", report_to="1", now=NOW)
    during = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 11:00 local, mid-cut
    reports = await desk(engine, api_bot, templates, during).run_due(during)
    assert [r.sent for r in reports] == [1]  # the notice; the reminder's moment (before the cut) has passed
    assert len(emulator.sent_to(groups[0])) == 1


async def test_cancelled_before_it_goes_means_never_sent(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store, 1)
    notice = store.create_notice(compose(parse_draft(WATER_CUT), now=NOW, templates=templates),
                                 created_by="1", report_to="1", now=NOW)
    assert store.cancel_notice(notice.id, now=NOW)
    later = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert await desk(engine, api_bot, templates, later).run_due(later) == []
    assert emulator.sent_to(groups[0]) == []


async def test_an_interrupted_broadcast_is_resumed_by_the_next_desk(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store, 4)
    notice = store.create_notice(compose(parse_draft("通用\n标题: t\n内容: b"), now=NOW, templates=templates),
                                 created_by="1", report_to="1", now=NOW)
    store.claim_notice(notice.id, now=NOW)  # the previous desk claimed it, then died before sending
    reports = await desk(engine, api_bot, templates, NOW).run_due(NOW)
    assert [r.sent for r in reports] == [4]
    assert [len(emulator.sent_to(g)) for g in groups] == [1, 1, 1, 1]


async def test_signed_up_residents_get_a_private_reminder(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    setup_groups(emulator, store, 1)
    joined, declined = emulator.add_user("张三"), emulator.add_user("李四")
    text = "活动\n标题: 亲子运动会\n开始: 2026-11-28 09:00\n地点: 中心广场"
    notice = store.create_notice(compose(parse_draft(text), now=NOW, templates=templates),
                                 created_by="1", report_to="1", now=NOW)
    await desk(engine, api_bot, templates, NOW).run_due(NOW)
    for user, answer in ((joined, SignupAnswer.JOIN), (declined, SignupAnswer.DECLINE)):
        store.record_signup(notice.id, user_id=str(user["id"]), user_name=user["first_name"], answer=answer, now=NOW)
    day_before = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    reports = await desk(engine, api_bot, templates, day_before).run_due(day_before)
    assert [r.sent for r in reports] == [1]
    assert emulator.texts(joined["id"]) == [
        "【活动提醒】您报名参加的「亲子运动会」将于 2026年11月28日(周六) 09:00 在 中心广场 举行,期待您的到来!\n"
        "如不能参加,请在活动通知下点「不参加」。\n物业服务中心"]
    assert emulator.texts(declined["id"]) == []


async def test_the_tick_job_is_wired_into_apscheduler(engine: Engine, api_bot: Bot,
                                                      templates: NoticeTemplates) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    add_jobs(scheduler, desk(engine, api_bot, templates, NOW))
    assert [(j.id, str(j.trigger)) for j in scheduler.get_jobs()] == [("notices-due", "interval[0:00:10]")]


async def test_a_failing_broadcast_does_not_hold_up_the_next_notice_and_is_resumed_later(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = setup_groups(emulator, store, 2)
    first, second = (store.create_notice(compose(parse_draft(f"通用\n标题: 第{i}条\n内容: b"), now=NOW,
                                                 templates=templates), created_by="1", report_to="1", now=NOW)
                     for i in (1, 2))

    class FailsOnce(Broadcaster):
        """The database going away mid-broadcast, once."""

        failed = False

        async def deliver(self, notice_id: int, text: str, **kwargs):
            if notice_id == first.id and not FailsOnce.failed:
                FailsOnce.failed = True
                raise RuntimeError("server closed the connection unexpectedly")
            return await super().deliver(notice_id, text, **kwargs)

    runner = NoticeRunner(store, templates, FailsOnce(store, TelegramNoticeSender(api_bot), SendLimiter(LIMITS)))
    assert [(r.notice_id, r.sent) for r in await runner.run_due(NOW)] == [(second.id, 2)]
    assert store.get_notice(first.id).status is NoticeStatus.SENDING
    assert [(r.notice_id, r.sent) for r in await runner.run_due(NOW)] == [(first.id, 2)]  # the next tick
    assert [len(emulator.sent_to(g)) for g in groups] == [2, 2]
