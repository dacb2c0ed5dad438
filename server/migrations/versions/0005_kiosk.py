"""kiosk: idempotency keys of ticket requests, device health

Revision ID: 0005_kiosk
Revises: 0004
Create Date: 2026-12-06 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.models

revision = "0005_kiosk"
down_revision = "0006_voice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_idempotency_key_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_key")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_key_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "device_health",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("printer_state", sa.String(length=32), nullable=False),
        sa.Column("paper_low", sa.Boolean(), nullable=False),
        sa.Column("paper_out", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("reported_at", server.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_device_health_device_id_device")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_health")),
    )


def downgrade() -> None:
    op.drop_table("device_health")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created_at"))
    op.drop_table("idempotency_key")
