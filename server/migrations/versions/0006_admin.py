"""administration: audit log, officers' counters, and the settings the admin pages edit

Sites get closed days (holidays), slip header and footer lines, the display ticker text
and an active flag; number series and counters an active flag; services whether the kiosk
asks for a dossier code; devices when they were last seen. New tables: the audit log of
administrative changes, and the counters each officer may open.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_days", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("slip_header", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("slip_footer", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("ticker_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("number_series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("asks_dossier_code", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))

    op.create_table(
        "officer_counter",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_officer_counter_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_officer_counter_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "counter_id", name=op.f("pk_officer_counter")),
    )
    op.create_index(
        op.f("ix_officer_counter_counter_id"), "officer_counter", ["counter_id"], unique=False
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_audit_log_site_id_site")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_audit_log_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"], unique=False)
    op.create_index("ix_audit_log_site_at", "audit_log", ["site_id", "at"], unique=False)
    op.create_index(op.f("ix_audit_log_user_id"), "audit_log", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_user_id"), table_name="audit_log")
    op.drop_index("ix_audit_log_site_at", table_name="audit_log")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_officer_counter_counter_id"), table_name="officer_counter")
    op.drop_table("officer_counter")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("asks_dossier_code")
    with op.batch_alter_table("number_series", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("site", schema=None) as batch_op:
        for column in ("active", "ticker_text", "slip_footer", "slip_header", "closed_days"):
            batch_op.drop_column(column)
