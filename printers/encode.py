"""Building the ESC/POS job for one slip, as bytes, with python-escpos.

The whole job is built on a :class:`escpos.printer.Dummy` carrying the printer's profile,
before any transport is touched: an image too wide fails here, and the transport then
only moves bytes (one ``_raw`` call).

Modes: ``raster`` (``GS v 0``, every printer; the default), ``graphics`` (``GS ( L``)
and ``text`` (printer fonts with a TCVN-3 code page, for profiles that have one).
QR: ``native`` (``GS ( k``, the printer draws it), ``image`` (part of the raster) or
``auto`` (native where the profile supports QR codes).
"""

from __future__ import annotations

import copy

from escpos import constants
from escpos.exceptions import ImageWidthError
from escpos.magicencode import Encoder
from escpos.printer import Dummy

from .errors import ConfigError, ImageTooWide
from .render import RenderedSlip, label, wrap_columns
from .slip import Slip, SlipLayout, nfc

MODES = ("raster", "graphics", "text")
QR_MODES = ("auto", "native", "image")
CUT_MODES = ("auto", "partial", "full", "none")

#: Rows per image command: python-escpos splits taller images into fragments.
FRAGMENT_HEIGHT = 960
TCVN_PAGES = ("TCVN-3-1", "TCVN-3-2")
#: Native QR error correction, matching printers.render.QR_ERROR_CORRECTION.
_QR_EC = constants.QR_ECLEVEL_M


def profile_width(profile_name: str | None) -> int | None:
    """Printable width in dots from a python-escpos profile, or ``None`` if it has none."""
    pixels = Dummy(profile=profile_name).profile.profile_data["media"]["width"].get("pixels")
    try:
        return int(pixels)
    except (TypeError, ValueError):
        return None


def tcvn_code_pages(profile_name: str | None) -> dict[str, int]:
    """The TCVN-3 code pages of a profile, as {name: ESC t number}."""
    pages = Dummy(profile=profile_name).profile.get_code_pages()
    return {name: int(number) for name, number in pages.items() if name in TCVN_PAGES}


