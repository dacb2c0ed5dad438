"""Printing through the fake network printer on loopback, and every fault it can show.

Fault tests assert only that the call returned within the configured timeout plus slack,
never a duration of their own.
"""

from __future__ import annotations

import time

import pytest

from printers import (
    CoverOpen,
    PaperOut,
    PrinterConfig,
    PrinterOffline,
    PrinterTimeout,
    PrinterUnreachable,
    check_printer,
    print_ticket,
    sample_slip,
)

from .conftest import WIDTH_PROFILES
from .escpos_decoder import Cut, decode
from .fake_printer import SilentListener, closed_port
from .test_render import read_qr

TIMEOUT = 1.0
SLACK = 1.5


def network(address: str, **options) -> PrinterConfig:
    options.setdefault("timeout", TIMEOUT)
    return PrinterConfig.from_spec(f"network:{address}", **options)


def timed_print(config: PrinterConfig):
    started = time.monotonic()
    result = print_ticket(sample_slip(), config)
    assert time.monotonic() - started < config.timeout + SLACK
    return result


@pytest.mark.parametrize("width", sorted(WIDTH_PROFILES))
def test_prints_through_the_network_and_the_job_is_the_preview(fake_printer, width):
    profile = WIDTH_PROFILES[width]
    # cut="partial": the 58 mm profile has no cutter by default; this one has.
    result = timed_print(network(fake_printer.address, profile=profile, qr="image", cut="partial"))
    assert result.printed, result.error
    assert result.status.online and not result.status.paper_out
    [job] = fake_printer.wait_for_jobs(1)
    assert len(job) == result.bytes_sent
    assert fake_printer.connections[0].queries == [1, 2, 4]
    decoded = decode(job, profile)
    [printed] = decoded.image_runs()
    assert printed.tobytes() == result.preview.image.tobytes()
    assert printed.width == width
    assert read_qr(printed) == [sample_slip().tracking_url]
    assert decoded.cuts == [Cut(partial=True)]


def test_native_qr_through_the_network(fake_printer):
    result = timed_print(network(fake_printer.address, profile="TM-T20II"))
    assert result.printed
    decoded = decode(fake_printer.wait_for_jobs(1)[0], "TM-T20II")
    assert [q.payload for q in decoded.qr_codes] == [sample_slip().tracking_url]
    assert decoded.cuts


def test_default_port_is_9100():
    assert network("10.0.0.5").network_target() == ("10.0.0.5", 9100)
    assert network("10.0.0.5:9101").network_target() == ("10.0.0.5", 9101)
    assert network("[::1]:9102").network_target() == ("::1", 9102)


def test_paper_near_end_prints_with_a_warning(fake_printer):
    fake_printer.paper = "near_end"
    result = timed_print(network(fake_printer.address, profile="TM-T20II"))
    assert result.printed and result.status.paper_near_end
    assert any("Giấy in sắp hết" in w and "Paper is running low" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("state", "error_type", "vi", "en"),
    [
        ("offline", PrinterOffline, "ngoại tuyến", "offline"),
        ("paper_out", PaperOut, "hết giấy", "out of paper"),
        ("cover_open", CoverOpen, "Nắp máy in", "cover"),
    ],
)
def test_printer_states_give_their_own_error_and_no_job(fake_printer, state, error_type, vi, en):
    if state == "offline":
        fake_printer.online = False
    elif state == "paper_out":
        fake_printer.paper = "out"
    else:
        fake_printer.cover_open = True
    result = timed_print(network(fake_printer.address, profile="TM-T20II"))
    assert not result.printed
    assert type(result.error) is error_type and result.code == error_type.code
    assert vi in result.error.message_vi and en in result.error.message_en
    assert result.preview is not None  # the kiosk can still show the slip
    [connection] = fake_printer.wait_for_closed(1)
    assert connection.queries == [1, 2, 4]
    assert connection.job == b""  # nothing printed after a bad status


def test_slow_printer_times_out_within_the_timeout(fake_printer):
    fake_printer.slow = True
    result = timed_print(network(fake_printer.address))
    assert type(result.error) is PrinterTimeout and result.code == "timeout"
    assert "không trả lời trong 1 giây" in result.error.message_vi
    assert "did not answer within 1 s" in result.error.message_en
    assert "status_check" in result.error.detail


def test_slow_printer_without_status_check_still_gets_the_job(fake_printer):
    fake_printer.slow = True
    result = timed_print(network(fake_printer.address, status_check="off"))
    assert result.printed and result.status is None
    assert fake_printer.wait_for_jobs(1)


def test_unreachable_port():
    result = timed_print(network(f"127.0.0.1:{closed_port()}"))
    assert type(result.error) is PrinterUnreachable and result.code == "unreachable"
    assert "Không kết nối được máy in" in result.error.message_vi
    assert "Cannot connect to the printer" in result.error.message_en


def test_connection_that_is_never_accepted_times_out():
    with SilentListener() as listener:
        result = timed_print(network(f"127.0.0.1:{listener.port}", connect_timeout=0.5))
    assert type(result.error) is PrinterTimeout


def test_config_from_mapping():
    config = PrinterConfig.from_mapping(
        {"printer": "network:10.0.0.5", "profile": "TM-T20II", "timeout": 3}
    )
    assert config.type == "network" and config.address == "10.0.0.5" and config.timeout == 3
    config = PrinterConfig.from_mapping({"type": "usb", "address": "04b8:0202"})
    assert config.usb_ids() == (0x04B8, 0x0202)


def test_check_printer_asks_the_status_without_printing(fake_printer):
    config = network(fake_printer.address)
    check = check_printer(config)
    assert check.ready is True and check.error is None and check.warnings == []
    fake_printer.paper = "near_end"
    assert check_printer(config).warnings
    fake_printer.paper = "out"
    check = check_printer(config)
    assert check.ready is False and isinstance(check.error, PaperOut)
    fake_printer.paper, fake_printer.cover_open = "ok", True
    assert isinstance(check_printer(config).error, CoverOpen)
    fake_printer.wait_for_closed(4)
    assert fake_printer.jobs == []  # nothing printed, only asked
    assert all(c.queries == [1, 2, 4] for c in fake_printer.connections)


def test_check_printer_of_a_printer_that_is_not_there():
    check = check_printer(network(f"127.0.0.1:{closed_port()}"))
    assert check.ready is False and isinstance(check.error, PrinterUnreachable)
    with SilentListener() as silent:
        check = check_printer(network(f"127.0.0.1:{silent.port}"))
    assert check.ready is False and isinstance(check.error, PrinterTimeout)


def test_check_printer_of_a_transport_that_cannot_tell(tmp_path):
    target = tmp_path / "slip.bin"
    check = check_printer(PrinterConfig.from_spec(f"file:{target}"))
    assert check.ready is None and not target.exists()
