"""One send budget: only the process holding the send lease broadcasts (the desk, or `--deliver` alone)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy.engine import Engine
from telegram import Bot

from bot.notices.broadcast import Broadcaster, SendLimiter, SendLimits
from bot.notices.compose import NoticeTemplates, compose, parse_draft
from bot.notices.models import NoticeStatus
from bot.notices.schedule import LEASE_TTL, NoticeRunner, SendLease
from bot.notices.store import NoticeInfo, NoticeStore
from bot.notices.telegram import TelegramNoticeSender
from tests.notices.conftest import NOW
from tests.support.bot_api import BotApiEmulator


def test_one_holder_at_a_time_renewed_released_or_expired(store: NoticeStore) -> None:
    clock = [NOW]
    desk = SendLease(store, holder="desk", clock=lambda: clock[0])
    cli = SendLease(store, holder="cli", clock=lambda: clock[0])
    assert desk.hold() and desk.other_holder() is None
    assert not cli.hold() and cli.other_holder() == "desk"
    clock[0] += LEASE_TTL - timedelta(seconds=1)
    assert desk.hold()  # renewed by the tick
    clock[0] += LEASE_TTL - timedelta(seconds=1)
    assert not cli.hold()  # still live: renewed less than the TTL ago
    clock[0] += timedelta(seconds=2)
    assert cli.hold() and desk.other_holder() == "cli"  # the desk died: its lease expired
    assert not desk.hold()
    cli.release()
    assert desk.other_holder() is None and desk.hold()
    cli.release()  # releasing a lease one does not hold changes nothing
    assert cli.other_holder() == "desk"


def notice_now(store: NoticeStore, templates: NoticeTemplates, title: str = "电梯年检") -> NoticeInfo:
    c = compose(parse_draft(f"通用\n标题: {title}\n内容: 周三上午年检"), now=NOW, templates=templates)
    return store.create_notice(c, created_by="1", report_to="", now=NOW)


def runner(engine: Engine, bot: Bot, templates: NoticeTemplates, holder: str, clock: list) -> NoticeRunner:
    """A desk process on ``engine``: its own store, limiter and lease."""
    store = NoticeStore(engine)
    broadcaster = Broadcaster(store, TelegramNoticeSender(bot), SendLimiter(SendLimits().scaled(10)),
                              clock=lambda: NOW)
    return NoticeRunner(store, templates, broadcaster, clock=lambda: NOW,
                        lease=SendLease(store, holder=holder, clock=lambda: clock[0]))


def add_groups(emulator: BotApiEmulator, store: NoticeStore, n: int) -> list[int]:
    groups = [emulator.add_group(f"group {i}") for i in range(n)]
    for g in groups:
        store.register_group(channel="telegram", chat_id=str(g), title="", buildings=(), by="1", now=NOW)
    return groups


async def test_a_second_desk_sends_nothing_while_the_first_holds_the_lease(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = add_groups(emulator, store, 2)
    clock = [NOW]
    first, second = (runner(engine, api_bot, templates, name, clock) for name in ("first", "second"))
    swept: list[str] = []

    async def sweep(now) -> None:
        swept.append("second")

    second._on_tick = (sweep,)
    await first.tick()
    await first.wait_idle()
    assert [len(emulator.texts(g)) for g in groups] == [0, 0]  # nothing due yet

    notice_now(store, templates)
    await second.tick()
    await second.wait_idle()
    assert [len(emulator.texts(g)) for g in groups] == [0, 0] and swept == []  # not the holder: does nothing
    await first.tick()
    await first.wait_idle()
    assert [len(emulator.texts(g)) for g in groups] == [1, 1]

    first.release_lease()  # a clean stop: the other desk takes over at once
    notice_now(store, templates, "第二条")
    await second.tick()
    await second.wait_idle()
    assert [len(emulator.texts(g)) for g in groups] == [2, 2] and swept == ["second"]


async def test_a_desk_that_lost_its_lease_stops_broadcasting_and_the_holder_finishes_exactly_once(
        engine: Engine, emulator: BotApiEmulator, api_bot: Bot, store: NoticeStore,
        templates: NoticeTemplates) -> None:
    groups = add_groups(emulator, store, 300)
    clock = [NOW]
    stalled = runner(engine, api_bot, templates, "stalled", clock)
    notice = notice_now(store, templates)
    await stalled.tick()
    await emulator.wait_for(lambda: sum(len(emulator.texts(g)) for g in groups) >= 30, timeout=10)
    clock[0] += LEASE_TTL + timedelta(seconds=1)  # it missed its renewals (a long pause): another takes over
    taker = runner(engine, api_bot, templates, "taker", clock)
    assert taker._lease.hold()
    await stalled.tick()  # finds the lease gone: stops, its requests in flight recorded
    await stalled.wait_idle()
    assert stalled._task.cancelled()
    assert sum(len(emulator.texts(g)) for g in groups) < 300

    await taker.tick()
    await taker.wait_idle()
    assert [len(emulator.texts(g)) for g in groups] == [1] * 300
    report = store.report(notice.id)
    assert (report.sent, report.unknown, report.pending) == (300, 0, 0)


def test_deliver_leaves_the_notice_to_a_running_desk(cli_setup, emulator: BotApiEmulator, capsys) -> None:
    send, store, group = cli_setup
    running_desk = SendLease(store, holder="desk-host:4242:0a1b2c3d")
    assert running_desk.hold()

    code, out = send()
    assert code == 0
    assert out == ("N-0001 温馨提示 stored; not delivered from here: a desk is running and will deliver N-0001 "
                   "within seconds; it is stored.\n")
    code, out = send("--json")
    payload = json.loads(out)
    assert code == 0 and payload["report"] is None
    assert payload["notes"][0] == "--deliver: a desk is running and will deliver N-0002 within seconds; it is stored"
    assert emulator.texts(group) == []
    assert [n.status for n in store.list_notices()] == [NoticeStatus.SCHEDULED] * 2  # the desk's next tick sends
    assert SendLease(store).other_holder() == "desk-host:4242:0a1b2c3d"  # the desk's lease is untouched

    running_desk.release()  # the desk stopped: now --deliver sends, everything due included
    code, out = send("--json")
    assert code == 0 and json.loads(out)["report"]["sent"] == 3
    assert len(emulator.texts(group)) == 3
    assert SendLease(store).other_holder() is None  # and it gave the lease back
