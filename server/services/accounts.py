"""Users, their passwords and bearer tokens; devices and their revocable tokens.

Passwords are stored as salted scrypt hashes; tokens as SHA-256 hashes, so a copy of the
database gives no working credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from server.db import write_transaction
from server.errors import DomainError, InvalidInput, Unauthorized, not_found
from server.models import ApiToken, Device, Site, User, utcnow
from server.services.actor import USER_ROLES, Actor, Role

TOKEN_LIFETIME = dt.timedelta(days=30)
# Prefixes tell at a glance (and to the API, without a second lookup) what a token is for.
USER_TOKEN_PREFIX = "hdu_"
DEVICE_TOKEN_PREFIX = "hdd_"
DEVICE_KINDS = (Role.KIOSK.value, Role.DISPLAY.value)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
) -> User:
    if role not in {r.value for r in USER_ROLES}:
        raise InvalidInput(
            "unknown_role",
            f"Vai trò «{role}» không tồn tại; dùng officer, manager hoặc admin.",
            f"There is no role '{role}'; use officer, manager or admin.",
        )
    if len(password) < 8:
        raise InvalidInput(
            "weak_password",
            "Mật khẩu cần ít nhất 8 ký tự.",
            "The password needs at least 8 characters.",
        )
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
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise _bad_login()
    return user


def issue_token(session: Session, user: User, *, label: str = "", now: dt.datetime | None = None) -> str:
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
    token_cache.forget(hash_token(token))


def actor_for_user(user: User) -> Actor:
    return Actor(role=Role(user.role), site_id=user.site_id, user_id=user.id, name=user.full_name)


def user_for_token(session: Session, token: str, *, now: dt.datetime | None = None) -> User | None:
    now = now or utcnow()
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at is not None or api_token.expires_at <= now or not user.active:
        return None
    return user


def register_device(
    session: Session, *, site_id: int, kind: str, name: str, zone: str | None = None
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
        device = Device(site_id=site_id, kind=kind, name=name, zone=zone, token_hash=hash_token(token))
        session.add(device)
    return device, token


def revoke_device(session: Session, device_id: int, *, now: dt.datetime | None = None) -> Device:
    with write_transaction(session):
        device = session.get(Device, device_id)
        if device is None:
            raise not_found("thiết bị", "device", device_id)
        if device.revoked_at is None:
            device.revoked_at = now or utcnow()
    token_cache.forget(device_id=device_id)
    return device


class _ActorCache:
    """Token hash -> actor (None: refused), kept a few seconds per process.

    Tokens are checked on every request; a revocation takes effect at once in the
    process that made it, and within `seconds` in the others.
    """

    def __init__(self, seconds: float = 5.0, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: dict[str, tuple[float, Actor | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Actor | None]:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    def put(self, key: str, actor: Actor | None) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.seconds, actor)

    def forget(self, key: str | None = None, *, device_id: int | None = None) -> None:
        with self._lock:
            if key is not None:
                self._entries.pop(key, None)
            if device_id is not None:
                for k, (_, actor) in list(self._entries.items()):
                    if actor is not None and actor.device_id == device_id:
                        del self._entries[k]


token_cache = _ActorCache()


def device_actor_for_token(session: Session, token: str) -> Actor | None:
    """The actor of a device token, or None if unknown or revoked (cached briefly)."""
    key = hash_token(token)
    hit, actor = token_cache.get(key)
    if hit:
        return actor
    device = session.scalar(select(Device).where(Device.token_hash == key))
    actor = actor_for_device(device) if device is not None and device.revoked_at is None else None
    token_cache.put(key, actor)
    return actor


def user_actor_for_token(session: Session, token: str) -> Actor | None:
    """The actor of a user's bearer token, or None if unknown, expired or revoked (cached briefly)."""
    key = hash_token(token)
    hit, actor = token_cache.get(key)
    if hit:
        return actor
    user = user_for_token(session, token)
    actor = actor_for_user(user) if user is not None else None
    token_cache.put(key, actor)
    return actor


def device_for_token(session: Session, token: str) -> Device | None:
    device = session.scalar(select(Device).where(Device.token_hash == hash_token(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def actor_for_device(device: Device) -> Actor:
    return Actor(
        role=Role(device.kind), site_id=device.site_id, device_id=device.id, name=device.name, zone=device.zone
    )
