"""Finding a font that has every Vietnamese glyph.

Order: a configured path, then the fonts fontconfig (``fc-match``) proposes, then known
paths of fonts that cover Vietnamese. A candidate is used only if it really draws every
Vietnamese letter (checked against its "missing glyph" box), so a Latin-only font never
prints tofu on a citizen's slip.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .errors import FontNotFound

_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
#: Every letter of the Vietnamese alphabet with every tone, both cases, NFC (146 letters).
VIETNAMESE_LETTERS: str = "".join(
    sorted(
        {"đ", "Đ"}
        | {
            unicodedata.normalize("NFC", c + tone)
            for base in _BASES
            for c in (base, base.upper())
            for tone in _TONES
        }
    )
)

_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/freefont",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_REGULAR = (
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "LiberationSans-Regular.ttf",
    "FreeSans.ttf",
    "arial.ttf",
    "Arial.ttf",
)
_BOLD = (
    "DejaVuSans-Bold.ttf",
    "NotoSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "FreeSansBold.ttf",
    "arialbd.ttf",
    "Arial Bold.ttf",
)


@dataclass(frozen=True)
class FontPair:
    """Regular and bold faces of one family (bold may be the regular file)."""

    regular: Path
    bold: Path

    def regular_at(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(str(self.regular), size)

    def bold_at(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(str(self.bold), size)


@functools.lru_cache(maxsize=64)
def _load(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


def _draw(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((6, 4), char, font=font, fill=255)
    return image.tobytes()


@functools.lru_cache(maxsize=32)
def missing_vietnamese_glyphs(path: str | Path) -> str:
    """The Vietnamese letters that the font at ``path`` lacks ("" if it has them all)."""
    font = _load(str(path), 24)
    notdef = _draw(font, "\U0010fffd")
    blank = bytes(48 * 48)
    return "".join(char for char in VIETNAMESE_LETTERS if _draw(font, char) in (notdef, blank))


def _fc_match(pattern: str) -> Path | None:
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return None
    try:
        out = subprocess.run(
            [fc_match, "--format=%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _candidates(names: tuple[str, ...], fc_pattern: str) -> list[Path]:
    found: list[Path] = []
    fc = _fc_match(fc_pattern)
    if fc is not None:
        found.append(fc)
    found.extend(Path(d) / name for d in _DIRS for name in names)
    return found


def _usable(path: Path) -> bool:
    try:
        return path.is_file() and not missing_vietnamese_glyphs(path)
    except OSError:  # not a font Pillow can read
        return False


def find_fonts(path: str | Path | None = None, bold_path: str | Path | None = None) -> FontPair:
    """The fonts to draw slips with.

    A configured ``path`` must exist and cover Vietnamese, or :class:`FontNotFound` says
    why; without one the system is searched. ``bold_path`` defaults to a bold face of
    the same search, or the regular face.
    """
    if path is not None:
        regular = Path(path)
        if not regular.is_file():
            raise FontNotFound(
                f"Không tìm thấy tệp phông chữ đã cấu hình: {regular}",
                f"The configured font file does not exist: {regular}",
            )
        try:
            missing = missing_vietnamese_glyphs(regular)
        except OSError as exc:
            raise FontNotFound(
                f"Tệp phông chữ không đọc được: {regular}",
                f"The font file cannot be read: {regular}",
                detail=str(exc),
            ) from exc
        if missing:
            raise FontNotFound(
                f"Phông chữ {regular.name} thiếu chữ tiếng Việt: {missing[:20]}",
                f"Font {regular.name} lacks Vietnamese letters: {missing[:20]}",
            )
    else:
        found = next((p for p in _candidates(_REGULAR, "DejaVu Sans:lang=vi") if _usable(p)), None)
        if found is None:
            raise FontNotFound(
                "Không tìm thấy phông chữ có đủ chữ tiếng Việt. Hãy cài gói fonts-dejavu-core "
                "(make run cài sẵn) hoặc cấu hình đường dẫn phông chữ.",
                "No font with every Vietnamese letter was found. Install fonts-dejavu-core "
                "(make run does) or configure a font path.",
            )
        regular = found
    if bold_path is not None:
        bold = find_fonts(bold_path).regular
    elif path is not None:
        bold = regular
    else:
        bold = next(
            (
                p
                for p in _candidates(_BOLD, "DejaVu Sans:bold:lang=vi")
                if "bold" in p.name.lower() and _usable(p)
            ),
            regular,
        )
    return FontPair(regular=regular, bold=bold)
