"""`desk run` builds the application with notices wired in (their behaviour is tested in tests/notices).

The scenario suite builds its application with ``notices=False``; this test
builds it as production does and drives it over HTTP through the emulator.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.engine import Engine

from bot.config import Config
from bot.desk import ServiceDesk
from bot.notices.store import NoticeStore
from bot.notices.telegram import NoticeRateLimiter
from bot.render import Templates
from bot.store import TicketStore
from bot.telegram_app import TelegramSettings, build_application
from tests.support.bot_api import BotApiEmulator
from tests.telegram.conftest import STAFF_IDS


async def test_production_application_registers_groups_for_notices_and_shares_one_send_budget(
        engine: Engine, handbook: Any, base_config: Config) -> None:
    with BotApiEmulator() as api:
        staff = api.add_user("staff-agent", user_id=STAFF_IDS["agent"])
        resident = api.add_user("张三")
        staff_group = api.add_group("翠湖物业服务中心", forum=True, admins=[staff])
        residents_group = api.add_group("3号楼业主群", members=[staff, resident])
        config = dataclasses.replace(
            base_config, telegram=dataclasses.replace(base_config.telegram, staff_group_id=staff_group))
        desk = ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                           templates=Templates(config.timezone))
        settings = TelegramSettings.from_config(config, api.token, base_url=api.base_url,
                                                base_file_url=api.file_base_url)
        running = build_application(settings, desk, config, start_scheduler=False)
        assert isinstance(running.app.bot.rate_limiter, NoticeRateLimiter)

        api.user_says(resident, "/register 全部", chat=residents_group)
        api.user_says(staff, "/register 3号楼", chat=residents_group)
        async with running.app:
            offset = 0
            while updates := await running.app.bot.get_updates(offset=offset, timeout=0):
                for update in updates:
                    offset = update.update_id + 1
                    await running.app.process_update(update)
        running.frontend.close()

        [group] = NoticeStore(engine).groups()
        assert (group.chat_id, group.buildings) == (str(residents_group), ("3",))
        replies = api.texts(residents_group)
        assert any("只有物业工作人员" in text for text in replies)  # the resident was refused
        assert len(replies) == 2
