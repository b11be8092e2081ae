"""Fixtures of the Telegram tests: the Bot API emulator and a PTB Bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot

from tests.support.bot_api import BotApiEmulator


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
