"""Fixtures for the notices tests: store and templates on the shared fresh database, the Bot API emulator."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

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


@pytest.fixture
def cli_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: BotApiEmulator):
    """`desk notice send … --deliver` against the emulator: a configuration pointing at it, a SQLite
    file with one residents' group. Yields ``send(*extra) -> (exit code, stdout)``, the store, the group."""
    from bot.config import EXAMPLE_CONFIG
    from bot.db import make_engine
    from bot.notices.cli import main
    from bot.store import create_tables

    config = tmp_path / "desk.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        '# base_url = "https://api.telegram.org/bot"', f'base_url = "{emulator.base_url}"'), encoding="utf-8")
    db = tmp_path / "desk.db"
    engine = make_engine(f"sqlite:///{db}")
    create_tables(engine)
    group = emulator.add_group("业主群")
    NoticeStore(engine).register_group(channel="telegram", chat_id=str(group), title="业主群", buildings=(),
                                       by="cli", now=NOW)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def send(*extra: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["send", "温馨提示", "--field", "内容=今晚大风,请关好门窗。", "--deliver", *extra,
                     "--config", str(config), "--db", str(db)], stdin=io.StringIO(), stdout=out)
        return code, out.getvalue()

    yield send, NoticeStore(engine), group
    engine.dispose()
