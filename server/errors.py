"""Errors a person reads: one code, a Vietnamese message and an English one, an HTTP status.

Services raise :class:`DomainError`; the API turns every error, its own or Flask's,
into ``{"error": code, "message": vi, "message_en": en}``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the queue rules refuse. `status` is the HTTP status the API answers with."""

    status = 409

    def __init__(
        self, code: str, message: str, message_en: str, status: int | None = None, **details: Any
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en
        if status is not None:
            self.status = status
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error": self.code,
            "message": self.message,
            "message_en": self.message_en,
        }
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


class InvalidInput(DomainError):
    status = 422


def not_found(what_vi: str, what_en: str, ident: Any) -> NotFound:
    return NotFound(
        "not_found",
        f"Không tìm thấy {what_vi} {ident}.",
        f"No {what_en} {ident} was found.",
    )


# Messages for HTTP errors raised outside our services (routing, parsing, methods).
HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ.", "The request is malformed."),
    401: (
        "unauthorized",
        "Bạn cần đăng nhập hoặc dùng mã thiết bị hợp lệ.",
        "Log in or present a valid device token.",
    ),
    403: ("forbidden", "Bạn không có quyền làm việc này.", "You are not allowed to do this."),
    404: ("not_found", "Không tìm thấy địa chỉ này.", "There is nothing at this address."),
    405: (
        "method_not_allowed",
        "Phương thức này không dùng được ở địa chỉ này.",
        "This method is not allowed at this address.",
    ),
    409: (
        "conflict",
        "Yêu cầu xung đột với trạng thái hiện tại.",
        "The request conflicts with the current state.",
    ),
    413: ("too_large", "Dữ liệu gửi lên quá lớn.", "The request body is too large."),
    415: (
        "unsupported_media_type",
        "Hãy gửi dữ liệu dạng JSON (Content-Type: application/json).",
        "Send JSON (Content-Type: application/json).",
    ),
    422: ("invalid_input", "Dữ liệu gửi lên không hợp lệ.", "The data sent is not valid."),
    429: (
        "too_many_requests",
        "Quá nhiều yêu cầu, hãy thử lại sau.",
        "Too many requests, try again later.",
    ),
    500: (
        "internal_error",
        "Lỗi máy chủ. Yêu cầu chưa được thực hiện; hãy thử lại hoặc báo quản trị viên.",
        "Server error. Nothing was changed; try again or tell the administrator.",
    ),
    503: (
        "unavailable",
        "Máy chủ đang bận, hãy thử lại sau giây lát.",
        "The server is busy, try again in a moment.",
    ),
}


def http_error_body(status: int, details: Any = None) -> dict[str, Any]:
    code, vi, en = HTTP_MESSAGES.get(
        status, HTTP_MESSAGES[500] if status >= 500 else HTTP_MESSAGES[400]
    )
    body: dict[str, Any] = {"error": code, "message": vi, "message_en": en}
    if details:
        body["details"] = details
    return body
