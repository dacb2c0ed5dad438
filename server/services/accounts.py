"""Users, their passwords and bearer tokens; devices and their revocable tokens.

Passwords are stored as salted scrypt hashes; tokens as SHA-256 hashes, so a copy of the
database gives no working credential. Whatever ends a credential here (logout, a revoked
device, a deactivated user, a changed or reset password) also makes every server process
forget it and close the Socket.IO connections made with it
(:func:`server.services.credentials.end`).
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from contract.tickets import CounterState
from server.db import write_transaction
from server.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized, not_found
from server.models import ApiToken, Counter, Device, OfficerCounter, Site, User, utcnow
from server.services import audit, credentials
from server.services.actor import SYSTEM, USER_ROLES, Actor, Role
from server.services.credentials import (
    DEVICE_TOKEN_PREFIX,
    USER_TOKEN_PREFIX,
    actor_for_device,
    actor_for_user,
    hash_token,
)

__all__ = [
    "DEVICE_TOKEN_PREFIX",
    "USER_TOKEN_PREFIX",
    "actor_for_device",
    "actor_for_user",
    "hash_token",
]

TOKEN_LIFETIME = dt.timedelta(days=30)
DEVICE_KINDS = (Role.KIOSK.value, Role.DISPLAY.value)
MIN_PASSWORD_LENGTH = 8


def _bad_login() -> Unauthorized:
    return Unauthorized(
        "bad_credentials",
        "Sai tên đăng nhập hoặc mật khẩu.",
        "Wrong username or password.",
    )


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    full_name: str,
    role: str,
    site_id: int | None,
    counter_ids: list[int] | None = None,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> User:
    """Create a user (`actor` is who does it, for the audit log)."""
    if role not in {r.value for r in USER_ROLES}:
        raise InvalidInput(
            "unknown_role",
            f"Vai trò «{role}» không tồn tại; dùng officer, manager hoặc admin.",
            f"There is no role '{role}'; use officer, manager or admin.",
        )
    _check_strength(password)
    if role == Role.OFFICER and site_id is None:
        raise InvalidInput(
            "officer_needs_site",
            "Cán bộ một cửa phải thuộc một điểm phục vụ.",
            "An officer must belong to a site.",
        )
    with write_transaction(session):
        if site_id is not None and session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "site", site_id)
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise DomainError(
                "username_taken",
                f"Tên đăng nhập «{username}» đã có người dùng.",
                f"The username '{username}' is taken.",
            )
        user = User(
            username=username,
            password_hash=generate_password_hash(password),
            full_name=full_name,
            role=role,
            site_id=site_id,
        )
        session.add(user)
        session.flush()
        _set_counters(session, user, counter_ids or [])
        audit.record(
            session,
            actor,
            object_type="user",
            object_id=user.id,
            site_id=site_id,
            action="create",
            after=audit.snapshot(user, counter_ids=list(counter_ids or [])),
            now=now,
        )
    return user


def officer_counters(session: Session, user_id: int) -> list[int]:
    """The ids of the counters an officer may open ([]: any counter of their site)."""
    return list(
        session.scalars(
            select(OfficerCounter.counter_id)
            .join(Counter, Counter.id == OfficerCounter.counter_id)
            .where(OfficerCounter.user_id == user_id)
            .order_by(Counter.number)
        )
    )


def _set_counters(session: Session, user: User, counter_ids: list[int]) -> None:
    """Replace the counters `user` may open (in the caller's write transaction)."""
    if counter_ids and user.role != Role.OFFICER:
        raise DomainError(
            "not_an_officer",
            "counter_ids: chỉ cán bộ một cửa mới được giao quầy.",
            "counter_ids: only officers are given counters.",
            json={"counter_ids": ["only officers are given counters"]},
        )
    for counter_id in counter_ids:
        counter = session.get(Counter, counter_id)
        if counter is None or counter.site_id != user.site_id:
            raise NotFound(
                "not_found",
                f"counter_ids: không có quầy {counter_id} ở điểm phục vụ của người dùng.",
                f"counter_ids: there is no counter {counter_id} at the user's site.",
                json={"counter_ids": [f"no counter {counter_id} at the user's site"]},
            )
    session.execute(delete(OfficerCounter).where(OfficerCounter.user_id == user.id))
    session.add_all(
        OfficerCounter(user_id=user.id, counter_id=counter_id)
        for counter_id in dict.fromkeys(counter_ids)
    )


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    changes: dict[str, object],
    *,
    now: dt.datetime | None = None,
) -> User:
    """Change a user's full name, role, site, counters or active flag. A change of role,
    site or active flag ends nothing by itself, but each process asks the database again
    (this one at once, the others within the credentials cache's seconds)."""
    now = now or utcnow()
    changes = dict(changes)
    counter_ids = changes.pop("counter_ids", None)
    with write_transaction(session):
        user = _user(session, user_id)
        if actor.site_id is not None and user.site_id != actor.site_id:
            raise not_found("người dùng", "user", user_id)
        if user.id == actor.user_id and (
            changes.get("active") is False
            or changes.get("role", user.role) != user.role
            or changes.get("site_id", user.site_id) != user.site_id
        ):
            raise DomainError(
                "own_account",
                "Bạn không thể tự khoá, đổi vai trò hay điểm phục vụ của chính mình.",
                "You cannot deactivate yourself or change your own role or site.",
            )
        if "site_id" in changes:
            site_id = changes["site_id"]
            if actor.site_id is not None and site_id != actor.site_id:
                raise Forbidden(
                    "other_site",
                    "Bạn chỉ quản trị được điểm phục vụ của mình.",
                    "You may administer your own site only.",
                )
            if site_id is not None and session.get(Site, site_id) is None:
                raise not_found("điểm phục vụ", "site", site_id)
        role = changes.get("role", user.role)
        if role == Role.OFFICER and changes.get("site_id", user.site_id) is None:
            raise InvalidInput(
                "officer_needs_site",
                "Cán bộ một cửa phải thuộc một điểm phục vụ.",
                "An officer must belong to a site.",
            )
        if changes.get("active") is False and user.active:
            number = session.scalar(
                select(Counter.number).where(
                    Counter.officer_id == user.id, Counter.state != CounterState.CLOSED
                )
            )
            if number is not None:
                raise DomainError(
                    "counter_open",
                    f"Người dùng đang mở quầy số {number}; hãy đóng quầy trước khi khoá tài khoản.",
                    f"The user has counter {number} open; close it before deactivating the account.",
                )
        before = audit.snapshot(user, counter_ids=officer_counters(session, user.id))
        for key, value in changes.items():
            setattr(user, key, value)
        session.flush()
        if counter_ids is not None:
            _set_counters(session, user, list(counter_ids))  # type: ignore[call-overload]
        elif user.role != Role.OFFICER or "site_id" in changes:
            _set_counters(session, user, [])  # counters of another site, or of no officer
        session.flush()
        after = audit.snapshot(user, counter_ids=officer_counters(session, user.id))
        old, new = audit.difference(before, after)
        # Locked out, or other rooms and rights: its connections end (and connect again
        # with what the user now is, if anything).
        ended = bool({"active", "role", "site_id"} & set(new))
        if new:
            action = "update"
            if set(new) == {"active"}:
                action = "activate" if new["active"] else "deactivate"
            audit.record(
                session,
                actor,
                object_type="user",
                object_id=user.id,
                site_id=user.site_id,
                action=action,
                before=old,
                after=new,
                now=now,
            )
    if ended:
        credentials.end(user_id=user_id)
    else:
        credentials.forget(user_id=user_id)
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise _bad_login()
    return user


