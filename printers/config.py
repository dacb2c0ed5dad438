"""The printer configuration: which transport, where, which profile, how long to wait.

A kiosk keeps it as a small mapping (JSON/TOML/INI section), for example::

    {"type": "network", "address": "10.0.0.5:9100", "profile": "TM-T20II", "timeout": 5}

or as one string, ``TYPE:ADDRESS`` (the ``--printer`` option of ``hangdoi-print-test``):
``network:10.0.0.5`` (port 9100 by default), ``usb:04b8:0202`` (vendor:product, hex),
``serial:/dev/ttyUSB0``, ``file:/dev/usb/lp0``, ``cups:Kiosk_Printer``, ``dummy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .encode import CUT_MODES, MODES, QR_MODES, profile_width
from .errors import ConfigError

TYPES = ("network", "usb", "serial", "file", "cups", "dummy")
STATUS_CHECKS = ("auto", "on", "off")
#: Printable width when neither the configuration nor the profile gives one (80 mm paper).
DEFAULT_WIDTH = 576


@dataclass(frozen=True)
class PrinterConfig:
    """How to reach one slip printer and how to print on it.

    ``timeout`` (seconds) bounds a whole :func:`printers.print_ticket` call: connecting,
    asking the status and sending the job. ``connect_timeout`` bounds the connection alone.
    ``status_check`` "auto" asks the status on transports that can answer (network, USB,
    serial); turn it "off" for printers that never answer status queries.
    """

    type: str = "dummy"
    address: str = ""
    profile: str | None = None
    width: int | None = None
    mode: str = "raster"
    qr: str = "auto"
    cut: str = "auto"
    timeout: float = 5.0
    connect_timeout: float = 3.0
    status_check: str = "auto"
    baudrate: int = 9600
    usb_in_ep: int = 0x82
    usb_out_ep: int = 0x01

    def __post_init__(self) -> None:
        checks = (
            ("type", self.type, TYPES),
            ("mode", self.mode, MODES),
            ("qr", self.qr, QR_MODES),
            ("cut", self.cut, CUT_MODES),
            ("status_check", self.status_check, STATUS_CHECKS),
        )
        for name, value, allowed in checks:
            if value not in allowed:
                raise ConfigError(
                    f"Giá trị {name}={value!r} không hợp lệ; chọn một trong: {', '.join(allowed)}",
                    f"Invalid {name}={value!r}; choose one of: {', '.join(allowed)}",
                )
        if self.type not in ("dummy",) and not self.address:
            raise ConfigError(
                f"Thiếu địa chỉ cho máy in kiểu {self.type}.",
                f"A {self.type} printer needs an address.",
            )
        if self.timeout <= 0 or self.connect_timeout <= 0:
            raise ConfigError("Thời gian chờ phải lớn hơn 0.", "Timeouts must be positive.")
        if self.profile is not None:
            try:
                profile_width(self.profile)
            except Exception as exc:  # python-escpos raises its own NotSupported
                raise ConfigError(
                    f"Không có mẫu máy in (profile) tên {self.profile}.",
                    f"There is no printer profile named {self.profile}.",
                    detail=str(exc),
                ) from exc

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> PrinterConfig:
        """``network:10.0.0.5[:9100]``, ``usb:04b8:0202``, ``file:/dev/usb/lp0``, ..."""
        kind, _, address = spec.partition(":")
        return cls(type=kind.strip().lower(), address=address.strip(), **options)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrinterConfig:
        """From a configuration mapping; ``printer`` may hold a ``TYPE:ADDRESS`` spec."""
        known = {f.name for f in fields(cls)}
        data = dict(data)
        spec = data.pop("printer", None)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(
                f"Khóa cấu hình máy in không xác định: {', '.join(sorted(unknown))}",
                f"Unknown printer configuration keys: {', '.join(sorted(unknown))}",
            )
        if spec:
            return cls.from_spec(spec, **data)
        return cls(**data)

    def with_options(self, **changes: Any) -> PrinterConfig:
        return replace(self, **changes)

    @property
    def printable_width(self) -> int:
        """Dots per line: configured, else the profile's, else 576."""
        return self.width or profile_width(self.profile) or DEFAULT_WIDTH

    @property
    def can_answer_status(self) -> bool:
        if self.status_check == "off":
            return False
        if self.status_check == "on":
            return True
        return self.type in ("network", "usb", "serial")

    def network_target(self) -> tuple[str, int]:
        address = self.address
        if address.startswith("["):  # [IPv6]:port
            host, _, rest = address[1:].partition("]")
            port = rest.lstrip(":") or "9100"
        elif address.count(":") == 1:
            host, port = address.split(":")
        else:
            host, port = address, "9100"
        try:
            return host, int(port)
        except ValueError as exc:
            raise ConfigError(f"Cổng mạng không hợp lệ: {port}", f"Invalid port: {port}") from exc

    def usb_ids(self) -> tuple[int, int]:
        try:
            vendor, product = (int(part, 16) for part in self.address.split(":"))
        except ValueError as exc:
            raise ConfigError(
                f"Địa chỉ USB phải có dạng VID:PID (hệ 16), ví dụ 04b8:0202, không phải {self.address!r}.",
                f"A USB address is VID:PID in hex, e.g. 04b8:0202, not {self.address!r}.",
            ) from exc
        return vendor, product

    def describe(self) -> str:
        return f"{self.type}:{self.address}" if self.address else self.type
