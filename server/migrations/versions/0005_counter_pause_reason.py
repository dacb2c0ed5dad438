"""counter pause reason

Why a paused counter is paused (the officer's words from the counter client's pause
dialog), shown on the screens; cleared when the counter opens or closes again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
