"""reports: the roll-up kept as steps end

report_step added up per site, business day (and month), service, priority; per counter
and officer; per half-hour slot; and counters' open time from the counter log (README,
"How the figures are kept"): reports over more than a month read these few rows instead
of every step. Filled here from the existing report_step and counter_log rows, the way
``hangdoi-server rebuild-reports`` fills it. And an index for the raw export's pages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BUCKETS = 101
FIGURES = (
    "steps",
    "transferred_in",
    "done",
    "no_show",
    "cancelled",
    "expired",
    "transferred",
    "called",
    "in_target",
    "outcome_completed",
    "outcome_incomplete",
    "outcome_information",
    "outcome_refused",
    "with_dossier",
    "wait_sum",
    "service_n",
    "service_sum",
    *(f"w{i}" for i in range(BUCKETS)),
    *(f"s{i}" for i in range(BUCKETS)),
)
MAXIMA = ("wait_max", "service_max")
COUNTERS = ("done", "done_service_sum", "busy_sum", "no_show", "transferred")
SLOTS = ("arrived", "past_target", "waited", "wait_sum", "left", "left_called")

SITE = (("site_id", sa.Integer()),)
DAY = (("business_day", sa.Date()), ("weekday", sa.Integer()))
MONTH = (("month_start", sa.Date()),)
SERVICE = (("department_id", sa.Integer()), ("service_id", sa.Integer()))
PRIORITY = (("priority", sa.Boolean()),)

TABLES = (
    ("report_roll_service_day", (*SITE, *DAY, *SERVICE, *PRIORITY), FIGURES, MAXIMA),
    ("report_roll_service_month", (*SITE, *MONTH, *SERVICE, *PRIORITY), FIGURES, MAXIMA),
    ("report_roll_site_day", (*SITE, *DAY, *PRIORITY), FIGURES, MAXIMA),
    ("report_roll_day", (*DAY, *PRIORITY), FIGURES, MAXIMA),
    (
        "report_roll_counter_day",
        (
            *SITE,
            ("business_day", sa.Date()),
            ("counter_id", sa.Integer()),
            ("officer_id", sa.Integer()),
        ),
        COUNTERS,
        (),
    ),
    (
        "report_roll_counter_open",
        (
            *SITE,
            ("business_day", sa.Date()),
            ("counter_id", sa.Integer()),
            ("officer_id", sa.Integer()),
        ),
        ("open_us",),
        (),
    ),
    ("report_roll_slot_day", (*SITE, *DAY, ("slot", sa.Integer())), SLOTS, ()),
    (
        "report_roll_slot_month",
        (*SITE, *MONTH, ("weekday", sa.Integer()), ("slot", sa.Integer())),
        SLOTS,
        (),
    ),
)


def upgrade() -> None:
    # The raw export's pages: a site's steps in ticket order (models.ReportStep).
    op.create_index(
        "ix_report_step_site_ticket", "report_step", ["site_id", "ticket_id", "business_day"]
    )
    for name, keys, sums, maxima in TABLES:
        op.create_table(
            name,
            *(sa.Column(key, kind, nullable=False, autoincrement=False) for key, kind in keys),
            *(sa.Column(v, sa.BigInteger(), nullable=False, server_default="0") for v in sums),
            *(sa.Column(v, sa.Integer(), nullable=False, server_default="0") for v in maxima),
            sa.PrimaryKeyConstraint(*(key for key, _ in keys), name=op.f(f"pk_{name}")),
        )
    # The existing steps, added up by the server's own code (the same as rebuild-reports
    # and the steps' ends): imported here, not at the top, so that only this upgrade loads
    # the server's services.
    from server.services.reports import rollup

    rollup.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_report_step_site_ticket", table_name="report_step")
    for name, _, _, _ in reversed(TABLES):
        op.drop_table(name)
