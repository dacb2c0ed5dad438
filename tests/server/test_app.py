"""server.app's session interface against Flask's: the same session for every kind of
request (server/__init__.py skips Flask's signer only where Flask's answer is known); and
its app's ensure_sync against Flask's: the same answer, remembered."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from server.app import _CookieSessionInterface, _Flask


def _app(secret_key: str | None) -> Flask:
    app = Flask(__name__)
    app.secret_key = secret_key
    return app


def _opened(interface: SecureCookieSessionInterface, app: Flask, headers: dict[str, str]) -> Any:
    with app.test_request_context("/api/v1/tickets", method="POST", headers=headers) as context:
        session = interface.open_session(app, context.request)
        if session is None:
            return None
        return type(session), dict(session), session.new, session.modified, session.permanent


def _signed(app: Flask, data: dict[str, Any]) -> str:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.dumps(data)


@pytest.mark.parametrize("secret_key", ["test", None])
def test_sessions_are_flasks_with_and_without_cookies(secret_key: str | None) -> None:
    app = _app(secret_key)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    valid = _signed(_app("test"), {"user_id": 7, "pw": "abc"})
    cases = [
        {},  # kiosks, displays, desktop apps, phones
        {"Authorization": "Bearer hdd_x"},
        {"Cookie": "other=1"},
        {"Cookie": f"{cookie_name}="},
        {"Cookie": f"{cookie_name}={valid}"},
        {"Cookie": f"{cookie_name}={valid[:-2]}xx"},  # tampered
        {"Cookie": f"other=1; {cookie_name}={valid}"},
    ]
    ours, flasks = _CookieSessionInterface(), SecureCookieSessionInterface()
    for headers in cases:
        assert _opened(ours, app, headers) == _opened(flasks, app, headers), headers
    if secret_key:
        assert _opened(ours, app, {"Cookie": f"{cookie_name}={valid}"})[1] == {
            "user_id": 7,
            "pw": "abc",
        }


def test_the_app_uses_it(app: Flask) -> None:
    assert isinstance(app.session_interface, _CookieSessionInterface)


class _Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __call__(self) -> int:
        return 3


def test_ensure_sync_answers_as_flasks(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, flasks = _Flask(__name__), Flask(__name__)

    def plain() -> int:
        return 1

    async def coroutine() -> int:
        return 2

    assert ours.ensure_sync(plain) is flasks.ensure_sync(plain) is plain
    assert ours.ensure_sync(plain) is plain  # remembered
    unhashable = _Unhashable()
    assert ours.ensure_sync(unhashable) is flasks.ensure_sync(unhashable) is unhashable
    # A coroutine function: Flask runs it through asgiref's async_to_sync, or says that
    # asgiref is missing; ours does the same, each time it is asked.
    try:
        theirs = flasks.ensure_sync(coroutine)
    except RuntimeError as missing:
        for _ in range(2):
            with pytest.raises(RuntimeError, match=str(missing)):
                ours.ensure_sync(coroutine)
    else:
        assert ours.ensure_sync(coroutine)() == theirs() == 2
    # Functions made afresh are answered as Flask answers, remembered only up to the bound.
    monkeypatch.setattr(_Flask, "SYNC_CACHE_SIZE", 3)
    fresh = [lambda i=i: i for i in range(10)]
    assert all(ours.ensure_sync(f) is f for f in fresh)
    assert len(ours._sync) == 3  # noqa: SLF001 - what the bound is for


def test_views_answer_through_it(app: Flask) -> None:
    assert isinstance(app, _Flask)
    assert app.test_client().get("/api/v1/health").status_code == 200


def test_a_server_process_does_not_load_the_pdf_library(tmp_path: Path) -> None:
    """fpdf (with fontTools, cryptography and unittest.mock: 30 MB) is loaded by the first
    monthly PDF, not by every server process at its start (server.services.reports.export)."""
    code = (
        "from gevent import monkey; monkey.patch_all()\n"
        "import sys\n"
        "from server import create_app\n"
        f"create_app(instance_path={str(tmp_path)!r})\n"
        "print(sorted(m for m in ('fpdf', 'fontTools', 'unittest.mock') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
