"""The web blueprint without a browser: the vendored Socket.IO client and its absence."""

from __future__ import annotations

from pathlib import Path

from server import create_app


def _app(tmp_path: Path, **config: object):  # type: ignore[no-untyped-def]
    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "TESTING": True,
            "SECRET_KEY": "t",
            "ASYNC_MODE": "threading",
            **config,
        },
        instance_path=str(tmp_path / "instance"),
    )


def test_socket_io_client_is_served_from_web_node_modules(tmp_path: Path) -> None:
    answer = _app(tmp_path).test_client().get("/static/vendor/socket.io.min.js")
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert b"io" in answer.data[:2000]


def test_a_missing_socket_io_client_says_how_to_install_it(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    answer = (
        _app(tmp_path, WEB_MODULES=str(tmp_path / "nothing"))
        .test_client()
        .get("/static/vendor/socket.io.min.js")
    )
    assert answer.status_code == 503
    assert answer.mimetype == "text/javascript"
    assert "make run" in answer.get_data(as_text=True)
    assert "npm ci --prefix web" in caplog.text


def test_pages_send_a_same_origin_content_security_policy(tmp_path: Path) -> None:
    answer = _app(tmp_path).test_client().get("/display")
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "Mã thiết bị" in answer.get_data(as_text=True)
