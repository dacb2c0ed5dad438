"""The kiosk's settings: what the settings screen and the command line set, kept in
``kiosk.json`` in the apps' config folder (:mod:`desktop.settings`); the device token in
the keyring or a private file (:mod:`desktop.secrets`)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from desktop.settings import common_parser, merge
from printers import PrinterConfig

log = logging.getLogger(__name__)

APP = "kiosk"
DEFAULT_PIN = "0000"

DEFAULTS: dict[str, Any] = {
    "server": "",
    "lang": "vi",
    # Printer: a TYPE:ADDRESS spec of printers/ ("" = no printer: numbers on screen only).
    "printer": "",
    "printer_profile": None,
    "printer_mode": "raster",
    "printer_timeout": 5.0,
    # True: no on-screen ticket when the printer is not ready ("Tạm ngừng cấp số").
    "printed_only": False,
    # True: straight to the services (a site with few services).
    "skip_departments": False,
    "idle_seconds": 30,
    # How long a printed ticket stays on screen (seconds) before the attract screen.
    "ticket_seconds": 8,
    "pin": DEFAULT_PIN,
    "hide_cursor": True,
    # Codes of the services that ask for a dossier code.
    "dossier_services": [],
}


def parser() -> argparse.ArgumentParser:
    p = common_parser("hangdoi-kiosk", "The hangdoi touchscreen kiosk.")
    p.add_argument(
        "--printer",
        help="slip printer: network:IP[:PORT], usb:VID:PID, serial:/dev/ttyUSB0, "
        "file:PATH, cups:NAME ('none' for numbers on screen only)",
    )
    p.add_argument("--printer-profile", help="python-escpos printer profile, e.g. TM-T20II")
    p.add_argument("--printer-mode", choices=("raster", "graphics", "text"))
    p.add_argument(
        "--preview",
        action="store_true",
        help="no printer: render each slip and save it as last-slip.png in the config folder",
    )
    p.add_argument("--pin", help="the PIN of the settings screen (digits)")
    p.add_argument("--idle-seconds", type=int, help="back to the start after this long")
    p.add_argument(
        "--printed-only",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="stop issuing when the printer is not ready (no on-screen tickets)",
    )
    p.add_argument(
        "--skip-departments",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the services straight away",
    )
    p.add_argument(
        "--windowed",
        metavar="WxH",
        help="a normal window of this size instead of full screen (e.g. 1080x1920)",
    )
    p.add_argument("--show-cursor", action="store_true", help="do not hide the mouse cursor")
    return p


def from_args(values: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """`values` with the command line's flags over them."""
    merged = merge(values, args, ("server", "lang", "printer", "pin"))
    for flag, key in (
        ("printer_profile", "printer_profile"),
        ("printer_mode", "printer_mode"),
        ("idle_seconds", "idle_seconds"),
        ("printed_only", "printed_only"),
        ("skip_departments", "skip_departments"),
    ):
        given = getattr(args, flag, None)
        if given is not None:
            merged[key] = given
    if args.printer == "none":
        merged["printer"] = ""
    if args.show_cursor:
        merged["hide_cursor"] = False
    return merged


def printer_config(values: dict[str, Any], preview: bool = False) -> PrinterConfig | None:
    """The printer of the settings (None: no printer); raises printers.ConfigError."""
    if preview:
        return PrinterConfig(type="dummy", profile=values.get("printer_profile") or None)
    spec = (values.get("printer") or "").strip()
    if not spec:
        return None
    return PrinterConfig.from_spec(
        spec,
        profile=values.get("printer_profile") or None,
        mode=values.get("printer_mode") or "raster",
        timeout=float(values.get("printer_timeout") or 5.0),
    )


def window_size(spec: str | None) -> tuple[int, int] | None:
    if not spec:
        return None
    width, _, height = spec.lower().partition("x")
    return int(width), int(height)
