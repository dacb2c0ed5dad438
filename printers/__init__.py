"""Ticket slips: rendering (Pillow) and ESC/POS output (python-escpos).

Knows nothing of HTTP or the database: it takes a plain slip description and a
printer configuration.

    from printers import PrinterConfig, Slip, print_ticket

    result = print_ticket(slip, PrinterConfig.from_spec("network:10.0.0.5", profile="TM-T20II"))
    if not result.printed:
        show(result.preview.image, result.error.message_vi)
"""

from .config import PrinterConfig
from .errors import (
    ConfigError,
    CoverOpen,
    CupsBackendMissing,
    FontNotFound,
    ImageTooWide,
    PaperOut,
    PrinterOffline,
    PrintError,
    PrinterTimeout,
    PrinterUnreachable,
    SerialBackendMissing,
    TransportError,
    UsbBackendMissing,
    UsbPermissionDenied,
)
from .printing import (
    PrinterStatus,
    PrintResult,
    StatusCheck,
    build_job,
    check_printer,
    print_ticket,
    render_preview,
)
from .render import RenderedSlip, render_slip
from .slip import Slip, SlipLayout, sample_slip

__all__ = [
    "ConfigError",
    "CoverOpen",
    "CupsBackendMissing",
    "FontNotFound",
    "ImageTooWide",
    "PaperOut",
    "PrintError",
    "PrintResult",
    "PrinterConfig",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterTimeout",
    "PrinterUnreachable",
    "RenderedSlip",
    "SerialBackendMissing",
    "Slip",
    "SlipLayout",
    "StatusCheck",
    "TransportError",
    "UsbBackendMissing",
    "UsbPermissionDenied",
    "build_job",
    "check_printer",
    "print_ticket",
    "render_preview",
    "render_slip",
    "sample_slip",
]
