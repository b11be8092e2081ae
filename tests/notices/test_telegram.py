"""The Telegram side, end to end on the Bot API emulator: a real Application polling it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application

from bot.notices.broadcast import Lane, SendLimiter, SendLimits
from bot.notices.compose import NoticeTemplates
from bot.notices.store import NoticeStore
from bot.notices.telegram import NoticeRateLimiter, NoticesFrontend, staff_checker
from tests.notices.conftest import NOW
from tests.support.bot_api import TOKEN, BotApiEmulator

STAFF_ID = 100001


class Desk:
    """The running application plus handles the tests need."""

    def __init__(self, api: BotApiEmulator, frontend: NoticesFrontend) -> None:
        self.api = api
        self.frontend = frontend
        self.store = frontend.store
        self.staff = api.add_user("李客服", user_id=STAFF_ID)
        self.resident = api.add_user("王阿姨")

    async def say(self, user: dict[str, Any], text: str, chat: int | None = None) -> None:
        """A user writes; wait for the bot's reply in that chat."""
        where = chat if chat is not None else user["id"]
        before = len(self.api.sent_to(where))
        self.api.user_says(user, text, chat=chat)
        await self.api.wait_for(lambda: len(self.api.sent_to(where)) > before)
        await self.settle()

    async def press(self, message: dict[str, Any], data: str, user: dict[str, Any]) -> str:
        query = self.api.user_presses(message, data, user=user)
        await self.api.wait_for(lambda: query in self.api.callback_answers)
        await self.settle()
        return self.api.callback_answers[query].get("text", "")

    async def settle(self) -> None:
        """Let a broadcast the last update started finish."""
        if self.frontend.runner is not None:
            await self.frontend.runner.wait_idle()

    def texts(self, chat_id: int) -> list[str]:
        return self.api.texts(chat_id)


@asynccontextmanager
async def running_desk(emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates, *,
                       refresh_window: float = 0.2, concurrent_updates: int = 1) -> AsyncIterator[Desk]:
    """A desk polling the emulator; ``concurrent_updates`` > 1 handles presses concurrently."""
    limiter = SendLimiter(SendLimits().scaled(10))
    app = (Application.builder().token(TOKEN).base_url(emulator.base_url).base_file_url(emulator.file_base_url)
           .job_queue(None).rate_limiter(NoticeRateLimiter(limiter)).concurrent_updates(concurrent_updates)
           .build())
    frontend = NoticesFrontend(store=NoticeStore(engine), templates=templates, limiter=limiter,
                               is_staff=staff_checker([STAFF_ID, None]), clock=lambda: NOW,
                               progress_interval=0.05, refresh_window=refresh_window)
    frontend.register(app)
    d = Desk(emulator, frontend)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.01, timeout=0, allowed_updates=Update.ALL_TYPES)
        try:
            yield d
        finally:
            await frontend.runner.wait_idle()
            await frontend.refresher.close()
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def desk(emulator: BotApiEmulator, engine: Engine, templates: NoticeTemplates) -> AsyncIterator[Desk]:
    async with running_desk(emulator, engine, templates) as d:
        yield d


async def wait_texts(desk: Desk, chat_id: int, n: int) -> list[str]:
    await desk.api.wait_for(lambda: len(desk.texts(chat_id)) >= n)
    return desk.texts(chat_id)


async def test_staff_register_a_group_and_residents_cannot(desk: Desk) -> None:
    group = desk.api.add_group("3号楼业主群", members=[desk.resident, desk.staff])
    desk.api.user_says(desk.resident, "/register 全部", chat=group)
    assert (await wait_texts(desk, group, 1))[-1] == "只有物业工作人员可以登记本群。"
    desk.api.user_says(desk.staff, "/register 3号楼 5号楼", chat=group)
    assert (await wait_texts(desk, group, 2))[-1].startswith("已登记本群为通知对象: 3、5号楼")
    [registered] = desk.store.groups()
    assert (registered.chat_id, registered.title, registered.buildings) == (str(group), "3号楼业主群", ("3", "5"))


async def test_register_in_a_private_chat_explains_where_to_do_it(desk: Desk) -> None:
    desk.api.user_says(desk.staff, "/register")
    assert "住户群里" in (await wait_texts(desk, STAFF_ID, 1))[0]
    assert desk.store.groups() == []


