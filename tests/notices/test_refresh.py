"""Live sign-up counts on every copy of an activity: coalesced refreshes, at broadcast priority.

End to end on the Bot API emulator (a real Application polling it), then the
refresher alone against a scripted editor for the failures the emulator does
not produce (429 on an edit, a kicked bot, a timeout, a crash mid-refresh).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from telegram import Bot

from bot.models import Resident
from bot.notices.broadcast import (
    Buttons,
    ChatGone,
    Lane,
    MessageGone,
    Permit,
    RetryLater,
    SendLimiter,
    SendLimits,
)
from bot.notices.compose import NoticeTemplates, compose, parse_draft
from bot.notices.models import DeliveryStatus, SignupAnswer
from bot.notices.refresh import SignupRefresher
from bot.notices.store import NoticeInfo, NoticeStore, SignupCounts
from tests.notices.conftest import NOW
from tests.notices.test_telegram import STAFF_ID, Desk, running_desk
from tests.support.bot_api import BotApiEmulator

ACTIVITY = "/notice 活动\n标题: 包饺子\n开始: 2026-11-28 14:00\n地点: 会所\n对象: 3号楼"


def buttons_of(desk: Desk, chat_id: int) -> list[str]:
    """The sign-up button labels of the last message the bot sent to a chat."""
    markup = desk.api.last(chat_id).get("reply_markup") or {"inline_keyboard": [[]]}
    return [b["text"] for b in markup["inline_keyboard"][0]]


def register_groups(desk: Desk, n: int) -> list[int]:
    groups = [desk.api.add_group(f"3号楼{i}群") for i in range(n)]
    for g in groups:
        desk.store.register_group(channel="telegram", chat_id=str(g), title="", buildings=("3",), by="1", now=NOW)
    return groups


async def announce(desk: Desk, text: str = ACTIVITY) -> None:
    """Staff send an activity now; wait until it is delivered."""
    await desk.say(desk.staff, text)
    assert await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff) == "已确认"
    await desk.settle()


def record_edit_times(emulator: BotApiEmulator) -> dict[tuple[int, int], list[float]]:
    """When each message's buttons were successfully edited, as the server saw it."""
    edits: dict[tuple[int, int], list[float]] = defaultdict(list)
    original = emulator.handle_call

    def recording(token: str, method: str, params: dict[str, Any], uploads: Any) -> Any:
        result = original(token, method, params, uploads)
        if method == "editMessageReplyMarkup":
            edits[(int(params["chat_id"]), int(params["message_id"]))].append(time.monotonic())
        return result

    emulator.handle_call = recording  # type: ignore[method-assign]
    return edits


async def test_a_press_in_one_group_updates_the_copies_in_the_others_and_private_ones(
        emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates) -> None:
    async with running_desk(emulator, engine, templates) as desk:
        a, b, c = register_groups(desk, 3)
        with Session(engine) as session:  # a resident of building 3: gets a private copy
            session.add(Resident(channel="telegram", chat_id=str(desk.resident["id"]), name="王阿姨",
                                 building="3", created_at=NOW))
            session.commit()
        await announce(desk, ACTIVITY + "\n私信: 是")
        copies = [a, b, c, desk.resident["id"]]
        assert [buttons_of(desk, chat) for chat in copies] == [["参加 (0)", "不参加 (0)"]] * 4

        assert await desk.press(desk.api.last(a), "ntc:join:1", desk.api.add_user("张三")) == "报名成功,届时见!"
        await emulator.wait_for(lambda: all(buttons_of(desk, chat) == ["参加 (1)", "不参加 (0)"] for chat in copies))
        assert await desk.press(desk.api.last(desk.resident["id"]), "ntc:decline:1", desk.resident) == "已记录,谢谢告知。"
        await emulator.wait_for(lambda: all(buttons_of(desk, chat) == ["参加 (1)", "不参加 (1)"] for chat in copies))
        assert [len(desk.texts(chat)) for chat in copies] == [1, 1, 1, 1]  # edited in place, nothing new sent


