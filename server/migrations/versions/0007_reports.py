"""reports: report steps and the counter log

One row per ended step of a ticket (report_step), written as the step ends from its
events, and a log of counters' states (counter_log): the reports read these instead of
millions of ticket events. Existing tickets get their rows with
``hangdoi-server rebuild-reports`` (README, "Reports").

Revision ID: 0007_reports
Revises: 0004
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reports"
down_revision = "0005_kiosk"
branch_labels = None
depends_on = None

INDEXED = (
    "site_id",
    "business_day",
    "priority_category_id",
    "service_id",
    "department_id",
    "counter_id",
    "officer_id",
    "end_state",
    "outcome",
    "transferred_in",
    "within_target",
    "has_dossier",
    "wait_seconds",
    "service_seconds",
    "arrival_slot",
    "left_queue_slot",
    "weekday",
    "week_start",
    "month_start",
)


def upgrade() -> None:
    op.create_table(
        "report_step",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("priority_category_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("transferred_in", sa.Boolean(), nullable=False),
        sa.Column("has_dossier", sa.Boolean(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("arrival_slot", sa.Integer(), nullable=False),
        sa.Column("left_queue_slot", sa.Integer(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(), nullable=False),
        sa.Column("first_called_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("end_state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("service_seconds", sa.Integer(), nullable=True),
        sa.Column("hold_seconds", sa.Integer(), nullable=False),
        sa.Column("target_wait_seconds", sa.Integer(), nullable=False),
        sa.Column("within_target", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_report_step_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_report_step_site_id_site")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_report_step_service_id_service")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_report_step_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_report_step_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["user_account.id"], name=op.f("fk_report_step_officer_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["priority_category_id"],
            ["priority_category.id"],
            name=op.f("fk_report_step_priority_category_id_priority_category"),
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_report_step")),
    )
    # Every column the reports aggregate on, after (site, day): a year reads the index only.
    op.create_index("ix_report_step_covering", "report_step", list(INDEXED))
    op.create_table(
        "counter_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_counter_log_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_counter_log_site_id_site")),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["user_account.id"], name=op.f("fk_counter_log_officer_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_log")),
    )
    op.create_index("ix_counter_log_site_at", "counter_log", ["site_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_counter_log_site_at", table_name="counter_log")
    op.drop_table("counter_log")
    op.drop_index("ix_report_step_covering", table_name="report_step")
    op.drop_table("report_step")
