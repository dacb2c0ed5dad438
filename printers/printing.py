"""Printing one slip: open the configured transport (python-escpos's own classes), ask the
printer's status where the transport can answer, send the job, and say what happened.

:func:`print_ticket` never raises for a printer fault and never outlives the configured
timeout: the work runs in a worker thread, and a transport still blocked at the deadline is
closed under it.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from escpos.constants import RT_STATUS, RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from .config import PrinterConfig
from .encode import build_image_job, build_text_job
from .errors import (
    CoverOpen,
    CupsBackendMissing,
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
from .render import RenderedSlip, render_slip
from .slip import Slip, SlipLayout

log = logging.getLogger(__name__)

RT_STATUS_OFFLINE_CAUSE = RT_STATUS + b"\x02"
#: Bits that are fixed in every DLE EOT answer (bit 1 and 4 set, bit 0 and 7 clear).
_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
#: Grace the caller gives the worker thread past the deadline before giving up on it.
_JOIN_SLACK = 0.25


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said; ``None`` where it did not answer (or cannot)."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_out: bool | None = None
    paper_near_end: bool | None = None


@dataclass
class PrintResult:
    """The outcome of :func:`print_ticket`.

    ``printed`` is True only when the whole job reached the printer after a clean status.
    ``error`` says why not. ``preview`` is the slip image (None only if it could not be
    drawn): the kiosk shows it when printing fails. ``warnings`` are bilingual notes such
    as paper near its end.
    """

    printed: bool
    error: PrintError | None = None
    preview: RenderedSlip | None = None
    warnings: list[str] = field(default_factory=list)
    status: PrinterStatus | None = None
    bytes_sent: int = 0
    elapsed: float = 0.0

    @property
    def code(self) -> str:
        """ "printed", or the error's code ("paper_out", "timeout", ...)."""
        return "printed" if self.printed else (self.error.code if self.error else "not_printed")

    @property
    def message(self) -> str:
        return "Đã in phiếu / Slip printed" if self.printed else str(self.error)


# --- transports -----------------------------------------------------------------------


def _where(config: PrinterConfig) -> str:
    return config.describe()


def _unreachable(config: PrinterConfig, detail: str) -> PrinterUnreachable:
    where = _where(config)
    if config.type == "network":
        return PrinterUnreachable(
            f"Không kết nối được máy in tại {config.address}. Kiểm tra máy in đã bật, "
            "cáp mạng đã cắm và địa chỉ IP đúng.",
            f"Cannot connect to the printer at {config.address}. Check that it is on, "
            "its network cable is plugged in and the IP address is right.",
            detail=detail,
        )
    if config.type == "usb":
        return PrinterUnreachable(
            f"Không tìm thấy máy in USB {config.address}. Kiểm tra cáp USB và nguồn máy in.",
            f"USB printer {config.address} not found. Check the USB cable and that it is on.",
            detail=detail,
        )
    return PrinterUnreachable(
        f"Không mở được máy in {where}. Kiểm tra máy in đã bật và đã cắm cáp.",
        f"Cannot open printer {where}. Check that it is on and connected.",
        detail=detail,
    )


def _timeout(config: PrinterConfig, detail: str = "") -> PrinterTimeout:
    return PrinterTimeout(
        f"Máy in {_where(config)} không trả lời trong {config.timeout:g} giây. "
        "Kiểm tra máy in có bị treo hay kẹt giấy; tắt rồi bật lại máy in.",
        f"Printer {_where(config)} did not answer within {config.timeout:g} s. "
        "Check for a hang or paper jam; switch the printer off and on.",
        detail=detail,
    )


def _usb_permission(config: PrinterConfig, detail: str) -> UsbPermissionDenied:
    return UsbPermissionDenied(
        f"Không có quyền mở máy in USB {config.address}. Hãy thêm quy tắc udev cho thiết bị "
        "(hoặc thêm người dùng vào nhóm lp) rồi cắm lại máy in.",
        f"No permission to open USB printer {config.address}. Add a udev rule for the device "
        "(or add the user to the lp group), then plug the printer in again.",
        detail=detail,
    )


