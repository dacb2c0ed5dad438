"""USB, serial, file transports: the missing-backend and permission faults come from the
real python-escpos / pyusb code paths, and a transport with no timeout of its own still
cannot hang the caller."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from printers import (
    PrinterConfig,
    PrinterTimeout,
    PrinterUnreachable,
    UsbBackendMissing,
    UsbPermissionDenied,
    print_ticket,
    sample_slip,
)

from .escpos_decoder import decode

ROOT = Path(__file__).resolve().parents[2]
SLACK = 1.5


def timed_print(config: PrinterConfig):
    started = time.monotonic()
    result = print_ticket(sample_slip(), config)
    assert time.monotonic() - started < config.timeout + SLACK
    return result


def test_usb_without_pyusb_installed():
    # A fresh interpreter in which "import usb" fails, as on a kiosk without pyusb:
    # python-escpos then marks its Usb printer unusable and printers/ must say so.
    script = (
        "import sys, json\n"
        "sys.modules.update({'usb': None, 'usb.core': None, 'usb.util': None})\n"
        "from printers import PrinterConfig, print_ticket, sample_slip\n"
        "r = print_ticket(sample_slip(), PrinterConfig.from_spec('usb:04b8:0202', timeout=2))\n"
        "print(json.dumps([r.code, r.error.message_vi, r.error.message_en, type(r.error).__name__]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    code, vi, en, name = json.loads(out.strip().splitlines()[-1])
    assert code == "usb_backend_missing" and name == "UsbBackendMissing"
    assert "pyusb" in vi and "Thiếu thư viện" in vi
    assert "pip install pyusb" in en


@pytest.fixture
def pyusb_without_libusb(monkeypatch):
    """pyusb importable but no libusb library on the system (as on a fresh Debian)."""
    usb_core = pytest.importorskip("usb.core")
    import usb.backend.libusb0
    import usb.backend.libusb1
    import usb.backend.openusb
    import usb.libloader

    monkeypatch.setattr(usb.libloader, "locate_library", lambda *a, **k: None)
    for backend in (usb.backend.libusb1, usb.backend.libusb0, usb.backend.openusb):
        for name in ("_lib", "_lib_object"):
            if hasattr(backend, name):
                monkeypatch.setattr(backend, name, None)
    return usb_core


def test_usb_with_pyusb_but_no_libusb(pyusb_without_libusb):
    result = timed_print(PrinterConfig.from_spec("usb:04b8:0202", timeout=2))
    assert type(result.error) is UsbBackendMissing
    assert "libusb-1.0-0" in result.error.message_vi and "libusb" in result.error.message_en
    assert "NoBackendError" in result.error.detail


def test_usb_permission_denied(monkeypatch):
    usb_core = pytest.importorskip("usb.core")

    def find(**kwargs):
        raise usb_core.USBError("Access denied (insufficient permissions)", -3, 13)

    monkeypatch.setattr(usb_core, "find", find)
    result = timed_print(PrinterConfig.from_spec("usb:04b8:0202", timeout=2))
    assert type(result.error) is UsbPermissionDenied
    assert "Không có quyền" in result.error.message_vi and "udev" in result.error.message_en


def test_usb_printer_not_plugged_in(monkeypatch):
    usb_core = pytest.importorskip("usb.core")
    monkeypatch.setattr(usb_core, "find", lambda **kwargs: None)
    result = timed_print(PrinterConfig.from_spec("usb:04b8:0202", timeout=2))
    assert type(result.error) is PrinterUnreachable
    assert "Không tìm thấy máy in USB 04b8:0202" in result.error.message_vi


def test_serial_port_that_does_not_exist():
    result = timed_print(PrinterConfig.from_spec("serial:/dev/ttyHANGDOI9", timeout=2))
    try:
        import serial  # noqa: F401
    except ImportError:
        assert result.code == "serial_backend_missing" and "pyserial" in str(result.error)
    else:
        assert result.code == "unreachable"


def test_device_file_gets_the_job(tmp_path):
    device = tmp_path / "lp0"
    config = PrinterConfig.from_spec(f"file:{device}", profile="TM-T88V", qr="image")
    result = timed_print(config)
    assert result.printed and result.status is None  # a file cannot answer status
    [printed] = decode(device.read_bytes(), "TM-T88V").image_runs()
    assert printed.tobytes() == result.preview.image.tobytes()


def test_missing_device_file_is_unreachable(tmp_path):
    result = timed_print(PrinterConfig.from_spec(f"file:{tmp_path}/none/lp0"))
    assert result.code == "unreachable"


def test_blocked_device_does_not_hang_the_caller(tmp_path):
    # Opening a FIFO for writing blocks until someone reads it: like /dev/usb/lp0 of a
    # printer that is switched off. python-escpos's File has no timeout of its own.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    result = timed_print(PrinterConfig.from_spec(f"file:{fifo}", timeout=0.5))
    assert type(result.error) is PrinterTimeout and not result.printed
    # Release the worker still blocked in open(): become the reader, then go away.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    threading.Event().wait(0.1)
    os.close(reader)