def issue_token(
    session: Session, user: User, *, label: str = "", now: dt.datetime | None = None
) -> str:
    """A new bearer token for `user`; only its hash is kept."""
    now = now or utcnow()
    token = USER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        session.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                label=label,
                created_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
    return token


def revoke_token(session: Session, token: str, *, now: dt.datetime | None = None) -> None:
    with write_transaction(session):
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now or utcnow()
    credentials.end(token_hash=hash_token(token))


def register_device(
    session: Session,
    *,
    site_id: int,
    kind: str,
    name: str,
    zone: str | None = None,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> tuple[Device, str]:
    """Register a kiosk or display; returns it with its token (shown once, stored hashed)."""
    if kind not in DEVICE_KINDS:
        raise InvalidInput(
            "unknown_device_kind",
            f"Loại thiết bị «{kind}» không tồn tại; dùng kiosk hoặc display.",
            f"There is no device kind '{kind}'; use kiosk or display.",
        )
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        if session.get(Site, site_id) is None:
            raise not_found("điểm phục vụ", "site", site_id)
        device = Device(
            site_id=site_id, kind=kind, name=name, zone=zone, token_hash=hash_token(token)
        )
        session.add(device)
        session.flush()
        audit.record(
            session,
            actor,
            object_type="device",
            object_id=device.id,
            site_id=site_id,
            action="create",
            after=audit.snapshot(device),
            now=now,
        )
    return device, token


def revoke_device(
    session: Session, device_id: int, *, actor: Actor = SYSTEM, now: dt.datetime | None = None
) -> Device:
    now = now or utcnow()
    with write_transaction(session):
        device = session.get(Device, device_id)
        if device is None:
            raise not_found("thiết bị", "device", device_id)
        if device.revoked_at is None:
            device.revoked_at = now
            audit.record(
                session,
                actor,
                object_type="device",
                object_id=device.id,
                site_id=device.site_id,
                action="revoke",
                before={"revoked_at": None},
                after={"revoked_at": audit.plain(now)},
                now=now,
            )
    credentials.end(device_id=device_id)
    return device


def record_device_seen(session: Session, device_id: int, now: dt.datetime | None = None) -> None:
    """Note that a device used its token now (its own short write transaction)."""
    with write_transaction(session):
        session.execute(
            update(Device).where(Device.id == device_id).values(last_seen_at=now or utcnow())
        )


def _check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "weak_password",
            f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("người dùng", "user", user_id)
    return user


def _end_credentials(session: Session, user: User, now: dt.datetime) -> None:
    """End every session and bearer token of `user` (in the caller's write transaction)."""
    user.session_version += 1
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def change_password(
    session: Session,
    user_id: int,
    old_password: str,
    new_password: str,
    *,
    now: dt.datetime | None = None,
) -> User:
    """A user's own change: the old password must be right. Ends all their sessions and tokens."""
    _check_strength(new_password)
    user = _user(session, user_id)
    if not check_password_hash(user.password_hash, old_password):
        raise Forbidden(
            "wrong_password",
            "Mật khẩu hiện tại không đúng.",
            "The current password is wrong.",
        )
    return _set_password(session, user_id, new_password, now or utcnow())


def reset_password(
    session: Session,
    user_id: int,
    new_password: str,
    *,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
) -> User:
    """An administrator sets another user's password. Ends all that user's sessions and tokens."""
    _check_strength(new_password)
    return _set_password(session, user_id, new_password, now or utcnow(), reset_by=actor)


def _set_password(
    session: Session,
    user_id: int,
    new_password: str,
    now: dt.datetime,
    reset_by: Actor | None = None,
) -> User:
    password_hash = generate_password_hash(new_password)  # slow on purpose: outside the write lock
    with write_transaction(session):
        user = _user(session, user_id)
        user.password_hash = password_hash
        _end_credentials(session, user, now)
        if reset_by is not None:
            # The password itself is never logged: only that it was reset, and by whom.
            audit.record(
                session,
                reset_by,
                object_type="user",
                object_id=user.id,
                site_id=user.site_id,
                action="password_reset",
                now=now,
            )
    credentials.end(user_id=user_id)
    return user


def set_active(session: Session, user_id: int, active: bool, *, actor: Actor = SYSTEM) -> User:
    """Deactivate (or reactivate) a user: a deactivated user's sessions and tokens stop working."""
    return update_user(session, actor, user_id, {"active": active})