async def test_a_group_that_removes_the_bot_becomes_inactive(desk: Desk) -> None:
    group = desk.api.add_group("5号楼业主群")
    desk.api.user_says(desk.staff, "/register 5号楼", chat=group)
    await wait_texts(desk, group, 1)
    desk.api.kick_bot(group)
    chat = {"id": group, "type": "group", "title": "5号楼业主群"}
    bot_user = desk.api.bot_user
    desk.api.push_update({"my_chat_member": {
        "chat": chat, "from": desk.resident, "date": 1,
        "old_chat_member": {"status": "member", "user": bot_user},
        "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0}}})
    await desk.api.wait_for(lambda: not desk.store.groups()[0].active)
    assert desk.store.groups()[0].inactive_reason == "bot kicked"
    desk.api.push_update({"my_chat_member": {  # added back: the registration holds again
        "chat": chat, "from": desk.staff, "date": 2,
        "old_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
        "new_chat_member": {"status": "member", "user": bot_user}}})
    await desk.api.wait_for(lambda: desk.store.groups()[0].active)
    assert desk.store.groups()[0].buildings == ("5",)


async def test_one_command_notice_preview_confirm_deliver_and_report(desk: Desk) -> None:
    groups = [desk.api.add_group(f"3号楼{i}群") for i in range(3)]
    for g in groups:
        desk.api.user_says(desk.staff, "/register 3号楼", chat=g)
    await desk.api.wait_for(lambda: len(desk.store.groups()) == 3)

    desk.api.user_says(desk.staff, "/notice 停水\n时间: 2026-11-25 09:00-17:00\n区域: 3号楼\n"
                                   "原因: 二次供水水箱清洗\n对象: 3号楼\n置顶: 是")
    preview = (await wait_texts(desk, STAFF_ID, 1))[0]
    assert preview.startswith("通知预览(停水通知):") and "3号楼将于 2026年11月25日(周三) 09:00–17:00 暂停供水" in preview
    assert "将于 2026年11月25日(周三) 07:00 自动再提醒一次。" in preview and "⚠️" not in preview
    assert all(desk.texts(g) == ["已登记本群为通知对象: 3号楼。物业通知会发到本群。"] for g in groups)

    assert await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff) == "已确认"
    report = await desk.api.wait_for(lambda: [t for t in desk.texts(STAFF_ID) if "发送完成" in t])
    for g in groups:
        assert desk.texts(g)[1].startswith("【停水通知】") and len(desk.texts(g)) == 2
        assert desk.api.pinned(g) == [desk.api.last(g)["message_id"]]
    assert "成功 3 个(已置顶 3 个),失败 0 个,不可用的群 0 个。" in report[-1]


async def test_a_cut_less_than_24_hours_ahead_shows_the_warning_before_confirmation(desk: Desk) -> None:
    desk.api.user_says(desk.staff, "/notice 停电\n时间: 明天 08:00-12:00\n区域: 全小区\n原因: 变压器检修")
    preview = (await wait_texts(desk, STAFF_ID, 1))[0]
    assert "⚠️ 计划性停电应提前24小时通知业主(服务方案),本通知距开始只有约 22 小时。确认仍要发送吗?" in preview
    buttons = desk.api.last(STAFF_ID)["reply_markup"]["inline_keyboard"][0]
    assert buttons[0]["text"] == "确认(不足24小时,仍然发送)"
    assert await desk.press(desk.api.last(STAFF_ID), "ntc:no", desk.staff) == "已取消"
    assert desk.store.list_notices() == []


async def test_dialogue_then_schedule_list_and_cancel(desk: Desk) -> None:
    await desk.say(desk.staff, "/notice")
    menu = desk.api.last(STAFF_ID)
    assert [b["text"] for b in menu["reply_markup"]["inline_keyboard"][0]] == ["停水通知", "停电通知", "消防演练"]
    await desk.press(menu, "ntc:new:fire_drill", desk.staff)
    form = (await wait_texts(desk, STAFF_ID, 3))[2]
    assert form.startswith("开始: \n地点: ")
    filled = form.replace("开始: ", "开始: 2026-11-26 15:00", 1).replace("地点: ", "地点: 中心广场", 1)
    filled = filled.replace("发送: 立即", "发送: 2026-11-24 09:00")
    await desk.say(desk.staff, filled)
    preview = desk.texts(STAFF_ID)[-1]
    assert preview.startswith("通知预览(消防演练):") and "发送: 2026年11月24日(周二) 09:00" in preview
    await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff)
    await desk.api.wait_for(
        lambda: "N-0001 消防演练已确认,将于 2026年11月24日(周二) 09:00 发送。" in desk.texts(STAFF_ID)[-1])

    await desk.say(desk.staff, "/notices")
    listing = desk.api.last(STAFF_ID)
    assert "N-0001 消防演练 · 2026年11月24日(周二) 09:00 · 全小区" in listing["text"]
    assert await desk.press(listing, "ntc:cancel:1", desk.staff) == "N-0001 已取消"
    await desk.api.wait_for(lambda: desk.texts(STAFF_ID)[-1] == "没有待发送的通知。")


async def test_a_bad_form_gets_the_problems_and_the_dialogue_stays_open(desk: Desk) -> None:
    await desk.say(desk.staff, "/notice")
    await desk.press(desk.api.last(STAFF_ID), "ntc:new:general", desk.staff)
    await wait_texts(desk, STAFF_ID, 3)  # the menu, the explanation, the form
    await desk.say(desk.staff, "标题: 电梯年检")
    assert desk.texts(STAFF_ID)[-1].startswith("缺少内容")
    await desk.say(desk.staff, "标题: 电梯年检\n内容: 周三上午年检,请走楼梯。")
    assert desk.texts(STAFF_ID)[-1].startswith("通知预览(通用):")


async def test_editing_a_scheduled_notice(desk: Desk) -> None:
    await desk.say(desk.staff, "/notice 通用\n标题: 电梯年检\n内容: 周三上午。\n发送: 2026-11-24 09:00")
    await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff)
    await desk.say(desk.staff, "/notice edit N-0001\n内容: 改到周四上午。")
    assert "改到周四上午。" in desk.texts(STAFF_ID)[-1] and desk.texts(STAFF_ID)[-1].startswith("修改预览")
    await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff)
    [notice] = desk.store.list_notices()
    assert notice.fields["body"] == "改到周四上午。" and notice.fields["title"] == "电梯年检"


