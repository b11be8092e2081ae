"""`desk db`: upgrade the database schema with Alembic, and developer tools for migrations.

    desk db upgrade [--db URL] [--config FILE]   create or upgrade the schema to the latest revision
    desk db current [--db URL] [--config FILE]   the revision the database is at
    desk db check   [--db URL] [--config FILE]   exit 1 if the schema differs from the code's tables
    desk db revision -m MSG [--autogenerate] [--db URL]   write a new revision (developers)
    desk db regenerate-initial                   rewrite revision 0001 from today's tables (developers)

The database is ``--db``, else DATABASE_URL, else the configuration's
``[database] url`` (``--config``, else ./desk.toml when present), else
``sqlite:///desk.db``. Upgrading never drops anything. A database made by
``create_all`` before migrations existed (tables but no ``alembic_version``)
is stamped as the initial revision, then upgraded; see docs/operations.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.db import DEFAULT_URL, make_engine, normalise_url
from bot.db import database_url as as_url
from bot.migrations import INITIAL_REVISION, target_metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
# Any constant: two `desk db upgrade` at once on PostgreSQL take turns instead of racing.
PG_MIGRATION_LOCK = 0x6465736B  # "desk"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic's configuration, built in code (no alembic.ini); ``connection`` is what env.py migrates."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("truncate_slug_length", "40")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The latest revision in bot/migrations/versions."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """What `upgrade` did: the revision before (None: none) and after, and whether it stamped."""

    before: str | None
    after: str | None
    stamped_legacy: bool = False
    created: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.stamped_legacy:
            text_ = f"existing database without migration history: recorded it as revision {INITIAL_REVISION}"
            text_ += "" if self.after == INITIAL_REVISION else f", then upgraded to {self.after}"
            if not self.created:
                return text_ + " (no table changed)"
            if self.created:
                text_ += f"; created what it lacked: {', '.join(self.created)}"
            return text_
        if self.before == self.after:
            return f"already up to date at {self.after}"
        if self.before is None:
            return f"created the schema at {self.after}"
        return f"upgraded from {self.before} to {self.after}"


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (None: not under migration control)."""
    return MigrationContext.configure(connection).get_current_revision()


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})


SQLITE_UPGRADE_TRIES = 5


def upgrade(engine: Engine, revision: str = "head") -> UpgradeResult:
    """Create or upgrade the schema to ``revision`` in one transaction; never drops anything.

    Two processes may start at once (`desk run` beside `desk db upgrade`): on PostgreSQL an
    advisory lock orders them; on SQLite the write lock does, but SQLite can answer "database is
    locked" without waiting out its busy timeout (around the WAL file of a database just opened
    and closed elsewhere). The transaction was rolled back, so trying again is safe.
    """
    for attempt in range(1, SQLITE_UPGRADE_TRIES + 1):
        try:
            return _upgrade_once(engine, revision)
        except OperationalError as exc:
            locked = engine.dialect.name == "sqlite" and "locked" in str(exc.orig)
            if not locked or attempt == SQLITE_UPGRADE_TRIES:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _upgrade_once(engine: Engine, revision: str) -> UpgradeResult:
    metadata = target_metadata()
    with engine.begin() as connection:
        _lock(connection)
        before = current_revision(connection)
        existing = set(inspect(connection).get_table_names())
        legacy = before is None and bool(existing & set(metadata.tables))
        cfg = alembic_config(connection)
        if legacy:
            # Made by create_all before migrations existed: that schema is the initial revision's.
            command.stamp(cfg, INITIAL_REVISION)
        command.upgrade(cfg, revision)
        created: list[str] = []
        if legacy and revision == "head":
            created = _add_what_is_missing(connection, metadata)
        after = current_revision(connection)
    return UpgradeResult(before, after, stamped_legacy=legacy, created=tuple(created))


def _add_what_is_missing(connection: Connection, metadata: MetaData) -> list[str]:
    """Create the tables and indexes of the code that a legacy database lacks; return their names.

    Head matches the code's tables (the drift test guarantees it), so adding them is
    safe, and it only adds: anything else that differs is reported, never "fixed".
    """
    existing = set(inspect(connection).get_table_names())
    missing = [t for name, t in metadata.tables.items() if name not in existing]
    metadata.create_all(connection, tables=missing, checkfirst=True)
    created = sorted(t.name for t in missing)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    for diff in compare_metadata(context, metadata):
        if isinstance(diff, tuple) and diff[0] == "add_index":
            diff[1].create(connection)
            created.append(diff[1].name)
    return created


def schema_differences(engine: Engine) -> list[str]:
    """How the database's schema differs from the code's tables (empty: identical)."""
    metadata = target_metadata()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    return [_describe_diff(d) for d in diffs]


def _describe_diff(diff: object) -> str:
    if isinstance(diff, tuple) and diff and isinstance(diff[0], str):
        op, *rest = diff
        names = [getattr(x, "name", None) or str(x) for x in rest if x is not None]
        return f"{op}: {' '.join(str(n) for n in names)}"
    if isinstance(diff, list):  # modify_* entries come as a list of tuples
        return "; ".join(_describe_diff(d) for d in diff)
    return str(diff)


