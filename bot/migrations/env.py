"""Alembic environment: runs migrations on the connection bot/dbcli.py hands over.

There is no alembic.ini: bot/dbcli.py builds the configuration in code and
passes an open connection as ``config.attributes["connection"]``, so the URL,
SQLite pragmas and PostgreSQL search_path all come from ``bot.db.make_engine``.
"""

from __future__ import annotations

from alembic import context

from bot.migrations import target_metadata


def run_migrations() -> None:
    """Run the migrations on the connection given by bot/dbcli.py."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `desk db upgrade`, not the alembic command")
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        compare_server_default=False,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run `desk db upgrade`")
run_migrations()
