"""notice send lease and the sign-up counts each copy shows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:10:00

``notice_lease``: the running desk's lease on broadcasting, renewed by the
notice tick, so two processes never broadcast with separate limiters.
``notice_delivery.shown``: the sign-up counts an activity's copy shows, so a
refresh edits only stale copies. Both are skipped when already there: a
database made by ``create_all`` is stamped at 0001 and then upgraded, and may
already have today's tables, or lack ``notice_delivery`` altogether (`desk db
upgrade` then creates it, as the code has it, after the migrations).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models


revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table('notice_lease'):
        op.create_table('notice_lease',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('acquired_at', bot.models.UTCDateTime(), nullable=False),
        sa.Column('renewed_at', bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name')
        )
    if inspector.has_table('notice_delivery') and 'shown' not in {
            c['name'] for c in inspector.get_columns('notice_delivery')}:
        with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
            # Rows delivered before this revision show unknown counts (''); the refresh edits them once.
            batch_op.add_column(sa.Column('shown', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                          server_default=''))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.drop_column('shown')
    op.drop_table('notice_lease')
