"""voice settings

The hall announcement's site settings (wording, English announcement, dialect, how many
times a display plays a call), how a number series' numbers are read aloud, and a
counter's spoken name.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TEMPLATE_VI = "Mời công dân có số thứ tự {number} đến quầy số {counter}"
TEMPLATE_EN = "Ticket number {number}, please go to counter {counter}"


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "voice_template_vi", sa.String(300), server_default=TEMPLATE_VI, nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "voice_template_en", sa.String(300), server_default=TEMPLATE_EN, nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("voice_english", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("voice_dialect", sa.String(8), server_default="north", nullable=False)
        )
        batch_op.add_column(
            sa.Column("voice_repeat", sa.Integer(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("number_series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voice_reading", sa.String(8), server_default="number", nullable=False)
        )
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spoken_name", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_column("spoken_name")
    with op.batch_alter_table("number_series", schema=None) as batch_op:
        batch_op.drop_column("voice_reading")
    with op.batch_alter_table("site", schema=None) as batch_op:
        for column in (
            "voice_repeat",
            "voice_dialect",
            "voice_english",
            "voice_template_en",
            "voice_template_vi",
        ):
            batch_op.drop_column(column)
