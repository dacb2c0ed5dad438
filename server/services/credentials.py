"""Who a credential belongs to: one answer for the REST API, Socket.IO and the web pages.

A credential is a user's bearer token (``hdu_...``), a device token (``hdd_...``), or a
browser session (the user's id and the *session version* it was made with). Each turns
into an :class:`~server.services.actor.Actor` or a :class:`Refusal` with one reason.
The phone's tracking token is a credential for one ticket only: see
:func:`ticket_for_tracking_token`.

Tokens are checked on every request (a kiosk's ticket, a display's reconnect), so each
answer is kept in one cache per app (``app.extensions``), keyed by the token's SHA-256
(sessions by user id and version), for :data:`CACHE_SECONDS`. A cached device token costs
no database session: the resolver is handed the scoped session and opens it only on a miss.

The revocation rule, the same for every kind: revoking a token or a device, deactivating a
user, changing or resetting a password is written to the database, and the process that
wrote it forgets that credential's cached answers at once and tells the other server
processes (:func:`end`), which forget them too and close the Socket.IO connections made
with it. A process that misses that message (Redis was away) learns it when its cached
answer expires, within :data:`CACHE_SECONDS` (5 seconds;
``HANGDOI_CREDENTIALS_CACHE_SECONDS``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.events import PUBLISHER, CredentialEnded
from server.models import ApiToken, Device, Ticket, User, utcnow
from server.services.actor import Actor, Role
from server.services.timed import TimedCache

# How long another process may still accept a revoked credential (see the module docstring);
# the setting HANGDOI_CREDENTIALS_CACHE_SECONDS, 5 by default.
CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000
EXTENSION = "hangdoi_credentials"

# How often each process writes that a device was seen (Device.last_seen_at).
DEVICE_SEEN_EVERY = 60.0

# Prefixes tell at a glance (and to the resolver, without a second lookup) what a token is for.
USER_TOKEN_PREFIX = "hdu_"
DEVICE_TOKEN_PREFIX = "hdd_"
# Longer than any token we make: a longer one is refused without hashing it.
MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Reason(StrEnum):
    """Why a credential is refused: one reason each."""

    UNKNOWN = "unknown"  # no such token, user or ticket
    EXPIRED = "expired"  # a user's bearer token past its 30 days
    REVOKED = "revoked"  # logged out, device revoked, or ended by a password change
    USER_INACTIVE = "user_inactive"  # the user was deactivated
    SESSION_ENDED = "session_ended"  # a browser session older than the last password change
    WRONG_KIND = (
        "wrong_kind"  # not a credential this place takes (a kiosk's token on the display page)
    )


_TEXTS: dict[Reason, tuple[str, str]] = {
    Reason.UNKNOWN: ("Mã truy cập không tồn tại.", "The access token does not exist."),
    Reason.EXPIRED: ("Mã truy cập đã hết hạn.", "The access token has expired."),
    Reason.REVOKED: ("Mã truy cập đã bị thu hồi.", "The access token has been revoked."),
    Reason.USER_INACTIVE: ("Tài khoản này đã bị khoá.", "This account has been deactivated."),
    Reason.SESSION_ENDED: (
        "Phiên đăng nhập đã kết thúc vì mật khẩu đã đổi.",
        "The session ended because the password was changed.",
    ),
    Reason.WRONG_KIND: ("Mã này không dùng được ở đây.", "This token cannot be used here."),
}


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: Reason

    @property
    def message(self) -> str:
        return _TEXTS[self.reason][0]

    @property
    def message_en(self) -> str:
        return _TEXTS[self.reason][1]


Verdict = Actor | Refusal


def actor_for_user(user: User) -> Actor:
    return Actor(role=Role(user.role), site_id=user.site_id, user_id=user.id, name=user.full_name)


def actor_for_device(device: Device) -> Actor:
    return Actor(
        role=Role(device.kind),
        site_id=device.site_id,
        device_id=device.id,
        name=device.name,
        zone=device.zone,
    )


@dataclass(frozen=True, slots=True)
class _Entry:
    verdict: Verdict
    # A user token's expiry (epoch seconds): a cached answer must not outlive the token.
    expires_at: float | None = None
    # Whose credential it is, refused or not, so that forget() finds it.
    user_id: int | None = None
    device_id: int | None = None


class Credentials:
    """The app's resolver and its cache (one per app, in ``app.extensions``)."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds = seconds
        self._cache = TimedCache[str, _Entry](size, seconds)
        # When this process last wrote each device's last_seen_at (time.monotonic()).
        self._seen: dict[int, float] = {}
        self._seen_lock = threading.Lock()

    def token(self, session: Session, token: str, *, now: dt.datetime | None = None) -> Verdict:
        """The actor of a bearer or device token, or why not."""
        if (
            not token.startswith((DEVICE_TOKEN_PREFIX, USER_TOKEN_PREFIX))
            or len(token) > MAX_TOKEN_LENGTH
        ):
            return Refusal(Reason.WRONG_KIND)
        key = hash_token(token)
        entry = self._cache.get(key)
        if entry is not None:
            if entry.expires_at is not None and entry.expires_at <= (now or utcnow()).timestamp():
                return Refusal(Reason.EXPIRED)
            return entry.verdict
        if token.startswith(DEVICE_TOKEN_PREFIX):
            entry = _device_entry(session, key)
        else:
            entry = _user_token_entry(session, key, now or utcnow())
        self._cache.put(key, entry)
        return entry.verdict

    def session_user(self, session: Session, user_id: object, version: object) -> Verdict:
        """The actor of a browser session made for `user_id` at session version `version`."""
        if not isinstance(user_id, int) or not isinstance(version, int):
            return Refusal(Reason.SESSION_ENDED)  # a cookie of an older release, or none of ours
        key = f"session:{user_id}:{version}"
        entry = self._cache.get(key)
        if entry is None:
            user = session.get(User, user_id)
            if user is None:
                verdict: Verdict = Refusal(Reason.UNKNOWN)
            elif not user.active:
                verdict = Refusal(Reason.USER_INACTIVE)
            elif user.session_version != version:
                verdict = Refusal(Reason.SESSION_ENDED)
            else:
                verdict = actor_for_user(user)
            entry = _Entry(verdict, user_id=user_id)
            self._cache.put(key, entry)
        return entry.verdict

    def forget(
        self,
        *,
        token_hash: str | None = None,
        device_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        """Drop the cached answers of a token, of a device's token, or of all a user's credentials."""
        if token_hash is not None:
            self._cache.pop(token_hash)
        if device_id is None and user_id is None:
            return
        self._cache.drop(
            lambda _key, entry: (
                (device_id is not None and entry.device_id == device_id)
                or (user_id is not None and entry.user_id == user_id)
            )
        )

    def seen_due(self, device_id: int, every: float = DEVICE_SEEN_EVERY) -> bool:
        """Whether this process should write that the device was seen now: once per
        `every` seconds per device (one dict look-up on the other requests)."""
        now = time.monotonic()
        last = self._seen.get(device_id)
        if last is not None and now - last < every:
            return False
        with self._seen_lock:
            self._seen[device_id] = now
        return True

    def clear(self) -> None:
        self._cache.clear()


def _device_entry(session: Session, key: str) -> _Entry:
    device = session.scalar(select(Device).where(Device.token_hash == key))
    if device is None:
        return _Entry(Refusal(Reason.UNKNOWN))
    if device.revoked_at is not None:
        return _Entry(Refusal(Reason.REVOKED), device_id=device.id)
    return _Entry(actor_for_device(device), device_id=device.id)


def _user_token_entry(session: Session, key: str, now: dt.datetime) -> _Entry:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == key)
    ).first()
    if row is None:
        return _Entry(Refusal(Reason.UNKNOWN))
    api_token, user = row
    if api_token.revoked_at is not None:
        return _Entry(Refusal(Reason.REVOKED), user_id=user.id)
    if api_token.expires_at <= now:
        return _Entry(Refusal(Reason.EXPIRED), user_id=user.id)
    if not user.active:
        return _Entry(Refusal(Reason.USER_INACTIVE), user_id=user.id)
    return _Entry(actor_for_user(user), api_token.expires_at.timestamp(), user_id=user.id)


