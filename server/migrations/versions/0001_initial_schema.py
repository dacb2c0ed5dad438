"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 15:21:49.228162
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=True),
        sa.Column("max_priority_in_row", sa.Integer(), nullable=False),
        sa.Column("no_show_after_calls", sa.Integer(), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_department_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_department_site_id_code")),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", server.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_device_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_token_hash")),
    )
    op.create_table(
        "number_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_number_series_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_series")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_number_series_site_id_code")),
    )
    op.create_table(
        "priority_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_priority_category_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priority_category")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_priority_category_site_id_code")),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_user_account_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", server.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name_vi", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("current_ticket_id", sa.Integer(), nullable=True),
        sa.Column("priority_streak", sa.Integer(), nullable=False),
        sa.Column("state_changed_at", server.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["user_account.id"], name=op.f("fk_counter_officer_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_counter_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter")),
        sa.UniqueConstraint("site_id", "number", name=op.f("uq_counter_site_id_number")),
    )
    op.create_table(
        "daily_number",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["number_series.id"],
            name=op.f("fk_daily_number_series_id_number_series"),
        ),
        sa.PrimaryKeyConstraint("series_id", "business_day", name=op.f("pk_daily_number")),
    )
    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_vi", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("target_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("expected_service_minutes", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_service_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["number_series.id"], name=op.f("fk_service_series_id_number_series")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_service_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
        sa.UniqueConstraint("site_id", "code", name=op.f("uq_service_site_id_code")),
    )
    op.create_table(
        "counter_service",
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_counter_service_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_counter_service_service_id_service")
        ),
        sa.PrimaryKeyConstraint("counter_id", "service_id", name=op.f("pk_counter_service")),
    )
    with op.batch_alter_table("counter_service", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counter_service_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("priority_category_id", sa.Integer(), nullable=True),
        sa.Column("dossier_code", sa.String(length=64), nullable=True),
        sa.Column("tracking_token", sa.String(length=43), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("issued_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("queued_at", server.models.UTCDateTime(), nullable=False),
        sa.Column("called_at", server.models.UTCDateTime(), nullable=True),
        sa.Column("started_at", server.models.UTCDateTime(), nullable=True),
        sa.Column("finished_at", server.models.UTCDateTime(), nullable=True),
        sa.Column("call_count", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("target_counter_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("transferred_from_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_device_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_ticket_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_device_id"],
            ["device.id"],
            name=op.f("fk_ticket_issued_by_device_id_device"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_ticket_issued_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["priority_category_id"],
            ["priority_category.id"],
            name=op.f("fk_ticket_priority_category_id_priority_category"),
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["number_series.id"], name=op.f("fk_ticket_series_id_number_series")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_ticket_service_id_service")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_ticket_site_id_site")),
        sa.ForeignKeyConstraint(
            ["target_counter_id"], ["counter.id"], name=op.f("fk_ticket_target_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["transferred_from_id"],
            ["ticket.id"],
            name=op.f("fk_ticket_transferred_from_id_ticket"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("tracking_token", name=op.f("uq_ticket_tracking_token")),
    )
    # counter.current_ticket_id and ticket.counter_id point at each other: the counter's
    # foreign key is added once both tables exist.
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_counter_current_ticket_id_ticket"),
            "ticket",
            ["current_ticket_id"],
            ["id"],
        )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_dossier_code"), ["dossier_code"], unique=False)
        batch_op.create_index(
            "ix_ticket_priority_queue",
            ["service_id", "state", "business_day", "queued_at"],
            unique=False,
            sqlite_where=sa.text("priority_category_id IS NOT NULL"),
            postgresql_where=sa.text("priority_category_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_ticket_queue", ["service_id", "state", "business_day", "queued_at"], unique=False
        )
        batch_op.create_index("ix_ticket_service_day", ["service_id", "business_day"], unique=False)
        batch_op.create_index(
            "ix_ticket_site_day_number", ["site_id", "business_day", "number"], unique=False
        )
        batch_op.create_index("ix_ticket_site_state", ["site_id", "state"], unique=False)
        batch_op.create_index(
            "ix_ticket_target_counter", ["target_counter_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ticket_transferred_from_id"), ["transferred_from_id"], unique=False
        )
        batch_op.create_index(
            "uq_ticket_issued_number",
            ["series_id", "business_day", "seq"],
            unique=True,
            sqlite_where=sa.text("transferred_from_id IS NULL"),
            postgresql_where=sa.text("transferred_from_id IS NULL"),
        )

    op.create_table(
        "ticket_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", server.models.UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["counter_id"], ["counter.id"], name=op.f("fk_ticket_event_counter_id_counter")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_ticket_event_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_ticket_event_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_event_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_ticket_event_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_event")),
    )
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_event_site_at", ["site_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_event_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("counter", schema=None) as batch_op:
        batch_op.drop_constraint("fk_counter_current_ticket_id_ticket", type_="foreignkey")
    with op.batch_alter_table("ticket_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_event_ticket_id"))
        batch_op.drop_index("ix_ticket_event_site_at")

    op.drop_table("ticket_event")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ticket_issued_number",
            sqlite_where=sa.text("transferred_from_id IS NULL"),
            postgresql_where=sa.text("transferred_from_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_ticket_transferred_from_id"))
        batch_op.drop_index("ix_ticket_target_counter")
        batch_op.drop_index("ix_ticket_site_state")
        batch_op.drop_index("ix_ticket_site_day_number")
        batch_op.drop_index("ix_ticket_service_day")
        batch_op.drop_index("ix_ticket_queue")
        batch_op.drop_index(
            "ix_ticket_priority_queue",
            sqlite_where=sa.text("priority_category_id IS NOT NULL"),
            postgresql_where=sa.text("priority_category_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_ticket_dossier_code"))

    op.drop_table("ticket")
    with op.batch_alter_table("counter_service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counter_service_service_id"))

    op.drop_table("counter_service")
    op.drop_table("service")
    op.drop_table("daily_number")
    op.drop_table("counter")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("user_account")
    op.drop_table("priority_category")
    op.drop_table("number_series")
    op.drop_table("device")
    op.drop_table("department")
    op.drop_table("site")
