"""Idempotency keys of ticket requests: a retry gets the ticket of the first try.

A kiosk that times out waiting for its answer, or a double touch that got through, sends
the same request again with the same ``Idempotency-Key``. The key is recorded, with the
answer, in the write transaction that issues the ticket (see
:func:`server.services.queue.issuing.issue_batch`), so a key exists if and only if its
ticket does. A later request with the key, from the same credential, reads the answer
back instead of issuing; one that arrives while the first is still being written waits
on the key's row (PostgreSQL's unique index, SQLite's write lock) and then reads it.

Keys are kept :data:`KEPT`; older ones are deleted when a request with a key comes.
Requests without a key never touch the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from server.errors import DomainError, InvalidInput
from server.models import IdempotencyKey
from server.services.actor import Actor

KEPT = dt.timedelta(minutes=10)
MAX_LENGTH = 255

_FIND = select(
    IdempotencyKey.scope, IdempotencyKey.key, IdempotencyKey.request, IdempotencyKey.response
).where(
    IdempotencyKey.scope.in_(bindparam("scopes", expanding=True)),
    IdempotencyKey.key.in_(bindparam("keys", expanding=True)),
    IdempotencyKey.created_at >= bindparam("since"),
)
_PURGE = delete(IdempotencyKey).where(IdempotencyKey.created_at < bindparam("before"))
_RECORD = insert(IdempotencyKey)


def scope_of(actor: Actor) -> str:
    """Whose keys these are: a device's, or a user's (whatever token or session they use)."""
    if actor.device_id is not None:
        return f"device:{actor.device_id}"
    return f"user:{actor.user_id}"


def checked_key(value: str | None) -> str | None:
    """The header's value, or None when absent; a 422 when it cannot be a key."""
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_LENGTH or not value.isascii() or not value.isprintable():
        raise InvalidInput(
            "invalid_idempotency_key",
            f"Idempotency-Key phải gồm 1 đến {MAX_LENGTH} ký tự ASCII in được.",
            f"Idempotency-Key must be 1 to {MAX_LENGTH} printable ASCII characters.",
        )
    return value


def find(
    conn: Connection, wanted: Iterable[tuple[str, str]], now: dt.datetime
) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """The (request, response) recorded for each of the (scope, key) pairs that has one,
    in the caller's write transaction; keys older than KEPT are deleted first."""
    pairs = set(wanted)
    conn.execute(_PURGE, {"before": now - KEPT})
    rows = conn.execute(
        _FIND,
        {
            "scopes": sorted({s for s, _ in pairs}),
            "keys": sorted({k for _, k in pairs}),
            "since": now - KEPT,
        },
    )
    return {
        (scope, key): (request, response)
        for scope, key, request, response in rows
        if (scope, key) in pairs
    }


def record(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Record keys: rows of (scope, key, ticket_id, request, response, created_at)."""
    if rows:
        conn.execute(_RECORD, rows[0] if len(rows) == 1 else rows)


def reused(key: str) -> DomainError:
    """The key was recorded with another request: a conflict with what the key stands for
    (409; the request itself is valid)."""
    return DomainError(
        "idempotency_key_reused",
        "Idempotency-Key này đã được dùng cho một yêu cầu lấy số khác.",
        "This Idempotency-Key was already used for a different ticket request.",
        key=key,
    )