def _dummy(profile_name: str | None, width: int, **kwargs) -> Dummy:
    """A job builder for the profile; a profile without a known width gets ``width``, so
    python-escpos checks images against it (and stays quiet about an unknown width)."""
    printer = Dummy(profile=profile_name, **kwargs)
    if profile_width(profile_name) is None:
        data = copy.deepcopy(printer.profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = width
        printer.profile.profile_data = data  # instance copy: the class's data is shared
    return printer


def uses_native_qr(qr: str, profile_name: str | None) -> bool:
    if qr not in QR_MODES:
        raise ConfigError(f"Kiểu mã QR không hợp lệ: {qr}", f"Invalid QR mode: {qr}")
    if qr == "auto":
        return Dummy(profile=profile_name).profile.supports("qrCode")
    return qr == "native"


def _cut(printer: Dummy, cut: str) -> None:
    if cut not in CUT_MODES:
        raise ConfigError(f"Kiểu cắt giấy không hợp lệ: {cut}", f"Invalid cut mode: {cut}")
    if cut == "none":
        printer.print_and_feed(6)
    elif cut == "auto":
        printer.cut(mode="PART")  # falls back to a full cut, or only feeds, by profile
    else:
        # The administrator knows this printer has a cutter, whatever the profile says.
        printer.print_and_feed(6)
        printer._raw(constants.PAPER_PART_CUT if cut == "partial" else constants.PAPER_FULL_CUT)


def _fragment_height(width: int, impl: str) -> int:
    if impl != "graphics":
        return FRAGMENT_HEIGHT
    # GS ( L carries its length in two bytes: python-escpos does not check, and a longer
    # block would reach the printer with a wrapped-around length. Keep each under 64 KiB.
    return min(FRAGMENT_HEIGHT, (0xFFFF - 10) // ((width + 7) // 8))


def _image(printer: Dummy, image, impl: str) -> None:
    try:
        printer.image(image, impl=impl, fragment_height=_fragment_height(image.width, impl))
    except ImageWidthError as exc:
        raise ImageTooWide(
            f"Ảnh phiếu rộng {image.width} điểm, quá khổ giấy của máy in. "
            "Hãy kiểm tra lại mẫu máy in (profile) hoặc độ rộng đã cấu hình.",
            f"The slip image is {image.width} dots wide, wider than the printer's paper. "
            "Check the printer profile or the configured width.",
            detail=str(exc),
        ) from exc


def _native_qr(printer: Dummy, rendered: RenderedSlip) -> None:
    printer.set(align="center")
    printer.qr(rendered.qr_payload, ec=_QR_EC, size=rendered.qr_module_size, native=True)
    printer.set(align="left")


def build_image_job(
    rendered: RenderedSlip,
    profile: str | None,
    *,
    mode: str = "raster",
    qr: str = "auto",
    cut: str = "auto",
) -> bytes:
    """The job that prints ``rendered`` as an image (``raster`` or ``graphics`` mode)."""
    if mode not in ("raster", "graphics"):
        raise ConfigError(f"Chế độ in ảnh không hợp lệ: {mode}", f"Invalid image mode: {mode}")
    impl = "bitImageRaster" if mode == "raster" else "graphics"
    printer = _dummy(profile, rendered.width)
    printer.hw("INIT")
    if rendered.qr_box is not None and uses_native_qr(qr, profile):
        above, below = rendered.bands()
        _image(printer, above, impl)
        _native_qr(printer, rendered)
        if below is not None:
            _image(printer, below, impl)
    else:
        _image(printer, rendered.image, impl)
    _cut(printer, cut)
    return printer.output


def _text_printer(profile: str | None, width: int) -> Dummy:
    pages = tcvn_code_pages(profile)
    if len(pages) < 2:
        raise ConfigError(
            f"Mẫu máy in {profile or 'default'} không có bảng mã TCVN-3: hãy dùng chế độ in ảnh.",
            f"Printer profile {profile or 'default'} has no TCVN-3 code page: use an image mode.",
        )
    # Only the TCVN-3 pages: python-escpos would otherwise pick any page that has a letter.
    return _dummy(profile, width, magic_encode_args={"encoder": Encoder(pages)})


def _tcvn(text: str) -> str:
    # TCVN-3's capital D-stroke sits where python-escpos's table has the look-alike Ð.
    return nfc(text).replace("Đ", "Ð")


def build_text_job(
    slip: Slip,
    rendered: RenderedSlip | None,
    profile: str | None,
    layout: SlipLayout | None = None,
    *,
    qr: str = "auto",
    cut: str = "auto",
) -> bytes:
    """The job that prints ``slip`` with the printer's own fonts (TCVN-3 code page).

    The QR code is native, or the QR band of ``rendered`` as a raster image.
    """

    layout = layout or SlipLayout()
    printer = _text_printer(profile, rendered.width if rendered else 576)
    columns = int(printer.profile.fonts["0"]["columns"]) if printer.profile.fonts else 42

    def line(text: str, cols: int = columns) -> None:
        for part in wrap_columns(_tcvn(text), cols):
            printer.text(part + "\n")

    printer.hw("INIT")
    printer.set(align="center")
    for header in layout.header_lines:
        line(header)
    printer.set(bold=True)
    line(slip.centre_name)
    printer.set(bold=False)
    line(slip.centre_address)
    line("-" * columns)
    line(label(layout, "number"))
    printer.set(custom_size=True, width=4, height=4, bold=True)
    line(slip.ticket_number, columns // 4)
    printer.set(normal_textsize=True, bold=False)
    if slip.priority_category:
        printer.set(invert=True, bold=True)
        line(f"{label(layout, 'priority')}: {slip.priority_category}")
        printer.set(invert=False, bold=False)
    line(slip.department_name)
    printer.set(double_height=True, bold=True)
    line(slip.service_name)
    printer.set(normal_textsize=True, bold=False)
    if slip.counters:
        line(f"{label(layout, 'counters')}: {', '.join(slip.counters)}")
    if slip.people_ahead is not None:
        line(f"{label(layout, 'ahead')}: {slip.people_ahead}")
    if slip.estimated_wait_range is not None:
        low, high = slip.estimated_wait_range
        line(
            f"{label(layout, 'wait')}: {low}-{high}'"
            if low > 0
            else f"{label(layout, 'wait')}: <{high}'"
        )
    elif slip.estimated_wait_minutes is not None:
        line(f"{label(layout, 'wait')}: {slip.estimated_wait_minutes}'")
    line(f"{label(layout, 'issued')}: {slip.local_issued_at():%H:%M %d/%m/%Y}")
    if rendered is not None and rendered.qr_box is not None:
        if uses_native_qr(qr, profile):
            _native_qr(printer, rendered)
        else:
            top, bottom = rendered.qr_box
            _image(printer, rendered.image.crop((0, top, rendered.width, bottom)), "bitImageRaster")
        printer.set(align="center")
        line(label(layout, "scan"))
    footer = slip.footer or layout.footer
    if footer:
        line(footer)
    printer.set(align="left")
    _cut(printer, cut)
    return printer.output
