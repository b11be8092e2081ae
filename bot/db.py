"""Database engines: SQLite (the embedded default) and PostgreSQL (production).

The only place that turns a URL into an engine, so both databases get the
settings the desk relies on.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

DEFAULT_URL = "sqlite:///desk.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def database_url(value: str) -> str:
    """A ``--db`` value as a URL: a plain file path becomes ``sqlite:///PATH``; URLs pass through."""
    value = value.strip()
    if "://" in value or value.startswith("sqlite:"):
        return value
    from pathlib import Path  # noqa: PLC0415 - tiny, only on this path

    return f"sqlite:///{Path(value).expanduser()}"


def normalise_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str = DEFAULT_URL, *, search_path: str | None = None, echo: bool = False) -> Engine:
    """Build an engine for ``url``.

    SQLite gets WAL, foreign keys and a busy timeout on every connection, and
    may be used from the thread the async adapters hand work to. ``search_path``
    (PostgreSQL only) confines the engine to one schema; the tests use it to
    give every test a fresh schema in the shared test database.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # errors are logged: never with residents' words in them
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        memory = url in ("sqlite://", "sqlite:///:memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            # Let SQLAlchemy's "begin" below issue BEGIN itself (pysqlite's own
            # implicit BEGIN comes too late, after the first SELECT).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin_immediate(conn) -> None:  # pragma: no cover - trivial
            # Take the write lock at the start of every transaction: a deferred
            # transaction that reads, then writes, fails with SQLITE_BUSY instead
            # of waiting when another worker wrote in between (WAL snapshot rule).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args = {"options": f"-c search_path={search_path}"} if search_path else {}
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
