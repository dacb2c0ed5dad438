"""The HTTP client of the server's ``/api/v1``, for the desktop apps.

Every call answers the parsed JSON body (``None`` for 204) or raises :class:`ApiError`,
the one exception type of this module: the server's own error body
(``{"error", "message", "message_en", "details"}``), and equally every failure on the way
(connection refused, timeout, a bad address, an answer that is not JSON), with a message in
both languages. ``status`` is the HTTP status, 0 when no answer came; 401
(:attr:`ApiError.unauthorized`) means the token was revoked or has expired: the app goes
back to its log-in or pairing screen.

Calls block: the apps make them off the GUI thread (a ``QThreadPool`` task) or accept the
short wait of a loopback call. One :class:`ApiClient` holds one ``requests.Session`` (kept
alive connections); it is safe to use from one thread at a time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from desktop import i18n

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = 10.0

# Codes of the errors made here, not by the server (status 0 or a non-JSON answer).
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
BAD_URL = "bad_url"
BAD_RESPONSE = "bad_response"


class ApiError(Exception):
    """A call that did not succeed, in both languages.

    ``status``: HTTP status, or 0 when the server could not be reached; ``code``: the
    server's ``error`` (``invalid_transition``, ``not_found``...) or one of this module's
    (``unreachable``, ``timeout``, ``bad_url``, ``bad_response``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message_vi: str,
        message_en: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details or {}

    @property
    def unauthorized(self) -> bool:
        """The credential is no longer accepted (revoked, expired, unknown)."""
        return self.status == 401

    @property
    def conflict(self) -> bool:
        """A move the ticket's or counter's state does not allow now (409)."""
        return self.status == 409

    @property
    def offline(self) -> bool:
        """No answer from the server (not reachable, or too slow)."""
        return self.status == 0

    def message(self, lang: str | None = None) -> str:
        """The message in `lang` (the app's current language by default)."""
        return self.message_en if (lang or i18n.language()) == "en" else self.message_vi

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code!r}, {self.message_en!r})"


def normalize_base_url(url: str) -> str:
    """The server's address as typed by a person (``192.168.1.10:8000``, a trailing ``/``,
    ``https://...``) made into ``scheme://host[:port]``; ApiError ``bad_url`` otherwise."""
    url = url.strip()
    if url and "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(
            0,
            BAD_URL,
            f"Địa chỉ máy chủ không hợp lệ: {url!r}. Ví dụ đúng: http://192.168.1.10:8000",
            f"The server address is not valid: {url!r}. For example: http://192.168.1.10:8000",
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class ApiClient:
    """``/api/v1`` of one server, with an optional bearer token (an officer's or a device's)."""

    def __init__(
        self, base_url: str, token: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "hangdoi-desktop"
        self.token: str | None = None
        self.set_token(token)

    def set_token(self, token: str | None) -> None:
        self.token = token
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        else:
            self.session.headers.pop("Authorization", None)

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ the one request

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """``method`` ``/api/v1`` + ``path``: the parsed JSON answer, or raise ApiError."""
        url = self.base_url + API_PREFIX + path
        try:
            answer = self.session.request(
                method,
                url,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout or self.timeout,
            )
        except requests.Timeout as exc:
            raise ApiError(
                0,
                TIMEOUT,
                f"Máy chủ {self.base_url} không trả lời kịp. Hãy thử lại.",
                f"The server {self.base_url} did not answer in time. Try again.",
                {"reason": str(exc)},
            ) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise ApiError(
                0,
                BAD_URL,
                f"Địa chỉ máy chủ không hợp lệ: {self.base_url}",
                f"The server address is not valid: {self.base_url}",
                {"reason": str(exc)},
            ) from exc
        except requests.RequestException as exc:
            raise ApiError(
                0,
                UNREACHABLE,
                f"Không kết nối được máy chủ {self.base_url}. Kiểm tra địa chỉ và mạng.",
                f"Cannot reach the server {self.base_url}. Check the address and the network.",
                {"reason": str(exc)},
            ) from exc
        if answer.status_code == 204 or (answer.ok and not answer.content):
            return None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.ok and body is not None:
            return body
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            raise ApiError(
                answer.status_code,
                body["error"],
                str(body.get("message") or body.get("message_en") or body["error"]),
                str(body.get("message_en") or body.get("message") or body["error"]),
                body.get("details") if isinstance(body.get("details"), dict) else None,
            )
        raise ApiError(
            answer.status_code,
            BAD_RESPONSE,
            f"Máy chủ {self.base_url} trả lời không đúng dạng (HTTP {answer.status_code}). "
            "Địa chỉ này có đúng là máy chủ hàng đợi không?",
            f"The server {self.base_url} gave an unexpected answer (HTTP "
            f"{answer.status_code}). Is this the address of the queue server?",
            {"content_type": answer.headers.get("Content-Type", "")},
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json if json is not None else {})

    # ------------------------------------------------------------------ calls every app makes

    def health(self) -> dict[str, Any]:
        return dict(self.get("/health"))

    def login(self, username: str, password: str, label: str | None = None) -> dict[str, Any]:
        """Log in an officer: ``{"token", "expires_at", "user"}``; the token is then used
        for the following calls. The password is sent once and kept nowhere."""
        body: dict[str, Any] = {"username": username, "password": password}
        if label:
            body["label"] = label
        answer = dict(self.request("POST", "/auth/token", json=body))
        self.set_token(str(answer["token"]))
        return answer

    def logout(self) -> None:
        """Revoke the token on the server (best effort when offline is the caller's choice)."""
        self.request("POST", "/auth/logout", json={})
        self.set_token(None)

    def me(self) -> dict[str, Any]:
        """Who the token belongs to (an officer, a kiosk, a display)."""
        return dict(self.get("/auth/me"))
