"""The audit log of administrative changes: who, when, what, before and after.

Every change the administration makes (pages, REST API, import, command line) calls
:func:`record` inside its own write transaction, so the entry is committed with the change
or not at all. Secrets (password and token hashes) are never recorded.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from server.models import AuditEntry, utcnow
from server.services.actor import Actor

# Columns never written to the log.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})
# Columns that are the object's live state rather than its set-up.
STATE_COLUMNS = frozenset(
    {"event_seq", "state", "officer_id", "current_ticket_id", "priority_streak", "state_changed_at"}
)


def plain(value: Any) -> Any:
    """A column's value as JSON holds it."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(obj: Any, **extra: Any) -> dict[str, Any]:
    """The set-up columns of a model object, as the log keeps them (and `extra` values)."""
    mapper = inspect(type(obj))
    values = {
        column.key: plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.key not in SECRET_COLUMNS and column.key not in STATE_COLUMNS
    }
    values.update(extra)
    return values


def difference(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed: (their values before, their values after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    actor: Actor,
    *,
    object_type: str,
    object_id: int | None,
    site_id: int | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Add one entry to the log, in the caller's write transaction."""
    entry = AuditEntry(
        at=now or utcnow(),
        user_id=actor.user_id,
        actor_name=actor.name or actor.role.value,
        site_id=site_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    site_id: int | None = None,
    own_site_only: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    user_id: int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, filtered; `own_site_only` keeps a site admin to the entries
    of their site."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if own_site_only is not None:
        query = query.where(AuditEntry.site_id == own_site_only)
    if site_id is not None:
        query = query.where(AuditEntry.site_id == site_id)
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if user_id is not None:
        query = query.where(AuditEntry.user_id == user_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))
