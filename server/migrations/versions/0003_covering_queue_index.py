"""covering queue index

The queue index also holds what the people-ahead count and call-next filter on
(priority category, target counter) and their tie-break (id), so that counting a
service's queue reads the index alone, never the ticket rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 17:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD = ["service_id", "state", "business_day", "queued_at"]
NEW = [*OLD, "id", "priority_category_id", "target_counter_id"]


def upgrade() -> None:
    op.drop_index("ix_ticket_queue", table_name="ticket")
    op.create_index("ix_ticket_queue", "ticket", NEW, unique=False)


def downgrade() -> None:
    op.drop_index("ix_ticket_queue", table_name="ticket")
    op.create_index("ix_ticket_queue", "ticket", OLD, unique=False)