async def test_a_burst_of_presses_edits_each_copy_at_most_once_per_window_and_ends_on_the_final_counts(
        emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates) -> None:
    window = 0.6
    async with running_desk(emulator, engine, templates, refresh_window=window) as desk:
        groups = register_groups(desk, 3)
        await announce(desk)
        edits = record_edit_times(emulator)
        copies = {g: desk.api.last(g) for g in groups}
        started = time.monotonic()
        queries = []
        for i in range(24):  # 24 neighbours press within about a second, spread over the three groups
            queries.append(emulator.user_presses(copies[groups[i % 3]], "ntc:join:1",
                                                 user=emulator.add_user(f"邻居{i}")))
            await asyncio.sleep(0.04)
        await emulator.wait_for(lambda: all(q in emulator.callback_answers for q in queries), timeout=15)
        await emulator.wait_for(lambda: all(buttons_of(desk, g) == ["参加 (24)", "不参加 (0)"] for g in groups),
                                timeout=15)
        await desk.frontend.refresher.wait_idle()
        burst = time.monotonic() - started

    assert desk.store.signup_counts(1) == SignupCounts(24, 0, None)
    assert set(edits) == {(g, m["message_id"]) for g, m in copies.items()}
    for times in edits.values():
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        assert all(gap >= window - 0.02 for gap in gaps), gaps
        assert len(times) <= burst / window + 1 < 24


async def test_concurrent_presses_in_several_groups_leave_every_copy_on_the_true_counts(
        emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates) -> None:
    async with running_desk(emulator, engine, templates, concurrent_updates=16) as desk:
        groups = register_groups(desk, 3)
        await announce(desk, ACTIVITY + "\n名额: 25")
        copies = [desk.api.last(g) for g in groups]
        neighbours = [emulator.add_user(f"邻居{i}") for i in range(60)]
        queries = [emulator.user_presses(copies[i % 3], "ntc:decline:1" if i % 4 == 3 else "ntc:join:1", user=n)
                   for i, n in enumerate(neighbours)]  # all at once: 45 want to join, 15 cannot come
        await emulator.wait_for(lambda: all(q in emulator.callback_answers for q in queries), timeout=20)
        toasts = [emulator.callback_answers[q].get("text", "") for q in queries]
        assert (toasts.count("报名成功,届时见!"), toasts.count("抱歉,名额已满。"), toasts.count("已记录,谢谢告知。")) == (
            25, 20, 15)
        await emulator.wait_for(lambda: all(buttons_of(desk, g) == ["参加 (25/25)", "不参加 (15)"] for g in groups),
                                timeout=15)
        await desk.frontend.refresher.wait_idle()
        assert all(buttons_of(desk, g) == ["参加 (25/25)", "不参加 (15)"] for g in groups)
        assert desk.store.signup_counts(1) == SignupCounts(25, 15, 25)


async def test_a_deleted_copy_is_skipped_and_the_others_still_update(
        emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates, api_bot: Bot) -> None:
    async with running_desk(emulator, engine, templates) as desk:
        a, b, c = register_groups(desk, 3)
        await announce(desk)
        await api_bot.delete_message(b, desk.api.last(b)["message_id"])  # a group admin deletes it
        await desk.press(desk.api.last(a), "ntc:join:1", desk.api.add_user("张三"))
        await emulator.wait_for(lambda: buttons_of(desk, c) == ["参加 (1)", "不参加 (0)"])
        await desk.frontend.refresher.wait_idle()
        assert desk.store.stale_copies(1, "1/0") == []  # the deleted one is not tried again
        assert desk.store.activities_with_stale_copies(NOW) == []
        assert [g.active for g in desk.store.groups()] == [True, True, True]  # the group itself is fine


# -- the refresher alone ------------------------------------------------------------------------

