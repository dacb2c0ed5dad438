"""Fonts: found on the system, configured, or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from printers import FontNotFound, sample_slip
from printers import fonts as fonts_module
from printers.config import PrinterConfig
from printers.fonts import VIETNAMESE_LETTERS, find_fonts, missing_vietnamese_glyphs
from printers.printing import print_ticket
from printers.slip import SlipLayout


def test_alphabet_is_complete():
    assert len(VIETNAMESE_LETTERS) == 146
    assert "ệ" in VIETNAMESE_LETTERS and "Ỹ" in VIETNAMESE_LETTERS and "Đ" in VIETNAMESE_LETTERS


def test_system_font_has_every_vietnamese_glyph():
    fonts = find_fonts()
    assert fonts.regular.is_file() and fonts.bold.is_file()
    assert missing_vietnamese_glyphs(fonts.regular) == ""
    assert missing_vietnamese_glyphs(fonts.bold) == ""


def test_configured_path_that_does_not_exist():
    with pytest.raises(FontNotFound) as info:
        find_fonts("/nonexistent/font.ttf")
    assert "Không tìm thấy tệp phông chữ" in info.value.message_vi
    assert "does not exist" in info.value.message_en


def test_configured_file_that_is_not_a_font(tmp_path):
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font")
    with pytest.raises(FontNotFound, match="cannot be read"):
        find_fonts(bogus)


def _latin_only_font() -> Path | None:
    for candidate in Path("/usr/share/fonts").rglob("*.ttf"):
        try:
            if missing_vietnamese_glyphs(candidate):
                return candidate
        except OSError:
            continue
    return None


def test_configured_font_without_vietnamese_is_refused():
    font = _latin_only_font()
    if font is None:
        pytest.skip("every installed font covers Vietnamese")
    with pytest.raises(FontNotFound) as info:
        find_fonts(font)
    assert "thiếu chữ tiếng Việt" in info.value.message_vi


def test_no_font_on_the_system_is_a_clear_result(monkeypatch):
    monkeypatch.setattr(fonts_module, "_candidates", lambda names, pattern: [])
    with pytest.raises(FontNotFound) as info:
        find_fonts()
    assert "fonts-dejavu-core" in str(info.value)
    result = print_ticket(sample_slip(), PrinterConfig(), SlipLayout())
    assert not result.printed and result.code == "font_not_found" and result.preview is None
