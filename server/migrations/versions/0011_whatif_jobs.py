"""whatif jobs: what-if simulations run outside the serving process, their state shared

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatif_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("profile", sa.String(length=40), nullable=False),
        sa.Column("days_done", sa.Integer(), nullable=False),
        sa.Column("days_most", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=40), nullable=True),
        sa.Column("message_vi", sa.String(length=500), nullable=True),
        sa.Column("message_en", sa.String(length=500), nullable=True),
        sa.Column("worker", sa.String(length=80), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("started_at", server.models.UTCDateTime(), nullable=True),
        sa.Column("finished_at", server.models.UTCDateTime(), nullable=True),
        sa.Column("deadline", server.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_whatif_job_site_id_site")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_whatif_job_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatif_job")),
    )
    with op.batch_alter_table("whatif_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whatif_job_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("whatif_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whatif_job_created_at"))
    op.drop_table("whatif_job")