def database_url(db: str | None, config: Path | None, environ: Mapping[str, str]) -> str:
    """The database to work on: --db, DATABASE_URL, the configuration's [database] url, the default."""
    if db:
        return as_url(db)
    if environ.get("DATABASE_URL"):
        return environ["DATABASE_URL"]
    path = config or (Path("desk.toml") if Path("desk.toml").is_file() else None)
    if path is None:
        return DEFAULT_URL
    from bot.config import load_config  # deferred: only needed with a configuration file

    return load_config(path, environ=environ).database_url


def regenerate_initial() -> Path:
    """Rewrite revision 0001 from the code's tables today; refuses once later revisions exist."""
    scripts = ScriptDirectory.from_config(alembic_config())
    revisions = list(scripts.walk_revisions())
    if any(r.revision != INITIAL_REVISION for r in revisions):
        raise ValueError("later revisions exist: write a new revision with `desk db revision --autogenerate`")
    for old in VERSIONS_DIR.glob(f"{INITIAL_REVISION}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'empty.db'}")
        try:
            with engine.begin() as connection:
                command.revision(
                    alembic_config(connection),
                    message="initial schema",
                    autogenerate=True,
                    rev_id=INITIAL_REVISION,
                )
        finally:
            engine.dispose()
    return next(VERSIONS_DIR.glob(f"{INITIAL_REVISION}_*.py"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk db", description="Database schema tools (Alembic).")
    sub = parser.add_subparsers(dest="action", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db", metavar="URL", help="database URL (default: DATABASE_URL, the config, desk.db)"
        )
        p.add_argument("--config", type=Path, metavar="FILE", help="desk configuration (TOML)")
        return p

    with_db(sub.add_parser("upgrade", help="create or upgrade the schema (never drops)"))
    with_db(sub.add_parser("current", help="the revision the database is at"))
    with_db(sub.add_parser("check", help="exit 1 if the schema differs from the code's tables"))
    rev = with_db(sub.add_parser("revision", help="write a new revision (developers)"))
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument(
        "--autogenerate", action="store_true", help="compare the (upgraded) database with the code"
    )
    rev.add_argument("--rev-id", help="the new revision's id (default: random)")
    sub.add_parser("regenerate-initial", help=f"rewrite revision {INITIAL_REVISION} from the code's tables")
    return parser


def main(argv: Sequence[str]) -> int:
    """`desk db ACTION [--db URL] [--config FILE]`."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.action == "regenerate-initial":
        try:
            path = regenerate_initial()
        except ValueError as exc:
            print(f"desk db: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {path}")
        return 0
    try:
        url = database_url(args.db, args.config, os.environ)
    except Exception as exc:  # ConfigError and friends: the message names the problem
        print(f"desk db: {exc}", file=sys.stderr)
        return 2
    if args.action in ("current", "check", "revision") and _missing_sqlite_file(url):
        print(f"desk db: no such database file {url!r} (`desk db upgrade` creates it)", file=sys.stderr)
        return 1
    try:
        engine = make_engine(url)
    except Exception as exc:  # an unparseable URL or a missing driver
        print(f"desk db: cannot use database {url!r}: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2
    shown = engine.url.render_as_string(hide_password=True)
    try:
        return _run(args, engine, shown)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"desk db: {shown}: {reason}", file=sys.stderr)
        return 1
    except CommandError as exc:  # e.g. a revision this version of the desk does not know
        print(f"desk db: {shown}: {exc} (was the database migrated by a newer desk?)", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _missing_sqlite_file(url: str) -> bool:
    """True for a SQLite URL naming a file that does not exist (opening it would create it)."""
    try:
        parsed = make_url(normalise_url(url))
    except Exception:  # reported when the engine is made
        return False
    database = parsed.database or ""
    return (
        parsed.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not Path(database).exists()
    )


def _run(args: argparse.Namespace, engine: Engine, shown: str) -> int:
    if args.action == "upgrade":
        result = upgrade(engine)
        print(f"{shown}: {result.describe()}")
        diffs = schema_differences(engine)
        if diffs:  # only possible for a legacy database whose columns differ from today's
            print(f"{shown}: warning: the schema still differs from the code:", file=sys.stderr)
            for diff in diffs:
                print(f"  {diff}", file=sys.stderr)
            return 1
        return 0
    if args.action == "current":
        with engine.connect() as connection:
            rev = current_revision(connection)
        head = head_revision()
        if rev is None:
            print(f"{shown}: not under migration control (run `desk db upgrade`); head is {head}")
        else:
            print(f"{shown}: {rev}{' (head)' if rev == head else f' (head is {head})'}")
        return 0
    if args.action == "check":
        diffs = schema_differences(engine)
        if not diffs:
            print(f"{shown}: the schema matches the code")
            return 0
        print(f"{shown}: the schema differs from the code:")
        for diff in diffs:
            print(f"  {diff}")
        return 1
    # revision
    with engine.begin() as connection:
        command.revision(
            alembic_config(connection),
            message=args.message,
            autogenerate=args.autogenerate,
            rev_id=args.rev_id,
        )
    return 0
