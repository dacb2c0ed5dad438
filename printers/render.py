"""Drawing a slip with Pillow: a 1-bit image exactly as wide as the printer's printable
width. The same image is the on-screen preview the kiosk shows when printing fails, and
(band by band) the raster the printer receives.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont, ImageOps

from contract.waits import wait_text

from .fonts import FontPair, find_fonts
from .slip import Slip, SlipLayout, nfc

#: Module size and error correction of the QR code, shared by the image and the native
#: command so that the preview shows what the printer draws.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M

_LABELS = {
    "vi": {
        "number": "SỐ THỨ TỰ",
        "counters": "Quầy",
        "ahead": "Số người đang chờ trước bạn",
        "wait": "Thời gian chờ dự kiến",
        "minutes": "khoảng {n} phút",
        "issued": "Giờ lấy số",
        "priority": "ƯU TIÊN",
        "scan": "Quét mã QR để theo dõi lượt của bạn",
    },
    "en": {
        "number": "TICKET NUMBER",
        "counters": "Counter",
        "ahead": "People ahead of you",
        "wait": "Estimated wait",
        "minutes": "about {n} min",
        "issued": "Issued",
        "priority": "PRIORITY",
        "scan": "Scan the QR code to follow your turn",
    },
}

_TALL = "ẪỄỖẴỮẤÁÂÊ"
_DEEP = "gjpqyỵỹỴ"


@dataclass(frozen=True)
class RenderedSlip:
    """A drawn slip.

    ``image`` is mode "1" (0 = black dot), ``width`` dots wide. ``qr_box`` is the
    (top, bottom) band of rows holding the QR code, or ``None`` without one; an encoder
    that prints the QR natively sends the bands above and below it as images.
    """

    image: Image.Image
    qr_box: tuple[int, int] | None
    qr_payload: str
    qr_module_size: int

    @property
    def width(self) -> int:
        return self.image.width

    def bands(self) -> tuple[Image.Image, Image.Image | None]:
        """The image above the QR band and the image below it (``None`` if empty)."""
        if self.qr_box is None:
            return self.image, None
        top, bottom = self.qr_box
        above = self.image.crop((0, 0, self.width, top))
        below = (
            self.image.crop((0, bottom, self.width, self.image.height))
            if bottom < self.image.height
            else None
        )
        return above, below

    def save_preview(self, path: str | Path) -> Path:
        """Save the preview as PNG (creating folders) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.image.save(path, format="PNG")
        return path