def _usb_backend_missing(library: str, detail: str = "") -> UsbBackendMissing:
    if library == "pyusb":
        return UsbBackendMissing(
            "Thiếu thư viện Python pyusb để in qua cổng USB. Hãy cài: pip install pyusb.",
            "The Python library pyusb, needed to print over USB, is missing. "
            "Install it: pip install pyusb.",
            detail=detail,
        )
    return UsbBackendMissing(
        "Thiếu thư viện hệ thống libusb để in qua cổng USB. "
        "Hãy cài gói libusb-1.0-0 (apt-get install libusb-1.0-0).",
        "The libusb system library, needed to print over USB, is missing. "
        "Install libusb-1.0-0 (apt-get install libusb-1.0-0).",
        detail=detail,
    )


def _root_cause(exc: BaseException) -> BaseException:
    # python-escpos wraps OS and USB errors in DeviceNotFoundError ("raise ... " inside
    # "except"), so the real cause is the implicit context.
    seen = exc
    while isinstance(seen, DeviceNotFoundError) and (seen.__cause__ or seen.__context__):
        seen = seen.__cause__ or seen.__context__
    return seen


def classify(exc: BaseException, config: PrinterConfig) -> PrintError:
    """Map an exception from python-escpos, the socket layer, pyusb or pyserial to the
    one :class:`PrintError` that names its cause."""
    if isinstance(exc, PrintError):
        return exc
    cause = _root_cause(exc)
    detail = f"{type(cause).__name__}: {cause}"
    if type(cause).__name__ == "NoBackendError":  # usb.core.NoBackendError: no libusb
        return _usb_backend_missing("libusb", detail)
    if type(cause).__name__ in ("USBTimeoutError",) or isinstance(cause, TimeoutError):
        return _timeout(config, detail)
    if (
        getattr(cause, "errno", None) in (errno.EACCES, errno.EPERM)
        or getattr(cause, "backend_error_code", None) == -3
    ):  # LIBUSB_ERROR_ACCESS
        if config.type == "usb":
            return _usb_permission(config, detail)
        return PrinterUnreachable(
            f"Không có quyền mở máy in {_where(config)}. Hãy thêm người dùng vào nhóm lp.",
            f"No permission to open printer {_where(config)}. Add the user to the lp group.",
            detail=detail,
        )
    if (
        isinstance(exc, DeviceNotFoundError)
        or isinstance(cause, ConnectionRefusedError | socket.gaierror | FileNotFoundError)
        or type(cause).__name__ == "SerialException"
    ):
        return _unreachable(config, detail)
    if isinstance(cause, ConnectionError | OSError):
        return TransportError(
            f"Mất kết nối với máy in {_where(config)} khi đang in. Hãy in lại phiếu.",
            f"The connection to printer {_where(config)} broke while printing. Print again.",
            detail=detail,
        )
    return TransportError(
        f"Lỗi không xác định khi in trên máy in {_where(config)}.",
        f"Unexpected error while printing on {_where(config)}.",
        detail=detail,
    )


def open_printer(config: PrinterConfig, timeout: float | None = None) -> Escpos:
    """An opened python-escpos printer for ``config``.

    Raises the :class:`PrintError` of the cause when it cannot be opened.
    """
    # Imported here, not at module level, so a missing optional backend is looked up at
    # print time (after the kiosk may have installed it) and only for its own transport.
    from escpos.printer import cups as escpos_cups
    from escpos.printer import dummy as escpos_dummy
    from escpos.printer import file as escpos_file
    from escpos.printer import network as escpos_network
    from escpos.printer import serial as escpos_serial
    from escpos.printer import usb as escpos_usb

    wait = min(config.connect_timeout, timeout or config.timeout)
    profile = config.profile
    printer: Escpos
    try:
        if config.type == "network":
            host, port = config.network_target()
            printer = escpos_network.Network(host, port, timeout=wait, profile=profile)
        elif config.type == "usb":
            if not escpos_usb.is_usable():
                raise _usb_backend_missing("pyusb", "python-escpos: usb module not importable")
            vendor, product = config.usb_ids()
            printer = escpos_usb.Usb(
                vendor,
                product,
                timeout=int(config.timeout * 1000),
                in_ep=config.usb_in_ep,
                out_ep=config.usb_out_ep,
                profile=profile,
            )
        elif config.type == "serial":
            if not escpos_serial.is_usable():
                raise SerialBackendMissing(
                    "Thiếu thư viện pyserial để in qua cổng nối tiếp. Hãy cài: pip install pyserial.",
                    "The pyserial library, needed for serial printers, is missing. "
                    "Install it: pip install pyserial.",
                )
            printer = escpos_serial.Serial(
                config.address, baudrate=config.baudrate, timeout=wait, profile=profile
            )
        elif config.type == "file":
            printer = escpos_file.File(config.address, profile=profile)
        elif config.type == "cups":
            if not escpos_cups.is_usable():
                raise CupsBackendMissing(
                    "Thiếu thư viện pycups để in qua CUPS. Hãy cài: pip install pycups.",
                    "The pycups library, needed to print through CUPS, is missing. "
                    "Install it: pip install pycups.",
                )
            printer = escpos_cups.CupsPrinter(config.address, profile=profile)
        else:
            printer = escpos_dummy.Dummy(profile=profile)
        printer.open()
    except Exception as exc:  # every transport has its own exception family
        raise classify(exc, config) from exc
    return printer


