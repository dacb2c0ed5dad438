"""Printer configuration: wrong values are refused with a clear bilingual message."""

from __future__ import annotations

import pytest

from printers import ConfigError, PrinterConfig


@pytest.mark.parametrize(
    "options",
    [
        {"type": "bluetooth", "address": "x"},
        {"type": "network", "address": ""},
        {"type": "network", "address": "h", "mode": "pdf"},
        {"type": "network", "address": "h", "qr": "maybe"},
        {"type": "network", "address": "h", "cut": "half"},
        {"type": "network", "address": "h", "timeout": 0},
        {"type": "network", "address": "h", "profile": "NO-SUCH-PRINTER"},
    ],
)
def test_bad_configuration(options):
    with pytest.raises(ConfigError) as info:
        PrinterConfig(**options)
    assert info.value.message_vi and info.value.message_en


def test_unknown_keys_and_bad_addresses():
    with pytest.raises(ConfigError, match="Unknown printer configuration keys: colour"):
        PrinterConfig.from_mapping({"type": "dummy", "colour": "red"})
    with pytest.raises(ConfigError, match="VID:PID"):
        PrinterConfig.from_spec("usb:epson").usb_ids()
    with pytest.raises(ConfigError, match="Invalid port"):
        PrinterConfig.from_spec("network:host:http").network_target()


def test_status_check_by_transport():
    assert PrinterConfig.from_spec("network:h").can_answer_status
    assert not PrinterConfig.from_spec("file:/dev/usb/lp0").can_answer_status
    assert not PrinterConfig.from_spec("network:h", status_check="off").can_answer_status
    assert PrinterConfig.from_spec("file:/dev/usb/lp0", status_check="on").can_answer_status
