"""``hangdoi-print-test``: print or preview a sample slip, for the technician who installs
a kiosk.

    hangdoi-print-test --printer network:10.0.0.5 --profile TM-T20II
    hangdoi-print-test --printer usb:04b8:0202 --profile TM-T88V --mode text
    hangdoi-print-test --profile ZJ-5870 --preview slip.png

Exit status: 0 printed (or preview saved), 1 the printer failed (the reason is printed in
Vietnamese and English), 2 the command line or configuration is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .config import TYPES, PrinterConfig
from .encode import CUT_MODES, MODES, QR_MODES, profile_width
from .errors import PrintError
from .printing import print_ticket, render_preview
from .slip import LANGUAGES, SlipLayout, sample_slip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hangdoi-print-test",
        description="In thử hoặc xem trước một phiếu số thứ tự / "
        "Print or preview a sample queue ticket slip.",
    )
    parser.add_argument(
        "--printer",
        metavar="TYPE:ADDRESS",
        help=f"printer to print on; TYPE is one of {', '.join(TYPES)} "
        "(e.g. network:10.0.0.5, network:10.0.0.5:9100, usb:04b8:0202, "
        "serial:/dev/ttyUSB0, file:/dev/usb/lp0, cups:QUEUE)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE.json",
        help="printer configuration as JSON (keys of PrinterConfig); "
        "command-line options override it",
    )
    parser.add_argument("--profile", help="python-escpos printer profile, e.g. TM-T20II")
    parser.add_argument("--width", type=int, help="printable width in dots (default: profile's)")
    parser.add_argument("--mode", choices=MODES, help="raster (default), graphics or text")
    parser.add_argument("--qr", choices=QR_MODES, help="QR code: auto (default), native, image")
    parser.add_argument("--cut", choices=CUT_MODES, help="paper cut (default auto)")
    parser.add_argument(
        "--timeout", type=float, help="seconds the whole print may take (default 5)"
    )
    parser.add_argument(
        "--no-status",
        action="store_true",
        help="do not ask the printer's status first (printers that never answer)",
    )
    parser.add_argument(
        "--preview", type=Path, metavar="FILE.png", help="save the slip image as PNG"
    )
    parser.add_argument(
        "--save-job", type=Path, metavar="FILE.bin", help="save the ESC/POS bytes of the job"
    )
    parser.add_argument("--font", type=Path, help="TTF/OTF font with Vietnamese letters")
    parser.add_argument("--bold-font", type=Path, help="bold face of that font")
    parser.add_argument("--language", choices=LANGUAGES, default="vi")
    parser.add_argument("--no-qr", action="store_true", help="slip without QR code")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="LINE",
        help="header line above the centre name (repeatable)",
    )
    parser.add_argument("--centre", help="centre name on the sample slip")
    parser.add_argument("--number", help="ticket number on the sample slip")
    parser.add_argument("--service", help="service name on the sample slip")
    parser.add_argument("--url", help="tracking URL in the QR code")
    return parser


def _config(args: argparse.Namespace) -> PrinterConfig:
    data = json.loads(args.config.read_text(encoding="utf-8")) if args.config else {}
    config = PrinterConfig.from_mapping(data)
    if args.printer:
        spec = PrinterConfig.from_spec(args.printer)
        config = replace(config, type=spec.type, address=spec.address)
    changes = {
        "profile": args.profile,
        "width": args.width,
        "mode": args.mode,
        "qr": args.qr,
        "cut": args.cut,
        "timeout": args.timeout,
        "status_check": "off" if args.no_status else None,
    }
    return PrinterConfig(
        **{**config.__dict__, **{k: v for k, v in changes.items() if v is not None}}
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.printer and not args.config and not args.preview and not args.save_job:
        print(
            "Cần --printer hoặc --preview / Give --printer or --preview (see --help).",
            file=sys.stderr,
        )
        return 2
    try:
        config = _config(args)
        layout = SlipLayout(
            header_lines=tuple(args.header),
            show_qr=not args.no_qr,
            language=args.language,
            font_path=args.font,
            bold_font_path=args.bold_font,
        )
    except (PrintError, OSError, ValueError, TypeError) as exc:
        print(f"Cấu hình sai / Bad configuration: {exc}", file=sys.stderr)
        return 2

    overrides = {
        "centre_name": args.centre,
        "ticket_number": args.number,
        "service_name": args.service,
        "tracking_url": args.url,
    }
    slip = replace(sample_slip(), **{k: v for k, v in overrides.items() if v is not None})

    try:
        preview = render_preview(slip, config, layout)
    except PrintError as exc:
        print(exc, file=sys.stderr)
        return 2
    profile_dots = profile_width(config.profile)
    print(
        f"Phiếu / slip: {preview.width}×{preview.image.height} điểm/dots "
        f"(profile {config.profile or 'default'}: {profile_dots or 'không rõ / unknown'})"
    )
    if args.preview:
        print(f"Ảnh xem trước / preview: {preview.save_preview(args.preview)}")
    if args.save_job:
        from .printing import build_job

        try:
            job = build_job(slip, preview, config, layout)
        except PrintError as exc:
            print(exc, file=sys.stderr)
            return 1
        args.save_job.parent.mkdir(parents=True, exist_ok=True)
        args.save_job.write_bytes(job)
        print(f"Lệnh ESC/POS / ESC/POS job: {args.save_job} ({len(job)} bytes)")

    if not args.printer and not args.config:
        return 0
    print(f"Đang in trên / printing on {config.describe()} ...")
    result = print_ticket(slip, config, layout)
    for warning in result.warnings:
        print(f"Cảnh báo / warning: {warning}")
    if result.status is not None:
        print(f"Trạng thái / status: {result.status}")
    if result.printed:
        print(f"Đã in phiếu ({result.bytes_sent} bytes, {result.elapsed:.2f} s) / Slip printed.")
        return 0
    print(f"Không in được [{result.code}] / Not printed: {result.error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
