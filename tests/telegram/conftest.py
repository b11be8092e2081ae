"""Fixtures of the Telegram tests: the Bot API emulator, and the real desk running on it.

``desk_on_telegram`` builds the whole thing as production does — a real
ServiceDesk on the test database (SQLite, and PostgreSQL when configured),
the real python-telegram-bot Application talking HTTP to the emulator — with
the staff forum group, its room topics and the configured staff as users.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from telegram import Bot, Update

# Registers the front-end's tables before the `engine` fixture creates them.
from bot import telegram_store as _front_end_tables  # noqa: F401
from bot.config import EXAMPLE_CONFIG, Config, load_config
from bot.desk import ServiceDesk
from bot.desk_process import DeskProcess, DeskSpec
from bot.render import Templates
from bot.store import TicketStore
from bot.telegram_app import Running, TelegramSettings, build_application
from tests.core.conftest import TEST_UNSURE_BELOW
from tests.support.bot_api import BotApiEmulator, Json

STAFF_IDS = {"agent": 100001, "engineer": 100002, "engineer2": 100003, "security": 100004, "manager": 100005}


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta ``retry_after`` (the int form warns, and warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def api() -> Iterator[BotApiEmulator]:
    """A fresh emulated Bot API on 127.0.0.1."""
    with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(api: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot talking HTTP to the emulator."""
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url) as real_bot:
        yield real_bot


@pytest.fixture(scope="session")
def handbook() -> Any:
    """The bundled owner handbook (read-only, so shared by every test)."""
    from knowledge import BUNDLED_HANDBOOK, load_handbook

    return load_handbook(BUNDLED_HANDBOOK)


@pytest.fixture(scope="session")
def base_config() -> Config:
    return load_config(EXAMPLE_CONFIG)


class FakeClock:
    """Monotonic seconds that move only when a test (or a fake sleep) moves them."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclasses.dataclass
class Desk:
    """The desk on Telegram, with the people and places of a small community."""

    api: BotApiEmulator
    running: Running
    desk: ServiceDesk
    config: Config
    clock: FakeClock
    staff_group: int
    rooms: dict[str, int]
    staff: dict[str, Json]
    offset: int = 0

    @property
    def app(self) -> Any:
        return self.running.app

    async def process(self) -> int:
        """Fetch what is waiting (real getUpdates over HTTP) and run it through the Application."""
        handled = 0
        while True:
            updates = await self.app.bot.get_updates(offset=self.offset, timeout=0)
            if not updates:
                return handled
            for update in updates:
                self.offset = update.update_id + 1
                await self.app.process_update(update)
                handled += 1

    async def settle(self) -> None:
        """Process everything, including albums still being gathered."""
        await self.process()
        await self.running.frontend.flush_albums()
        await self.process()

    def resident(self, name: str = "张三", language: str | None = "zh") -> Json:
        return self.api.add_user(name, language_code=language)

    async def register(self, user: Json, flat: str = "3栋2单元501") -> None:
        """A resident starts the bot and gives their flat."""
        self.api.user_says(user, "/start")
        self.api.user_says(user, flat)
        await self.process()

    def room_texts(self, room: str) -> list[str]:
        return self.api.texts(self.staff_group, self.rooms[room])

    def update(self, raw: Json) -> Update:
        return Update.de_json(raw, self.app.bot)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "production_threshold: the desk uses the classifier's own unsure threshold")
    config.addinivalue_line("markers", "desk_threads(n): the desk runs in n worker threads instead of on the loop")
    config.addinivalue_line("markers", "desk_process: messages are answered by the desk in a child process "
                                       "(with the classifier's own unsure threshold), as `desk run` does")


@pytest.fixture
async def desk_on_telegram(database: tuple[str, str | None], engine: Engine, handbook: Any, base_config: Config,
                           request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    """The real desk and the real Application on the emulator, initialised (getMe, commands, topics)."""
    unsure_below = None if request.node.get_closest_marker("production_threshold") else TEST_UNSURE_BELOW
    clock = FakeClock()
    with BotApiEmulator(clock=clock) as api:
        staff = {role: api.add_user(f"staff-{role}", user_id=uid) for role, uid in STAFF_IDS.items()}
        group = api.add_group("翠湖物业服务中心", forum=True, admins=staff.values())
        rooms = {room: api.add_topic(group, name) for room, name in
                 (("duty", "值班"), ("engineering", "工程"), ("agents", "客服"), ("manager", "主任"))}
        telegram = dataclasses.replace(
            base_config.telegram, staff_group_id=group, duty_topic_id=rooms["duty"],
            engineering_topic_id=rooms["engineering"], agents_topic_id=rooms["agents"],
            manager_topic_id=rooms["manager"])
        config = dataclasses.replace(base_config, telegram=telegram)
        # The front-end's tests are not about the classifier's calibration (still being tuned):
        # the same low "unsure" threshold as the core tests; unsure cases use gibberish.
        desk = ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                           templates=Templates(config.timezone), unsure_below=unsure_below)
        settings = TelegramSettings.from_config(config, api.token, base_url=api.base_url,
                                                base_file_url=api.file_base_url, album_wait=0.05)
        if (threads := request.node.get_closest_marker("desk_threads")) is not None:
            settings = dataclasses.replace(settings, desk_threads=threads.args[0])
        # Notices (and their shared send budget, which waits in real time) have their own suite
        # on a real Application (tests/notices); test_notices_wiring.py checks they are wired in.
        process = None
        if request.node.get_closest_marker("desk_process") is not None:
            process = DeskProcess(DeskSpec(config, *database))
        running = build_application(settings, desk, config, start_scheduler=False, sleep=clock.sleep, clock=clock,
                                    notices=False, desk_process=process)
        async with running.app:
            await running.app.post_init(running.app)
            try:
                yield Desk(api, running, desk, config, clock, group, rooms, staff)
                await running.frontend.flush_albums()
                running.frontend.close()
            finally:
                if process is not None:
                    await process.close()
