"""Shared fixtures.

``db_url`` / ``engine`` give every test a fresh database: a SQLite file in the
test's tmp_path, and — when DESK_TEST_DATABASE_URL is set — the same test runs
a second time on PostgreSQL, in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.db import make_engine, normalise_url

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PG_URL = os.environ.get("DESK_TEST_DATABASE_URL")

DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(url, search_path) of a fresh, empty database for this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}", None
        return
    url = normalise_url(PG_URL or "")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server went away between CI's check and now
        admin.dispose()
        pytest.skip(f"PostgreSQL at DESK_TEST_DATABASE_URL is not reachable: {exc.__class__.__name__}")
    try:
        yield url, schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database: tuple[str, str | None]) -> Iterator[Engine]:
    """An engine on a fresh database with every table the desk defines created."""
    from bot.migrations import target_metadata

    url, schema = database
    eng = make_engine(url, search_path=schema)
    target_metadata().create_all(eng)
    yield eng
    eng.dispose()
