"""Migrations: `desk db upgrade` creates exactly the code's tables, upgrades in place, never loses data.

Every test runs on SQLite and, with DESK_TEST_DATABASE_URL, on PostgreSQL in a
schema of its own (the ``database`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import dbcli
from bot.db import make_engine
from bot.migrations import INITIAL_REVISION, target_metadata
from bot.models import Resident, Ticket

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@pytest.fixture
def bare(database: tuple[str, str | None]) -> Iterator[Engine]:
    """An engine on a fresh database with no tables at all."""
    url, schema = database
    engine = make_engine(url, search_path=schema)
    yield engine
    engine.dispose()


def cli_url(database: tuple[str, str | None]) -> str:
    """The fixture's database as one URL (the schema as a libpq option), for the command line."""
    url, schema = database
    return url if schema is None else f"{url}?options={quote(f'-csearch_path={schema}')}"


def add_resident_and_ticket(engine: Engine) -> None:
    with Session(engine) as session:
        resident = Resident(
            channel="telegram",
            chat_id="42",
            name="王女士",
            building="3",
            unit="2",
            room="501",
            created_at=NOW,
        )
        session.add(resident)
        session.flush()
        session.add(
            Ticket(
                code="R-20261123-0001",
                kind="repair",
                status="reported",
                resident_id=resident.id,
                description="厨房水管漏水",
                opened_at=NOW,
                updated_at=NOW,
            )
        )
        session.commit()


def stored_codes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Ticket.code)))


def test_upgrade_creates_exactly_the_code_tables(bare: Engine) -> None:
    result = dbcli.upgrade(bare)

    assert (result.before, result.after) == (None, dbcli.head_revision())
    assert result.describe() == f"created the schema at {dbcli.head_revision()}"
    tables = set(inspect(bare).get_table_names())
    assert tables == set(target_metadata().tables) | {"alembic_version"}
    assert dbcli.schema_differences(bare) == []


def test_drift_between_database_and_code_is_reported(bare: Engine) -> None:
    dbcli.upgrade(bare)
    with bare.begin() as conn:
        conn.execute(text("ALTER TABLE ticket ADD COLUMN colour VARCHAR(8)"))
        conn.execute(text("DROP INDEX ix_ticket_kind"))

    diffs = dbcli.schema_differences(bare)

    assert any(d.startswith("remove_column") and "colour" in d for d in diffs), diffs
    assert any(d.startswith("add_index") and "ix_ticket_kind" in d for d in diffs), diffs


def test_second_upgrade_is_a_no_op_and_keeps_data(bare: Engine) -> None:
    dbcli.upgrade(bare)
    add_resident_and_ticket(bare)

    again = dbcli.upgrade(bare)

    assert again.before == again.after == dbcli.head_revision()
    assert again.describe().startswith("already up to date")
    assert stored_codes(bare) == ["R-20261123-0001"]


def test_database_made_by_create_all_is_stamped_not_dropped(bare: Engine) -> None:
    metadata = target_metadata()
    metadata.create_all(bare)
    add_resident_and_ticket(bare)

    result = dbcli.upgrade(bare)

    assert result.stamped_legacy and result.before is None and result.after == dbcli.head_revision()
    assert result.created == ()
    assert stored_codes(bare) == ["R-20261123-0001"]
    assert dbcli.schema_differences(bare) == []


def test_legacy_database_gets_its_missing_tables(bare: Engine) -> None:
    metadata = target_metadata()
    older = [t for name, t in metadata.tables.items() if not name.startswith(("notice", "telegram"))]
    metadata.create_all(bare, tables=older)
    add_resident_and_ticket(bare)

    result = dbcli.upgrade(bare)

    assert result.stamped_legacy
    assert "notice" in result.created and "telegram_topic" in result.created
    assert "ticket" not in result.created
    assert stored_codes(bare) == ["R-20261123-0001"]
    assert dbcli.schema_differences(bare) == []


def test_legacy_database_without_the_outbound_table_gets_it_whole(bare: Engine) -> None:
    metadata = target_metadata()
    older = [t for name, t in metadata.tables.items() if name != "outboundmessage"]
    metadata.create_all(bare, tables=older)

    result = dbcli.upgrade(bare)

    assert result.stamped_legacy and "outboundmessage" in result.created
    assert dbcli.schema_differences(bare) == []


def test_legacy_database_gets_the_indexes_added_since(bare: Engine) -> None:
    target_metadata().create_all(bare)
    with bare.begin() as conn:
        conn.execute(text("DROP INDEX ix_ticket_queue"))
    add_resident_and_ticket(bare)

    result = dbcli.upgrade(bare)

    assert result.stamped_legacy and result.created == ("ix_ticket_queue",)
    assert "created what it lacked: ix_ticket_queue" in result.describe()
    assert stored_codes(bare) == ["R-20261123-0001"]
    assert dbcli.schema_differences(bare) == []