class ScriptedEditor:
    """Records edits; raises what ``script[chat]`` lists, one per call, before succeeding."""

    def __init__(self, script: dict[str, list[BaseException]] | None = None) -> None:
        self.script = script or {}
        self.edits: list[tuple[str, str, str]] = []  # (chat, message, join label)
        self.hold: asyncio.Event | None = None  # when set up, the next edit waits for it

    async def edit_buttons(self, chat_id: str, message_id: str, buttons: Buttons) -> None:
        if self.hold is not None:
            hold, self.hold = self.hold, None
            await hold.wait()
        if self.script.get(chat_id):
            raise self.script[chat_id].pop(0)
        self.edits.append((chat_id, message_id, buttons[0][0].label))


class RecordingLimiter(SendLimiter):
    """The shared limiter, noting which lane each permit was asked for."""

    def __init__(self) -> None:
        super().__init__(SendLimits().scaled(10))
        self.asked: list[tuple[str, Lane]] = []

    async def acquire(self, chat_id: str, lane: Lane = Lane.CONVERSATION) -> Permit:
        self.asked.append((chat_id, lane))
        return await super().acquire(chat_id, lane)


def delivered_activity(store: NoticeStore, templates: NoticeTemplates, chats: list[str]) -> NoticeInfo:
    """An activity delivered to ``chats`` (message ids m-<chat>), its copies showing 0/0."""
    for chat in chats:
        store.register_group(channel="telegram", chat_id=chat, title="", buildings=(), by="1", now=NOW)
    c = compose(parse_draft("活动\n标题: 包饺子\n开始: 2026-11-28 14:00\n地点: 会所"), now=NOW, templates=templates)
    notice = store.create_notice(c, created_by="1", report_to="", now=NOW)
    store.claim_notice(notice.id, now=NOW)
    store.prepare_deliveries(notice.id, now=NOW)
    with store.delivery_writer() as writer:
        for target in store.pending_targets(notice.id):
            writer.finish(target.delivery_id, DeliveryStatus.SENT, now=NOW, message_id=f"m{target.chat_id}",
                          shown="0/0")
    return notice


def join(store: NoticeStore, notice: NoticeInfo, user: str) -> None:
    store.record_signup(notice.id, user_id=user, user_name=user, answer=SignupAnswer.JOIN, now=NOW)


CHATS = ["-101", "-102", "-103"]


