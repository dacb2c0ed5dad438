"""Log in and out: a session cookie for browsers, bearer tokens for desktop apps; change
one's own password."""

from __future__ import annotations

from flask import request, session

from server.api.base import PUBLIC, STAFF, Blueprint, allow, bearer_token, current_actor
from server.api.schemas import LoginIn, MeOut, PasswordChangeIn, TokenIn, TokenOut, UserOut
from server.errors import InvalidInput
from server.extensions import db
from server.models import User, utcnow
from server.ratelimit import login_per_address, login_per_username, password_per_user
from server.services import accounts
from server.services.accounts import TOKEN_LIFETIME

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and out")


@blp.route("/login", methods=["POST"])
@allow(PUBLIC)
@login_per_username
@login_per_address
@blp.arguments(LoginIn)
@blp.response(200, UserOut)
def login(data: dict) -> User:
    """Log in a browser: sets the session cookie."""
    user = accounts.authenticate(db.session, data["username"], data["password"])
    session.clear()
    session["user_id"] = user.id
    # A password change or reset bumps the user's version: it ends the sessions made before.
    session["sv"] = user.session_version
    session.permanent = True
    return user


@blp.route("/token", methods=["POST"])
@allow(PUBLIC)
@login_per_username
@login_per_address
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
def token(data: dict) -> dict:
    """Log in a desktop app: returns a bearer token (valid 30 days, revocable by logout)."""
    user = accounts.authenticate(db.session, data["username"], data["password"])
    raw = accounts.issue_token(db.session, user, label=data["label"] or _user_agent_label())
    return {"token": raw, "expires_at": utcnow() + TOKEN_LIFETIME, "user": user}


def _user_agent_label() -> str:
    agent = request.user_agent.string[:100]
    if "\x00" in agent:
        # Stored as the token's label, and PostgreSQL's text cannot hold a NUL.
        raise InvalidInput(
            "invalid_input",
            "Dữ liệu gửi lên không hợp lệ ở: User-Agent.",
            "Invalid data: User-Agent: Must not contain the NUL character (U+0000).",
            headers={"User-Agent": ["Must not contain the NUL character (U+0000)."]},
        )
    return agent


@blp.route("/logout", methods=["POST"])
@allow(*STAFF)
@blp.response(204)
def logout() -> None:
    """End the session cookie, or revoke the bearer token used for this request."""
    bearer = bearer_token()
    if bearer is not None:
        accounts.revoke_token(db.session, bearer)
    session.clear()


@blp.route("/password", methods=["POST"])
@allow(*STAFF)
@password_per_user
@login_per_address
@blp.arguments(PasswordChangeIn)
@blp.response(204)
def change_password(data: dict) -> None:
    """Change one's own password (the current one, then the new one). Ends every session and
    bearer token of the user, this request's included: log in again with the new password."""
    actor = current_actor()
    assert actor.user_id is not None  # STAFF are users
    accounts.change_password(db.session, actor.user_id, data["old_password"], data["new_password"])
    session.clear()


@blp.route("/me", methods=["GET"])
@allow(*STAFF, "kiosk", "display")
@blp.response(200, MeOut)
def me() -> object:
    """Who the credential of this request belongs to."""
    return current_actor()
