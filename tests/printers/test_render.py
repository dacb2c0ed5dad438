"""Rendering: width, Vietnamese text, wrapping, the QR code in the image, previews."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC

import pytest
import zxingcpp
from PIL import Image

from printers import Slip, SlipLayout, render_slip, sample_slip
from printers.fonts import find_fonts
from printers.render import wrap

from .conftest import WIDTH_PROFILES


def read_qr(image: Image.Image) -> list[str]:
    return [
        r.text
        for r in zxingcpp.read_barcodes(image.convert("L"))
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def black_columns(image: Image.Image) -> tuple[int, int]:
    """First and last column holding a black dot."""
    inverted = image.convert("L").point(lambda v: 255 - v)
    left, _, right, _ = inverted.getbbox()
    return left, right


@pytest.mark.parametrize("width", sorted(WIDTH_PROFILES))
def test_slip_is_exactly_as_wide_as_the_paper(width, output_dir):
    rendered = render_slip(sample_slip(), width)
    assert rendered.image.mode == "1"
    assert rendered.width == width
    left, right = black_columns(rendered.image)
    assert left >= 0 and right <= width
    rendered.save_preview(output_dir / f"slip-{width}.png")
    assert Image.open(output_dir / f"slip-{width}.png").size == rendered.image.size


@pytest.mark.parametrize("width", sorted(WIDTH_PROFILES))
def test_qr_in_the_image_is_the_tracking_url(width):
    slip = sample_slip()
    rendered = render_slip(slip, width)
    top, bottom = rendered.qr_box
    assert read_qr(rendered.image.crop((0, top, width, bottom))) == [slip.tracking_url]
    assert read_qr(rendered.image) == [slip.tracking_url]


def test_long_vietnamese_service_name_is_wrapped_inside_the_margins(output_dir):
    long_name = (
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh, cấp lại Giấy chứng nhận "
        "đăng ký hộ kinh doanh, tạm ngừng kinh doanh, chấm dứt hoạt động hộ kinh doanh"
    )
    plain = replace(sample_slip(), priority_category="")  # its band is paper-wide
    short = render_slip(replace(plain, service_name="Hộ tịch"), 384)
    long = render_slip(replace(plain, service_name=long_name), 384)
    assert long.image.height > short.image.height + 80
    margin = 384 // 32
    left, right = black_columns(long.image)
    assert left >= margin and right <= 384 - margin
    long.save_preview(output_dir / "slip-long-service-name.png")
    font = find_fonts().bold_at(30)
    lines = wrap(long_name, font, 300)
    assert len(lines) > 3 and all(font.getlength(line) <= 300 for line in lines)
    assert " ".join(lines) == long_name
    assert wrap("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", font, 100)[0] != ""


def test_priority_ticket_shows_its_category(output_dir):
    plain = render_slip(replace(sample_slip(), priority_category=""), 576)
    priority = render_slip(sample_slip(), 576)
    assert priority.image.height > plain.image.height
    priority.save_preview(output_dir / "slip-priority.png")
    plain.save_preview(output_dir / "slip-no-priority.png")


def test_text_is_nfc_normalised():
    slip = sample_slip()
    decomposed = replace(
        slip,
        centre_name=unicodedata.normalize("NFD", slip.centre_name),
        service_name=unicodedata.normalize("NFD", slip.service_name),
        priority_category=unicodedata.normalize("NFD", slip.priority_category),
    )
    assert decomposed.service_name != slip.service_name
    assert render_slip(decomposed, 512).image.tobytes() == render_slip(slip, 512).image.tobytes()


def test_layout_options(output_dir, tmp_path):
    logo = Image.new("RGBA", (300, 300), (255, 255, 255, 0))
    for x in range(60, 240):
        for y in range(60, 240):
            logo.putpixel((x, y), (200, 0, 0, 255))
    logo.save(tmp_path / "logo.png")
    layout = SlipLayout(
        header_lines=("ỦY BAN NHÂN DÂN TỈNH BẮC NINH",),
        logo=tmp_path / "logo.png",
        show_qr=False,
        language="vi+en",
        footer="Giờ làm việc: 7:30–17:00, thứ Hai đến thứ Sáu",
        number_size=120,
    )
    rendered = render_slip(sample_slip(), 576, layout)
    assert rendered.qr_box is None and rendered.width == 576
    assert read_qr(rendered.image) == []
    rendered.save_preview(output_dir / "slip-layout-bilingual-logo.png")
    english = render_slip(sample_slip(), 576, SlipLayout(language="en"))
    english.save_preview(output_dir / "slip-english.png")
    with pytest.raises(ValueError):
        SlipLayout(language="fr")


def test_minimal_slip_renders():
    from datetime import datetime

    slip = Slip(
        centre_name="UBND xã Tân Lập",
        ticket_number="1005",
        service_name="Chứng thực",
        issued_at=datetime(2025, 1, 2, 1, 0, tzinfo=UTC),
    )
    assert slip.local_issued_at().hour == 8  # shown in Vietnam time
    rendered = render_slip(slip, 384)
    assert rendered.qr_box is None and rendered.width == 384


def test_configured_font_is_used(tmp_path):
    fonts = find_fonts()
    rendered = render_slip(sample_slip(), 384, SlipLayout(font_path=fonts.regular))
    assert rendered.width == 384