async def test_edits_wait_for_broadcast_permits_and_a_429_pauses_broadcasts(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = delivered_activity(store, templates, CHATS)
    join(store, notice, "u1")
    editor = ScriptedEditor({"-102": [RetryLater(0.05)]})
    limiter = RecordingLimiter()
    refresher = SignupRefresher(store, editor, limiter, window=0.05, clock=lambda: NOW)
    refresher.poke(notice.id, first_chat="-103")
    await refresher.wait_idle()
    assert [e[0] for e in editor.edits] == ["-103", "-101", "-102"]  # the pressed copy first
    assert {e[2] for e in editor.edits} == {"参加 (1)"}
    assert {lane for _, lane in limiter.asked} == {Lane.BROADCAST}
    assert sorted(chat for chat, _ in limiter.asked) == ["-101", "-102", "-102", "-103"]
    assert limiter.broadcast_pauses == 1
    assert store.stale_copies(notice.id, "1/0") == []


async def test_a_chat_the_bot_was_removed_from_becomes_inactive_and_is_not_edited_again(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = delivered_activity(store, templates, CHATS)
    join(store, notice, "u1")
    editor = ScriptedEditor({"-101": [ChatGone("Forbidden: bot was kicked from the group chat")],
                             "-102": [MessageGone("Bad Request: message to edit not found")]})
    refresher = SignupRefresher(store, editor, SendLimiter(SendLimits().scaled(10)), window=0.05,
                                clock=lambda: NOW)
    refresher.poke(notice.id)
    await refresher.wait_idle()
    assert [e[0] for e in editor.edits] == ["-103"]
    assert [(g.chat_id, g.active) for g in store.groups()] == [("-101", False), ("-102", True), ("-103", True)]
    join(store, notice, "u2")
    assert refresher.sweep(NOW) == [notice.id]
    await refresher.wait_idle()
    assert [e[0] for e in editor.edits] == ["-103", "-103"]  # the gone copies are left alone


async def test_a_timed_out_edit_stays_stale_and_the_tick_refreshes_it(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = delivered_activity(store, templates, CHATS)
    join(store, notice, "u1")
    editor = ScriptedEditor({"-102": [TimeoutError()]})
    refresher = SignupRefresher(store, editor, SendLimiter(SendLimits().scaled(10)), window=0.05,
                                clock=lambda: NOW)
    refresher.poke(notice.id)
    await refresher.wait_idle()
    assert [c.chat_id for c in store.stale_copies(notice.id, "1/0")] == ["-102"]
    assert refresher.sweep(NOW) == [notice.id]
    await refresher.wait_idle()
    assert store.stale_copies(notice.id, "1/0") == [] and [e[0] for e in editor.edits] == ["-101", "-103", "-102"]
    assert refresher.sweep(NOW) == []  # nothing stale: the tick costs no request
    assert refresher.sweep(NOW + timedelta(days=6)) == []  # after the activity: no more refreshing


async def test_a_crash_mid_refresh_is_finished_by_the_next_desk(
        engine: Engine, store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = delivered_activity(store, templates, CHATS)
    join(store, notice, "u1")
    editor = ScriptedEditor()
    editor.hold = asyncio.Event()  # the first edit hangs: the desk goes down meanwhile
    refresher = SignupRefresher(store, editor, SendLimiter(SendLimits().scaled(10)), window=0.05,
                                concurrency=1, clock=lambda: NOW)
    refresher.poke(notice.id)
    await asyncio.sleep(0.05)
    await refresher.close()
    assert editor.edits == [] and len(store.stale_copies(notice.id, "1/0")) == 3

    restarted = SignupRefresher(NoticeStore(engine), editor, SendLimiter(SendLimits().scaled(10)),
                                clock=lambda: NOW)
    assert restarted.sweep(NOW) == [notice.id]
    await restarted.wait_idle()
    assert sorted(e[0] for e in editor.edits) == CHATS and store.stale_copies(notice.id, "1/0") == []


async def test_presses_during_a_refresh_fold_into_one_more_with_the_latest_counts(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = delivered_activity(store, templates, CHATS)
    join(store, notice, "u0")
    editor = ScriptedEditor()
    hold = editor.hold = asyncio.Event()
    refresher = SignupRefresher(store, editor, SendLimiter(SendLimits().scaled(10)), window=0.1,
                                concurrency=1, clock=lambda: NOW)
    refresher.poke(notice.id)  # the first press after a quiet spell: refreshed at once
    await asyncio.sleep(0.02)
    for i in range(1, 10):  # nine more while that refresh is under way
        join(store, notice, f"u{i}")
        refresher.poke(notice.id)
    hold.set()
    await refresher.wait_idle()
    assert refresher.refreshes == 2
    assert [label for _, _, label in editor.edits] == ["参加 (1)"] * 3 + ["参加 (10)"] * 3


async def test_only_activities_are_refreshed(store: NoticeStore, templates: NoticeTemplates) -> None:
    store.register_group(channel="telegram", chat_id="-101", title="", buildings=(), by="1", now=NOW)
    notice = store.create_notice(compose(parse_draft("通用\n标题: t\n内容: b"), now=NOW, templates=templates),
                                 created_by="1", report_to="", now=NOW)
    editor = ScriptedEditor()
    refresher = SignupRefresher(store, editor, SendLimiter(SendLimits().scaled(10)), window=0.01)
    refresher.poke(notice.id)
    await refresher.wait_idle()
    assert editor.edits == []