async def test_residents_cannot_send_notices_and_their_chat_goes_to_the_desk(desk: Desk) -> None:
    await desk.say(desk.resident, "/notice 通用\n标题: 我要发\n内容: 广告")
    assert desk.texts(desk.resident["id"]) == ["只有物业工作人员可以发布通知。"]
    await desk.say(desk.resident, "/notices")
    assert desk.store.list_notices() == []


async def test_signup_buttons_count_live_and_staff_see_who_signed_up(desk: Desk) -> None:
    group = desk.api.add_group("业主群")
    desk.api.user_says(desk.staff, "/register", chat=group)
    await wait_texts(desk, group, 1)
    await desk.say(desk.staff, "/notice 活动\n标题: 重阳节茶话会\n开始: 2026-11-28 14:00\n地点: 会所\n名额: 2")
    await desk.press(desk.api.last(STAFF_ID), "ntc:ok", desk.staff)
    announcement = desk.api.last(group)
    assert announcement["text"].startswith("【社区活动】重阳节茶话会")

    neighbours = [desk.api.add_user(name) for name in ("张三", "李四", "赵五")]
    assert await desk.press(announcement, "ntc:join:1", neighbours[0]) == "报名成功,届时见!"
    assert await desk.press(announcement, "ntc:join:1", neighbours[0]) == "已经记录过了。"
    assert await desk.press(announcement, "ntc:join:1", neighbours[1]) == "报名成功,届时见!"
    assert await desk.press(announcement, "ntc:join:1", neighbours[2]) == "抱歉,名额已满。"
    assert await desk.press(announcement, "ntc:decline:1", neighbours[2]) == "已记录,谢谢告知。"
    buttons = lambda: [b["text"] for b in desk.api.last(group)["reply_markup"]["inline_keyboard"][0]]  # noqa: E731
    await desk.api.wait_for(lambda: buttons() == ["参加 (2/2)", "不参加 (1)"])  # edited just after the toast

    await desk.say(desk.staff, "/signups N-0001")
    listing = desk.texts(STAFF_ID)[-1]
    assert listing.startswith("N-0001「重阳节茶话会」报名: 参加 2/2 人,不参加 1 人。")
    assert "1. 张三" in listing and "2. 李四" in listing and "赵五" not in listing