def _settimeout(printer: Escpos, seconds: float) -> None:
    """Bound the next read or write of a socket or serial port by ``seconds``."""
    seconds = max(0.05, seconds)
    device = getattr(printer, "_device", None)
    if isinstance(device, socket.socket):
        device.settimeout(seconds)
    elif device is not None and hasattr(device, "write_timeout"):  # pyserial's Serial
        device.timeout = seconds
        device.write_timeout = seconds


def _status_byte(printer: Escpos, query: bytes) -> int | None:
    answer = printer.query_status(query)
    if not answer:
        return None
    value = answer[-1]
    return value if value & _FIXED_MASK == _FIXED_BITS else None


def read_status(printer: Escpos) -> PrinterStatus:
    """Ask the printer (DLE EOT 1, 2 and 4) whether it is online, its cover, its paper."""
    printer_byte = _status_byte(printer, RT_STATUS_ONLINE)
    cause_byte = _status_byte(printer, RT_STATUS_OFFLINE_CAUSE)
    paper_byte = _status_byte(printer, RT_STATUS_PAPER)
    return PrinterStatus(
        online=None if printer_byte is None else not printer_byte & 0x08,
        cover_open=None if cause_byte is None else bool(cause_byte & 0x04),
        paper_out=None if paper_byte is None else bool(paper_byte & 0x60),
        paper_near_end=None if paper_byte is None else bool(paper_byte & 0x0C),
    )


def status_error(status: PrinterStatus, config: PrinterConfig) -> PrintError | None:
    """The error a status means, most specific first (a cover open also means offline)."""
    where = _where(config)
    if status.cover_open:
        return CoverOpen(
            f"Nắp máy in {where} đang mở. Hãy đóng nắp máy in rồi in lại.",
            f"The cover of printer {where} is open. Close it and print again.",
        )
    if status.paper_out:
        return PaperOut(
            f"Máy in {where} đã hết giấy. Hãy lắp cuộn giấy mới rồi in lại.",
            f"Printer {where} is out of paper. Load a new roll and print again.",
        )
    if status.online is False:
        return PrinterOffline(
            f"Máy in {where} đang ngoại tuyến (báo lỗi). Kiểm tra đèn báo lỗi, giấy và nắp máy.",
            f"Printer {where} is offline (error state). Check its error light, paper and cover.",
        )
    return None


STATUS_TIMEOUT_HINT = (
    "no answer to the status query (DLE EOT); if this printer never answers status "
    "queries, set status_check to off"
)
PAPER_NEAR_END_WARNING = (
    "Giấy in sắp hết: hãy chuẩn bị cuộn giấy mới. / Paper is running low: have a new roll ready."
)


def build_job(
    slip: Slip, rendered: RenderedSlip, config: PrinterConfig, layout: SlipLayout | None = None
) -> bytes:
    """The ESC/POS bytes of ``slip`` for ``config``'s profile and mode."""
    if config.mode == "text":
        return build_text_job(slip, rendered, config.profile, layout, qr=config.qr, cut=config.cut)
    return build_image_job(rendered, config.profile, mode=config.mode, qr=config.qr, cut=config.cut)


def render_preview(
    slip: Slip, config: PrinterConfig, layout: SlipLayout | None = None
) -> RenderedSlip:
    """The slip image at ``config``'s printable width (also the on-screen preview)."""
    return render_slip(slip, config.printable_width, layout)


def _close(printer: Escpos | None) -> None:
    if printer is None:
        return
    try:
        printer.close()
    except Exception:  # closing a broken transport must not hide the first error
        log.debug("closing printer failed", exc_info=True)


