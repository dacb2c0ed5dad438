"""Print faults: one error type per cause, each with a message an attendant can act on.

Every error carries a Vietnamese message (NFC, full diacritics) and an English one;
``str(error)`` gives both, Vietnamese first. ``code`` is a stable machine name the
kiosk can branch on (and log) without parsing text.
"""

from __future__ import annotations

import unicodedata


class PrintError(Exception):
    """A slip could not be printed; base of every printers/ error."""

    code = "print_error"

    def __init__(self, message_vi: str, message_en: str, *, detail: str = "") -> None:
        self.message_vi = unicodedata.normalize("NFC", message_vi)
        self.message_en = message_en
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.message_vi} / {self.message_en}"
        if self.detail:
            text += f" ({self.detail})"
        return text


class ConfigError(PrintError):
    """The printer configuration itself is wrong (unknown type, bad address, bad profile)."""

    code = "config"


class FontNotFound(PrintError):
    """No font with every Vietnamese glyph could be found."""

    code = "font_not_found"


class PrinterUnreachable(PrintError):
    """Nothing answers at the printer's address (connection refused, no route, no device)."""

    code = "unreachable"


class PrinterTimeout(PrintError):
    """The printer accepted the connection (or the job) but did not answer in time."""

    code = "timeout"


class PrinterOffline(PrintError):
    """The printer says it is offline (error state, paper feed button held, ...)."""

    code = "offline"


class PaperOut(PrintError):
    """The paper roll is empty."""

    code = "paper_out"


class CoverOpen(PrintError):
    """The printer cover is open."""

    code = "cover_open"


class UsbBackendMissing(PrintError):
    """pyusb or the libusb library it needs is not installed."""

    code = "usb_backend_missing"


class UsbPermissionDenied(PrintError):
    """The USB device exists but this user may not open it (udev rule missing)."""

    code = "usb_permission"


class SerialBackendMissing(PrintError):
    """pyserial is not installed."""

    code = "serial_backend_missing"


class ImageTooWide(PrintError):
    """The slip image is wider than the printer's printable width."""

    code = "image_too_wide"


class TransportError(PrintError):
    """Any other failure while moving bytes to the printer."""

    code = "transport"


class CupsBackendMissing(PrintError):
    """pycups is not installed."""

    code = "cups_backend_missing"