@functools.lru_cache(maxsize=64)
def _extents(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """Pixels above and below the baseline that any Vietnamese line can use."""
    above = -min(font.getbbox(c, anchor="ls")[1] for c in _TALL)
    below = max(font.getbbox(c, anchor="ls")[3] for c in _DEEP)
    return int(above), int(below)  # whole pixels (Pillow types the box as floats)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` characters (printer fonts)."""
    return textwrap.wrap(text, columns, break_long_words=True) or [""]


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (words first, then letters)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= max_width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for char in word:  # a single word wider than the paper
                if line and font.getlength(line + char) > max_width:
                    lines.append(line)
                    line = ""
                line += char
        lines.append(line)
    return lines


class _Page:
    """Blocks of width ``width`` stacked top to bottom (greyscale, white background)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.margin = max(8, width // 32)
        self.blocks: list[Image.Image] = []

    @property
    def height(self) -> int:
        return sum(b.height for b in self.blocks)

    def space(self, height: int) -> None:
        if height > 0:
            self.blocks.append(Image.new("L", (self.width, height), 255))

    def text(
        self,
        text: str,
        font: ImageFont.FreeTypeFont,
        *,
        align: str = "center",
        inverted: bool = False,
        leading: int = 2,
    ) -> None:
        text = nfc(text).strip()
        if not text:
            return
        inner = self.width - 2 * self.margin - (2 * self.margin if inverted else 0)
        lines = wrap(text, font, inner)
        above, below = _extents(font)
        line_height = above + below + leading
        pad = leading * 2 if inverted else 0
        block = Image.new(
            "L", (self.width, line_height * len(lines) + 2 * pad), 0 if inverted else 255
        )
        draw = ImageDraw.Draw(block)
        for i, line in enumerate(lines):
            length = font.getlength(line)
            x: float
            if align == "left":
                x = self.margin
            elif align == "right":
                x = self.width - self.margin - length
            else:
                x = (self.width - length) / 2
            draw.text(
                (round(x), pad + i * line_height + above),
                line,
                font=font,
                fill=255 if inverted else 0,
                anchor="ls",
            )
        self.blocks.append(block)

    def rule(self, thickness: int = 2, gap: int = 8) -> None:
        self.space(gap)
        block = Image.new("L", (self.width, thickness), 255)
        ImageDraw.Draw(block).rectangle(
            (self.margin, 0, self.width - self.margin - 1, thickness - 1), fill=0
        )
        self.blocks.append(block)
        self.space(gap)

    def picture(self, picture: Image.Image) -> None:
        block = Image.new("L", (self.width, picture.height), 255)
        block.paste(picture, ((self.width - picture.width) // 2, 0))
        self.blocks.append(block)

    def image(self) -> Image.Image:
        page = Image.new("L", (self.width, self.height), 255)
        y = 0
        for block in self.blocks:
            page.paste(block, (0, y))
            y += block.height
        # Threshold, not dither: text must stay crisp (logos are dithered beforehand).
        return page.point(lambda v: 255 if v >= 128 else 0, mode="1")


def _logo(source: str | Path, width: int) -> Image.Image:
    logo: Image.Image = Image.open(source)
    logo.load()
    if logo.mode in ("RGBA", "LA", "P"):
        logo = logo.convert("RGBA")
        background = Image.new("RGBA", logo.size, (255, 255, 255, 255))
        logo = Image.alpha_composite(background, logo)
    logo = ImageOps.contain(logo.convert("L"), (width * 2 // 5, width // 4))
    return logo.convert("1").convert("L")  # Floyd–Steinberg dither, then back to grey


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules (with a 4-module quiet zone) for ``payload``."""
    code = qrcode.QRCode(version=None, error_correction=QR_ERROR_CORRECTION, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.get_matrix()


def qr_module_size(payload: str, width: int) -> int:
    """Dots per QR module so the code is about half the paper wide (1–16, as ESC/POS)."""
    modules = len(qr_matrix(payload))
    return max(1, min(16, (width // 2) // modules))


def qr_image(payload: str, module: int) -> Image.Image:
    matrix = qr_matrix(payload)
    size = len(matrix)
    small = Image.new("L", (size, size), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((size * module, size * module), Image.Resampling.NEAREST)


def _fit(fonts: FontPair, text: str, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    font = fonts.bold_at(size)
    while size > 12 and font.getlength(text) > max_width:
        size = int(size * 0.92)
        font = fonts.bold_at(size)
    return font


def wait_words(slip: Slip, layout: SlipLayout) -> str | None:
    """The estimated wait as printed: the range when the server sent one ("khoảng 10–15
    phút", "dưới 5 phút"), else the single figure; None when there is neither."""
    english = layout.language == "en"
    if slip.estimated_wait_range is not None:
        text_vi, text_en = wait_text(*slip.estimated_wait_range)
        return text_en if english else text_vi
    if slip.estimated_wait_minutes is not None:
        return _LABELS["en" if english else "vi"]["minutes"].format(n=slip.estimated_wait_minutes)
    return None


def label(layout: SlipLayout, key: str) -> str:
    """The wording of a slip label in the layout's language(s)."""
    if layout.language == "vi+en":
        return f"{_LABELS['vi'][key]} / {_LABELS['en'][key]}"
    return _LABELS[layout.language][key]


def _named(layout: SlipLayout, vi: str, en: str) -> str:
    if layout.language == "en":
        return en or vi
    if layout.language == "vi+en" and en:
        return f"{vi}\n{en}"
    return vi


def render_slip(
    slip: Slip, width: int, layout: SlipLayout | None = None, fonts: FontPair | None = None
) -> RenderedSlip:
    """Draw ``slip`` ``width`` dots wide.

    Raises :class:`~printers.errors.FontNotFound` when no Vietnamese font is available.
    """
    layout = layout or SlipLayout()
    fonts = fonts or find_fonts(layout.font_path, layout.bold_font_path)
    scale = width / 576
    text_size = layout.text_size or max(14, round(24 * scale))
    title_size = layout.title_size or max(16, round(30 * scale))
    number_size = layout.number_size or round(170 * scale)
    small = fonts.regular_at(max(12, text_size - 4))
    body = fonts.regular_at(text_size)
    strong = fonts.bold_at(text_size)
    title = fonts.bold_at(title_size)

    page = _Page(width)
    page.space(max(4, round(8 * scale)))
    logo = slip.logo or layout.logo
    if logo:
        page.picture(_logo(logo, width))
        page.space(round(8 * scale))
    for line in layout.header_lines:
        page.text(line, small)
    page.text(slip.centre_name, title)
    page.text(slip.centre_address, small)
    page.rule(thickness=max(1, round(2 * scale)), gap=round(10 * scale))

    page.text(label(layout, "number"), strong)
    number = nfc(slip.ticket_number)
    page.text(number, _fit(fonts, number, number_size, width - 2 * page.margin), leading=0)
    if slip.priority_category:
        priority = _named(layout, slip.priority_category, slip.priority_category_en)
        page.space(round(6 * scale))
        page.text(
            f"{label(layout, 'priority')}: {priority.replace(chr(10), ' / ')}",
            strong,
            inverted=True,
        )
    page.space(round(10 * scale))
    if slip.department_name:
        page.text(_named(layout, slip.department_name, slip.department_name_en), body)
    if layout.language == "vi+en" and slip.service_name_en:
        page.text(slip.service_name, title)
        page.text(slip.service_name_en, body)  # the translation, smaller
    else:
        page.text(_named(layout, slip.service_name, slip.service_name_en), title)
    page.space(round(8 * scale))
    if slip.counters:
        page.text(f"{label(layout, 'counters')}: {', '.join(slip.counters)}", strong)
    if slip.people_ahead is not None:
        page.text(f"{label(layout, 'ahead')}: {slip.people_ahead}", body)
    wait = wait_words(slip, layout)
    if wait is not None:
        page.text(f"{label(layout, 'wait')}: {wait}", body)
    issued = slip.local_issued_at()
    page.text(f"{label(layout, 'issued')}: {issued:%H:%M  %d/%m/%Y}", body)

    qr_box = None
    module = 0
    payload = nfc(slip.tracking_url)
    if layout.show_qr and payload:
        module = qr_module_size(payload, width)
        page.space(round(6 * scale))
        top = page.height
        page.picture(qr_image(payload, module))
        qr_box = (top, page.height)
        page.text(layout.qr_caption or label(layout, "scan"), small)
    footer = slip.footer or layout.footer
    if footer:
        page.rule(thickness=1, gap=round(8 * scale))
        page.text(footer, small)
    page.space(round(12 * scale))
    return RenderedSlip(
        image=page.image(), qr_box=qr_box, qr_payload=payload, qr_module_size=module
    )