async def test_register_hook_shares_the_bots_limiter_and_starts_the_schedule_with_the_app(
        emulator: BotApiEmulator, engine: Engine) -> None:
    from bot.config import EXAMPLE_CONFIG, load_config
    from bot.notices.telegram import register

    limiter = SendLimiter(SendLimits(per_second=2, per_group_per_minute=20, conversation_reserve=1))
    app = (Application.builder().token(TOKEN).base_url(emulator.base_url).job_queue(None)
           .rate_limiter(NoticeRateLimiter(limiter)).build())
    frontend = register(app, engine=engine, config=load_config(EXAMPLE_CONFIG, environ={}))
    assert frontend.limiter is limiter
    assert frontend._is_staff("100001") and not frontend._is_staff("42")
    assert {type(h).__name__ for h in app.handlers[-1]} >= {"CommandHandler", "CallbackQueryHandler",
                                                            "ChatMemberHandler", "MessageHandler"}
    resident = emulator.add_user("王阿姨")
    async with app:
        await app.post_init(app)
        assert [j.id for j in frontend._scheduler.get_jobs()] == ["notices-due"]
        # The desk's own replies go through the same limiter: with its budget in use they wait.
        held = [await limiter.acquire("-1", Lane.BROADCAST), await limiter.acquire("7", Lane.CONVERSATION)]
        reply = asyncio.create_task(app.bot.send_message(resident["id"], "您好"))
        await asyncio.sleep(0.1)
        assert not reply.done() and emulator.texts(resident["id"]) == []
        for permit in held:
            permit.release(used=False)
        await reply
        assert emulator.texts(resident["id"]) == ["您好"]
        await app.post_stop(app)
        assert frontend._scheduler is None


@pytest.mark.parametrize("data", ["ntc:", "ntc:join:²", "ntc:join:99999999999999", "ntc:cancel:-1",
                                  "ntc:cancel:99999999999999", "ntc:new:bogus", "ntc:ok", "ntc:join:7:extra"])
async def test_hostile_or_stale_buttons_get_a_quiet_answer(desk: Desk, data: str) -> None:
    group = desk.api.add_group("业主群")
    desk.api.user_says(desk.staff, "/register", chat=group)
    [registered] = await wait_texts(desk, group, 1)
    message = desk.api.last(group)
    for user in (desk.resident, desk.staff):
        answer = await desk.press(message, data, user)
        assert "Traceback" not in answer and "Error" not in answer
    assert desk.texts(group) == [registered]  # nothing was sent or changed
    assert desk.store.list_notices() == []


async def test_a_resident_pressing_staff_buttons_is_refused(desk: Desk) -> None:
    await desk.say(desk.staff, "/notice 通用\n标题: t\n内容: b\n发送: 2026-11-24 09:00")
    preview = desk.api.last(STAFF_ID)
    assert await desk.press(preview, "ntc:ok", desk.resident) == "只有物业工作人员可以操作。"
    assert desk.store.list_notices() == []


async def test_confirming_twice_stores_one_notice(desk: Desk) -> None:
    await desk.say(desk.staff, "/notice 通用\n标题: t\n内容: b\n发送: 2026-11-24 09:00")
    preview = desk.api.last(STAFF_ID)
    assert await desk.press(preview, "ntc:ok", desk.staff) == "已确认"
    assert await desk.press(preview, "ntc:ok", desk.staff) == "这个预览已失效,请重新 /notice。"
    assert [n.code for n in desk.store.list_notices()] == ["N-0001"]


async def test_staff_commands_in_a_residents_group_show_nothing_there(desk: Desk) -> None:
    group = desk.api.add_group("业主群")
    await desk.say(desk.staff, "/register", chat=group)
    await desk.say(desk.staff, "/notice 活动\n标题: 茶话会\n开始: 2026-11-28 14:00\n地点: 会所", chat=group)
    await desk.say(desk.staff, "/signups N-0001", chat=group)
    assert desk.texts(group)[1:] == ["这里是住户群,请在与我的私聊中操作。"] * 2
    assert desk.store.load_draft(str(STAFF_ID), str(group)) is None
