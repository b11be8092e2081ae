"""the buttons each stored outbound message carried

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:55:00

``outboundmessage.buttons``: JSON rows of [label, action] pairs, so a `desk chat`
terminal shows a message another terminal caused with the buttons it really
carried (not rating buttons guessed from the ticket). Rows stored before this
revision have none (''). Skipped when already there (a database made by
``create_all`` is stamped at 0001 and then upgraded).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table('outboundmessage'):  # a legacy database without it gets it whole, as in 0002
        return
    if 'buttons' not in {c['name'] for c in inspector.get_columns('outboundmessage')}:
        with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
            batch_op.add_column(sa.Column('buttons', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                          server_default=''))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table('outboundmessage', schema=None) as batch_op:
        batch_op.drop_column('buttons')