# What queue.new_tracking_token makes (URL-safe base64) can name a ticket; anything else is
# not worth a query, and one with a NUL would fail it on PostgreSQL (text cannot hold NUL).
_TRACKING_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_TOKEN_LENGTH}}}")


def is_tracking_token(token: str) -> bool:
    """Whether `token` has the form of a tracking token."""
    return _TRACKING_TOKEN.fullmatch(token) is not None


def ticket_for_tracking_token(session: Session, token: str) -> Ticket | Refusal:
    """The ticket a phone follows: its tracking token is the credential for that ticket alone
    (the phone page, its REST routes and its Socket.IO connection)."""
    if not is_tracking_token(token):
        return Refusal(Reason.UNKNOWN)
    ticket = session.scalar(select(Ticket).where(Ticket.tracking_token == token))
    return ticket if ticket is not None else Refusal(Reason.UNKNOWN)


def resolver() -> Credentials:
    """The resolver of the current app."""
    return current_app.extensions[EXTENSION]


def forget(
    *, token_hash: str | None = None, device_id: int | None = None, user_id: int | None = None
) -> None:
    """Make this process forget an ended credential now. The other processes (and the
    servers, when the command line ended it) learn it within CACHE_SECONDS."""
    if has_app_context():
        found = current_app.extensions.get(EXTENSION)
        if found is not None:
            found.forget(token_hash=token_hash, device_id=device_id, user_id=user_id)


def end(
    *, token_hash: str | None = None, device_id: int | None = None, user_id: int | None = None
) -> None:
    """A credential ended (after its commit): this process forgets it now, and the app's
    publisher tells every server process (Redis with several) to forget it too and to close
    the Socket.IO connections made with it, so a revoked display or a locked-out officer is
    cut off at once, not when its connection next asks (python-socketio checks a credential
    only when a client connects)."""
    forget(token_hash=token_hash, device_id=device_id, user_id=user_id)
    if has_app_context():
        publisher = current_app.extensions.get(PUBLISHER)
        if publisher is not None:
            publisher.credential_ended(CredentialEnded(device_id, user_id, token_hash))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Credentials(float(app.config["CREDENTIALS_CACHE_SECONDS"]))