def print_ticket(
    slip: Slip,
    config: PrinterConfig,
    layout: SlipLayout | None = None,
    *,
    printer: Escpos | None = None,
) -> PrintResult:
    """Print ``slip`` on the printer of ``config`` and say what happened.

    Never raises for a printer fault, never takes longer than ``config.timeout`` (plus a
    fraction of a second). ``printer`` replaces the configured transport (an already
    opened python-escpos printer, e.g. ``Dummy``); it is then not closed.
    """
    started = time.monotonic()
    deadline = started + config.timeout
    result = PrintResult(printed=False)
    try:
        result.preview = render_preview(slip, config, layout)
        job = build_job(slip, result.preview, config, layout)
    except Exception as exc:
        result.error = classify(exc, config)
        result.elapsed = time.monotonic() - started
        return result

    state: dict[str, Escpos | None] = {"printer": printer}
    # The worker fills its own result; the caller adopts it only if the worker finished,
    # so a worker that wakes up after the deadline cannot change what was returned.
    outcome = PrintResult(printed=False, preview=result.preview)

    def work() -> None:
        own = printer is None
        device = printer
        phase = "connect"
        try:
            if own:
                device = open_printer(config, timeout=deadline - time.monotonic())
                state["printer"] = device
            assert device is not None
            if config.can_answer_status:
                phase = "status"
                _settimeout(device, deadline - time.monotonic())
                outcome.status = read_status(device)
                error = status_error(outcome.status, config)
                if error is not None:
                    outcome.error = error
                    return
                if outcome.status.paper_near_end:
                    outcome.warnings.append(PAPER_NEAR_END_WARNING)
            phase = "send"
            _settimeout(device, deadline - time.monotonic())
            device._raw(job)
            outcome.bytes_sent = len(job)
            outcome.printed = True
        except Exception as exc:
            outcome.error = classify(exc, config)
            if isinstance(outcome.error, PrinterTimeout) and phase == "status":
                outcome.error = _timeout(config, STATUS_TIMEOUT_HINT)
        finally:
            if own:
                _close(device)

    worker = threading.Thread(target=work, name="hangdoi-print", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()) + _JOIN_SLACK)
    if worker.is_alive():
        # A transport without its own timeout is stuck: closing it under the worker makes
        # the blocked call fail, and the caller goes on either way.
        if printer is None:
            _close(state["printer"])
        result.error = _timeout(config, "deadline reached")
    else:
        result = outcome
    result.elapsed = time.monotonic() - started
    return result


@dataclass
class StatusCheck:
    """The outcome of :func:`check_printer`: ``ready`` is True (it answered, all well),
    False (``error`` says why: out of paper, cover open, unreachable...) or None (the
    transport cannot tell: file, CUPS, or status_check off)."""

    ready: bool | None
    error: PrintError | None = None
    status: PrinterStatus | None = None
    warnings: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def check_printer(config: PrinterConfig) -> StatusCheck:
    """Ask the printer whether it can print now, without printing.

    Like :func:`print_ticket`, never raises for a printer fault and never takes longer than
    ``config.timeout`` (plus a fraction of a second). Transports that cannot answer a
    status query are not opened (opening a file printer would create the file)."""
    started = time.monotonic()
    if not config.can_answer_status:
        return StatusCheck(ready=None)
    deadline = started + config.timeout
    outcome = StatusCheck(ready=False)
    state: dict[str, Escpos | None] = {"printer": None}

    def work() -> None:
        device = None
        try:
            device = open_printer(config, timeout=deadline - time.monotonic())
            state["printer"] = device
            _settimeout(device, deadline - time.monotonic())
            outcome.status = read_status(device)
            if outcome.status.online is None and outcome.status.paper_out is None:
                outcome.error = _timeout(config, STATUS_TIMEOUT_HINT)
                return
            outcome.error = status_error(outcome.status, config)
            outcome.ready = outcome.error is None
            if outcome.status.paper_near_end:
                outcome.warnings.append(PAPER_NEAR_END_WARNING)
        except Exception as exc:
            outcome.error = classify(exc, config)
        finally:
            _close(device)

    worker = threading.Thread(target=work, name="hangdoi-printer-status", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()) + _JOIN_SLACK)
    if worker.is_alive():
        _close(state["printer"])
        result = StatusCheck(ready=False, error=_timeout(config, "deadline reached"))
    else:
        result = outcome
    result.elapsed = time.monotonic() - started
    return result
