"""The desk's core in a child process (bot/desk_process.py): the same answers, restarts, clean stops.

A real child process (``python -m bot.desk_process``) on the test database (SQLite, and
PostgreSQL in a schema of its own when configured), as `desk run` starts it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from bot.config import Config
from bot.desk_process import DeskProcess, DeskProcessError, DeskSpec
from bot.messages import ChatRef, Inbound
from bot.models import InboundMessage, Ticket
from tests.support.poison import DiesEveryTime, DiesOnce
from tests.telegram.conftest import STAFF_IDS, Desk


def said(chat: str, message_id: int, text: str) -> Inbound:
    return Inbound(ChatRef("telegram", chat), str(message_id), datetime.now(UTC), text=text, sender_id=chat)


async def registered(process: DeskProcess, chat: str) -> None:
    """A resident who has started the bot and given their flat."""
    await process.handle(said(chat, 1, "/start"))
    await process.handle(said(chat, 2, "3栋2单元501"))


def count(engine: Engine, model: type, **where: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.exec(query).one()


@pytest.fixture
async def desk_process(database: tuple[str, str | None], engine: Engine,
                       base_config: Config) -> AsyncIterator[DeskProcess]:
    url, schema = database  # ``engine`` has created the tables there
    process = DeskProcess(DeskSpec(base_config, url, schema))
    await process.start()
    yield process
    await process.close()


async def test_it_answers_as_the_desk_does(desk_process: DeskProcess, engine: Engine) -> None:
    await registered(desk_process, "501")
    replies = await desk_process.handle(said("501", 3, "厨房水龙头一直滴水"))
    assert replies and replies[0].to == ChatRef("telegram", "501")
    assert "R-" in " ".join(r.text for r in replies)
    assert count(engine, Ticket) == 1  # written by the child, read here: one database


async def test_a_second_delivery_is_answered_once(desk_process: DeskProcess, engine: Engine) -> None:
    await registered(desk_process, "502")
    first = await desk_process.handle(said("502", 3, "楼道灯坏了"))
    again = await desk_process.handle(said("502", 3, "楼道灯坏了"))
    assert first and again == []
    assert count(engine, Ticket) == 1


async def test_many_chats_at_once_each_get_their_own_answers(desk_process: DeskProcess, engine: Engine) -> None:
    chats = [str(600 + n) for n in range(12)]
    await asyncio.gather(*(registered(desk_process, chat) for chat in chats))
    answers = await asyncio.gather(*(desk_process.handle(said(chat, 3, "门禁卡刷不开了")) for chat in chats))
    for chat, replies in zip(chats, answers, strict=True):
        assert replies and all(r.to == ChatRef("telegram", chat) for r in replies if r.to.channel == "telegram")
    assert count(engine, Ticket) == len(chats)


async def test_a_crash_mid_message_is_survived_and_the_message_answered(
        desk_process: DeskProcess, engine: Engine, tmp_path: Path) -> None:
    await registered(desk_process, "503")
    replies = await desk_process.handle(said("503", 3, DiesOnce("卫生间下水道堵了", tmp_path / "died")))
    assert (tmp_path / "died").exists()  # the first child really died on it
    assert desk_process.restarts == 1
    assert "R-" in " ".join(r.text for r in replies)
    assert count(engine, InboundMessage, chat_id="503", message_id="3") == 1
    assert await desk_process.handle(said("503", 4, "/my"))  # and the new child goes on


async def test_a_message_that_kills_it_twice_is_given_up(desk_process: DeskProcess, engine: Engine) -> None:
    await registered(desk_process, "504")
    with pytest.raises(DeskProcessError, match="twice"):
        await desk_process.handle(said("504", 3, DiesEveryTime("楼上漏水了")))
    assert await desk_process.handle(said("504", 4, "物业费怎么交"))  # the desk is still there
    assert desk_process.restarts == 2
    assert count(engine, InboundMessage, chat_id="504", message_id="3") == 0


async def test_a_killed_child_is_replaced(desk_process: DeskProcess) -> None:
    await registered(desk_process, "505")
    os.kill(desk_process.pid, signal.SIGKILL)
    assert await desk_process.handle(said("505", 3, "电梯按钮不亮了"))
    assert desk_process.restarts == 1


async def test_while_the_child_cannot_start_messages_fail_at_once_until_it_can(
        database: tuple[str, str | None], engine: Engine, base_config: Config, tmp_path: Path) -> None:
    from knowledge import BUNDLED_HANDBOOK

    handbook = tmp_path / "handbook"
    shutil.copytree(BUNDLED_HANDBOOK, handbook)
    url, schema = database
    process = DeskProcess(DeskSpec(dataclasses.replace(base_config, handbook_dir=handbook), url, schema))
    await process.start()
    try:
        handbook.rename(tmp_path / "moved-away")
        with pytest.raises(DeskProcessError, match="not available"):
            # The child dies on it and cannot start again: the message fails (the resident gets the
            # apology with the hotline) instead of waiting in silence.
            await process.handle(said("508", 1, DiesOnce("/start", tmp_path / "died")))
        with pytest.raises(DeskProcessError, match="not available"):
            await process.handle(said("508", 2, "/start"))
        (tmp_path / "moved-away").rename(handbook)
        for _ in range(100):  # the next try (after a pause that doubles) finds it again
            if process.running:
                break
            await asyncio.sleep(0.1)
        assert await process.handle(said("508", 3, "/start"))
    finally:
        await process.close()


async def test_ctrl_c_to_the_process_group_leaves_the_child_to_the_parent(desk_process: DeskProcess) -> None:
    # The terminal sends SIGINT to every process of the group; the parent shuts down in order.
    os.kill(desk_process.pid, signal.SIGINT)
    await asyncio.sleep(0.2)
    assert await desk_process.handle(said("506", 1, "/start"))
    assert desk_process.restarts == 0


async def test_close_finishes_and_refuses_what_comes_after(desk_process: DeskProcess) -> None:
    pid = desk_process.pid
    answer = asyncio.create_task(desk_process.handle(said("507", 1, "/start")))
    await asyncio.sleep(0)  # sent before close begins
    await desk_process.close()
    assert (await answer)  # what was sent before close was answered
    assert not desk_process.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(DeskProcessError):
        await desk_process.handle(said("507", 2, "3栋2单元501"))


async def test_a_desk_that_cannot_start_says_why(database: tuple[str, str | None], engine: Engine,
                                                 base_config: Config, tmp_path: Path) -> None:
    url, schema = database
    config = dataclasses.replace(base_config, handbook_dir=tmp_path / "no-such-handbook")
    process = DeskProcess(DeskSpec(config, url, schema))
    with pytest.raises(DeskProcessError, match="no-such-handbook"):
        await process.start()
    assert not process.running


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/environ")
async def test_the_child_never_holds_the_bot_token(database: tuple[str, str | None], engine: Engine,
                                                  base_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:secret-token-ABC")
    url, schema = database
    process = DeskProcess(DeskSpec(base_config, url, schema))
    await process.start()
    try:
        environ = Path(f"/proc/{process.pid}/environ").read_bytes()
    finally:
        await process.close()
    assert b"PATH=" in environ  # the rest of the environment is passed on
    assert b"secret-token-ABC" not in environ


@pytest.mark.desk_process
async def test_a_resident_on_telegram_is_answered_by_the_desk_process(desk_on_telegram: Desk) -> None:
    resident = desk_on_telegram.resident()
    await desk_on_telegram.register(resident)
    desk_on_telegram.api.user_says(resident, "厨房水管漏水了")
    await desk_on_telegram.process()
    assert desk_on_telegram.running.frontend.desk_process is not None
    assert any("R-" in text for text in desk_on_telegram.api.texts(resident["id"]))


async def test_desk_run_stops_with_the_reason_when_the_desk_process_cannot_start(
        database: tuple[str, str | None], engine: Engine, base_config: Config, handbook: Any, tmp_path: Path) -> None:
    from bot.desk import ServiceDesk
    from bot.render import Templates
    from bot.store import TicketStore
    from bot.telegram_app import StartupError, TelegramSettings, build_application
    from tests.support.bot_api import BotApiEmulator

    with BotApiEmulator() as api:
        staff = [api.add_user("staff", user_id=uid) for uid in STAFF_IDS.values()]
        group = api.add_group("物业服务中心", forum=True, admins=staff)
        config = dataclasses.replace(base_config, telegram=dataclasses.replace(base_config.telegram,
                                                                              staff_group_id=group))
        desk = ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                           templates=Templates(config.timezone))
        settings = TelegramSettings.from_config(config, api.token, base_url=api.base_url)
        broken = dataclasses.replace(config, handbook_dir=tmp_path / "gone")
        running = build_application(settings, desk, config, start_scheduler=False, notices=False,
                                    desk_process=DeskProcess(DeskSpec(broken, *database)))
        async with running.app:
            with pytest.raises(StartupError, match="gone"):
                await running.app.post_init(running.app)