def test_a_database_at_0001_gets_the_rating_sweep_index_and_keeps_its_data(bare: Engine) -> None:
    dbcli.upgrade(bare, "0001")
    add_resident_and_ticket(bare)
    assert "ix_ticket_rating_sweep" not in {i["name"] for i in inspect(bare).get_indexes("ticket")}

    result = dbcli.upgrade(bare)

    assert (result.before, result.after) == ("0001", dbcli.head_revision())
    assert "ix_ticket_rating_sweep" in {i["name"] for i in inspect(bare).get_indexes("ticket")}
    assert stored_codes(bare) == ["R-20261123-0001"]
    assert dbcli.schema_differences(bare) == []


def test_downgrade_to_base_and_back(bare: Engine) -> None:
    from alembic import command

    dbcli.upgrade(bare)
    with bare.begin() as conn:
        command.downgrade(dbcli.alembic_config(conn), "base")
    assert set(inspect(bare).get_table_names()) <= {"alembic_version"}

    assert dbcli.upgrade(bare).before is None
    assert dbcli.schema_differences(bare) == []


def test_two_upgrades_at_once_both_succeed(bare: Engine, database: tuple[str, str | None]) -> None:
    url, schema = database
    results: list[dbcli.UpgradeResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        engine = make_engine(url, search_path=schema)
        try:
            results.append(dbcli.upgrade(engine))
        except BaseException as exc:  # collected: a thread's exception must fail the test
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(r.before is None for r in results) == [False, True]  # one created, one found it done
    assert dbcli.schema_differences(bare) == []


def test_a_locked_sqlite_upgrade_is_tried_again_and_other_errors_are_not(
    bare: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    real, calls = dbcli._upgrade_once, []

    def locked_once(engine: Engine, revision: str) -> dbcli.UpgradeResult:
        calls.append(revision)
        if len(calls) == 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return real(engine, revision)

    monkeypatch.setattr(dbcli, "_upgrade_once", locked_once)
    monkeypatch.setattr(dbcli.time, "sleep", lambda seconds: None)
    if bare.dialect.name != "sqlite":  # PostgreSQL orders upgrades with its advisory lock: no retry
        with pytest.raises(OperationalError):
            dbcli.upgrade(bare)
        return
    assert dbcli.upgrade(bare).after == dbcli.head_revision()
    assert len(calls) == 2

    def broken(engine: Engine, revision: str) -> dbcli.UpgradeResult:
        calls.append(revision)
        raise OperationalError("CREATE TABLE", {}, Exception("disk I/O error"))

    monkeypatch.setattr(dbcli, "_upgrade_once", broken)
    calls.clear()
    with pytest.raises(OperationalError, match="disk I/O"):
        dbcli.upgrade(bare)
    assert len(calls) == 1


def test_cli_upgrade_current_check(
    database: tuple[str, str | None], bare: Engine, capsys: pytest.CaptureFixture
) -> None:
    with bare.connect():  # an empty database (on SQLite, an empty file)
        pass
    url = cli_url(database)
    head = dbcli.head_revision()

    assert dbcli.main(["current", "--db", url]) == 0
    assert "not under migration control" in capsys.readouterr().out
    assert dbcli.main(["upgrade", "--db", url]) == 0
    assert f"created the schema at {head}" in capsys.readouterr().out
    assert dbcli.main(["upgrade", "--db", url]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert dbcli.main(["current", "--db", url]) == 0
    assert f": {head} (head)" in capsys.readouterr().out
    assert dbcli.main(["check", "--db", url]) == 0
    assert "matches the code" in capsys.readouterr().out


def test_cli_takes_database_url_from_environment(
    database: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", cli_url(database))

    assert dbcli.main(["upgrade"]) == 0
    assert "created the schema" in capsys.readouterr().out


def test_cli_check_fails_on_an_unmigrated_database(
    database: tuple[str, str | None], bare: Engine, capsys: pytest.CaptureFixture
) -> None:
    with bare.connect():
        pass
    assert dbcli.main(["check", "--db", cli_url(database)]) == 1
    assert "add_table: ticket" in capsys.readouterr().out


def test_database_url_precedence(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "desk.toml"
    from bot.config import EXAMPLE_CONFIG

    config.write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
            'url = "sqlite:///desk.db"', 'url = "sqlite:///from-config.db"'
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    assert (
        dbcli.database_url("sqlite:///flag.db", config, {"DATABASE_URL": "sqlite:///env.db"})
        == "sqlite:///flag.db"
    )
    assert dbcli.database_url(None, config, {"DATABASE_URL": "sqlite:///env.db"}) == "sqlite:///env.db"
    assert dbcli.database_url(None, config, {}) == "sqlite:///from-config.db"
    assert dbcli.database_url(None, None, {}) == "sqlite:///from-config.db"  # ./desk.toml
    config.unlink()
    assert dbcli.database_url(None, None, {}) == "sqlite:///desk.db"


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["upgrade", "--db", "nonsense://x"], 2, "cannot use database"),
        (["upgrade", "--config", "/nonexistent/desk.toml"], 2, "no such configuration file"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_cli_bad_input_gets_a_clear_message(
    argv: list[str], code: int, message: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)

    assert dbcli.main(argv) == code
    assert message in capsys.readouterr().err


def test_cli_on_a_file_that_is_not_a_database(tmp_path, capsys: pytest.CaptureFixture) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00\xffthis is not SQLite" * 100)

    assert dbcli.main(["upgrade", "--db", f"sqlite:///{junk}"]) == 1
    err = capsys.readouterr().err
    assert "not a database" in err and "Traceback" not in err
    assert junk.read_bytes().startswith(b"\x00\xffthis is not SQLite")


def test_initial_revision_is_the_only_root() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(dbcli.alembic_config())
    assert list(scripts.get_bases()) == [INITIAL_REVISION]


def test_cli_current_does_not_create_a_missing_sqlite_file(tmp_path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "typo.db"

    assert dbcli.main(["current", "--db", f"sqlite:///{missing}"]) == 1
    assert "no such database file" in capsys.readouterr().err
    assert not missing.exists()


@pytest.fixture
def scratch_migrations(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A copy of bot/migrations that the developer commands may write into."""
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(dbcli.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(dbcli, "MIGRATIONS_DIR", copy)
    monkeypatch.setattr(dbcli, "VERSIONS_DIR", copy / "versions")
    return copy / "versions"


def test_autogenerate_writes_what_the_database_lacks(scratch_migrations, tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    assert dbcli.main(["upgrade", "--db", url]) == 0
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_ticket_queue"))
    engine.dispose()

    head = dbcli.head_revision()
    assert (
        dbcli.main(["revision", "--autogenerate", "-m", "queue index", "--rev-id", "9999", "--db", url]) == 0
    )

    written = (scratch_migrations / "9999_queue_index.py").read_text(encoding="utf-8")
    assert f"down_revision: str | Sequence[str] | None = '{head}'" in written
    assert "create_index('ix_ticket_queue'" in written


def test_regenerating_the_initial_revision_is_refused_once_later_revisions_exist(
    scratch_migrations, capsys: pytest.CaptureFixture
) -> None:
    before = {p.name: p.read_text(encoding="utf-8") for p in scratch_migrations.glob("*.py")}

    assert dbcli.main(["regenerate-initial"]) == 1

    assert "later revisions exist" in capsys.readouterr().err
    assert {p.name: p.read_text(encoding="utf-8") for p in scratch_migrations.glob("*.py")} == before


def test_regenerated_initial_revision_creates_the_code_tables(scratch_migrations, bare: Engine) -> None:
    for later in scratch_migrations.glob("*.py"):  # as before the first release: 0001 alone
        if not later.name.startswith("0001_"):
            later.unlink()
    before = (scratch_migrations / "0001_initial_schema.py").read_text(encoding="utf-8")
    (scratch_migrations / "0001_initial_schema.py").write_text(
        before.replace("op.create_table('staff'", "op.create_table('old_staff'"), encoding="utf-8"
    )

    path = dbcli.regenerate_initial()

    assert path.name == "0001_initial_schema.py"
    assert "op.create_table('staff'" in path.read_text(encoding="utf-8")
    dbcli.upgrade(bare)
    assert dbcli.schema_differences(bare) == []


def test_cli_on_a_database_from_a_newer_desk(
    bare: Engine, database: tuple[str, str | None], capsys: pytest.CaptureFixture
) -> None:
    dbcli.upgrade(bare)
    with bare.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))

    assert dbcli.main(["upgrade", "--db", cli_url(database)]) == 1
    err = capsys.readouterr().err
    assert "f00d" in err and "newer desk" in err and "Traceback" not in err


def test_cli_when_the_server_does_not_answer(capsys: pytest.CaptureFixture) -> None:
    assert dbcli.main(["upgrade", "--db", "postgresql://desk@127.0.0.1:1/desk"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("desk db: postgresql+psycopg://desk@127.0.0.1:1/desk: ") and "Traceback" not in err
