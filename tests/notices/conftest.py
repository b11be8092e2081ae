"""Fixtures for the notices tests: store and templates on the shared fresh database, the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.request import HTTPXRequest

import bot.notices.models  # noqa: F401  (registers the notice tables before tests/conftest.py creates them)
from bot.notices.compose import NoticeTemplates
from bot.notices.store import NoticeStore
from tests.support.bot_api import TOKEN, BotApiEmulator, Limits

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in the community (Asia/Shanghai)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-telegram-bot 22 warns on int time periods unless opted in; warnings are errors here."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def store(engine: Engine) -> NoticeStore:
    return NoticeStore(engine)


@pytest.fixture
def templates() -> NoticeTemplates:
    return NoticeTemplates("Asia/Shanghai")


@pytest.fixture
def emulator() -> Iterator[BotApiEmulator]:
    with BotApiEmulator(limits=Limits(), record_calls=False) as api:
        yield api


@pytest.fixture
async def api_bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A plain PTB Bot on the emulator, with enough connections for a concurrent broadcast."""
    bot = Bot(TOKEN, base_url=emulator.base_url, base_file_url=emulator.file_base_url,
              request=HTTPXRequest(connection_pool_size=32))
    async with bot:
        yield bot
