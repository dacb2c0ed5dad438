"""ESC/POS output through python-escpos's Dummy: decoded back, it is the preview."""

from __future__ import annotations

from dataclasses import replace

import pytest
from escpos.printer import Dummy

from printers import PrinterConfig, SlipLayout, print_ticket, sample_slip
from printers.encode import FRAGMENT_HEIGHT

from .conftest import WIDTH_PROFILES
from .escpos_decoder import Cut, NativeQR, RasterImage, decode
from .test_render import read_qr


def print_on_dummy(config: PrinterConfig, slip=None, layout=None):
    dummy = Dummy(profile=config.profile)
    result = print_ticket(slip or sample_slip(), config, layout, printer=dummy)
    assert result.printed, result.error
    assert result.bytes_sent == len(dummy.output)
    return result, decode(dummy.output, config.profile)


@pytest.mark.parametrize("mode", ["raster", "graphics"])
@pytest.mark.parametrize("width", sorted(WIDTH_PROFILES))
def test_qr_in_image_raster_is_the_preview_pixel_for_pixel(width, mode):
    config = PrinterConfig(profile=WIDTH_PROFILES[width], mode=mode, qr="image", cut="full")
    result, job = print_on_dummy(config)
    [printed] = job.image_runs()
    assert printed.size == (width, result.preview.image.height)
    assert printed.tobytes() == result.preview.image.tobytes()
    assert {i.command for i in job.images} == {"GS v 0" if mode == "raster" else "GS ( L"}
    assert read_qr(printed) == [sample_slip().tracking_url]
    assert job.qr_codes == []
    assert job.cuts == [Cut(partial=False)]
    assert isinstance(job.elements[-1], Cut)


@pytest.mark.parametrize("width", [512, 576])
def test_native_qr_between_two_raster_bands(width):
    profile = WIDTH_PROFILES[width]
    config = PrinterConfig(profile=profile)  # qr=auto: these profiles draw QR codes
    result, job = print_on_dummy(config)
    above, below = result.preview.bands()
    kinds = [type(e) for e in job.elements if isinstance(e, RasterImage | NativeQR | Cut)]
    assert kinds == [RasterImage, NativeQR, RasterImage, Cut]
    first, second = job.image_runs()
    assert first.tobytes() == above.tobytes() and second.tobytes() == below.tobytes()
    [qr] = job.qr_codes
    assert qr.payload == sample_slip().tracking_url
    assert qr.module_size == result.preview.qr_module_size
    assert job.cuts == [Cut(partial=True)]  # partial where the profile supports it


def test_profile_without_qr_or_cutter_gets_qr_in_image_and_a_feed():
    config = PrinterConfig(profile="ZJ-5870")
    result, job = print_on_dummy(config)
    assert job.qr_codes == [] and job.cuts == []
    assert job.text.endswith("\n" * 6)  # fed past the tear bar
    [printed] = job.image_runs()
    assert printed.tobytes() == result.preview.image.tobytes()
    assert read_qr(printed) == [sample_slip().tracking_url]
    # An administrator who knows the printer has a cutter can ask for it.
    _, job = print_on_dummy(replace(config, cut="partial"))
    assert job.cuts == [Cut(partial=True)]
    _, job = print_on_dummy(replace(config, cut="none"))
    assert job.cuts == []


@pytest.mark.parametrize("width", sorted(WIDTH_PROFILES))
def test_width_fits_each_profile(width):
    config = PrinterConfig(profile=WIDTH_PROFILES[width])
    assert config.printable_width == width
    _, job = print_on_dummy(config)
    assert all(image.image.width == width for image in job.images)


def test_tall_slip_is_sent_in_fragments_that_join_into_the_preview():
    layout = SlipLayout(header_lines=tuple(f"Dòng tiêu đề số {n}" for n in range(30)))
    config = PrinterConfig(profile="TM-T20II", qr="image")
    result, job = print_on_dummy(config, layout=layout)
    assert result.preview.image.height > FRAGMENT_HEIGHT
    assert len(job.images) >= 2
    [printed] = job.image_runs()
    assert printed.tobytes() == result.preview.image.tobytes()


def test_image_wider_than_the_profile_is_refused():
    config = PrinterConfig(profile="ZJ-5870", width=576)
    dummy = Dummy(profile="ZJ-5870")
    result = print_ticket(sample_slip(), config, printer=dummy)
    assert not result.printed and result.code == "image_too_wide"
    assert "quá khổ giấy" in result.error.message_vi
    assert "wider than the printer's paper" in result.error.message_en
    assert result.preview is not None and result.preview.width == 576
    assert dummy.output == b""  # nothing reached the printer


def test_unknown_profile_width_defaults_to_80_mm():
    config = PrinterConfig()
    assert config.printable_width == 576
    result, job = print_on_dummy(config)
    assert job.image_runs()[0].width == 576


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V"])
def test_text_mode_uses_tcvn3_and_decodes_to_the_vietnamese_text(profile):
    slip = sample_slip()
    config = PrinterConfig(profile=profile, mode="text")
    _, job = print_on_dummy(config)
    text = job.text.replace("Ð", "Đ")  # TCVN-3's capital D-stroke
    for expected in (
        "Trung tâm Phục vụ hành chính công",
        "SỐ THỨ TỰ",
        "A012",
        "ƯU TIÊN: Người cao tuổi",
        "Sở Tư pháp",
        "Quầy: 3, 5",
        "Số người đang chờ trước bạn: 12",
        "08:15 14/03/2025",
    ):
        assert expected in text
    assert "đăng ký kết hôn" in " ".join(text.split())
    codepages = {e.codepage for e in job.elements if getattr(e, "text", "").strip()}
    assert codepages <= {"TCVN-3-1", "TCVN-3-2"}
    assert [q.payload for q in job.qr_codes] == [slip.tracking_url]
    assert job.cuts == [Cut(partial=True)]


def test_text_mode_with_qr_as_image():
    config = PrinterConfig(profile="TM-T20II", mode="text", qr="image")
    result, job = print_on_dummy(config)
    assert job.qr_codes == []
    [qr_band] = job.image_runs()
    top, bottom = result.preview.qr_box
    assert qr_band.tobytes() == result.preview.image.crop((0, top, 576, bottom)).tobytes()
    assert read_qr(qr_band) == [sample_slip().tracking_url]


def test_text_mode_on_a_profile_without_tcvn3_is_a_config_error():
    result = print_ticket(
        sample_slip(), PrinterConfig(profile="ZJ-5870", mode="text"), printer=Dummy()
    )
    assert result.code == "config" and "TCVN-3" in str(result.error)


def test_no_qr_when_layout_turns_it_off():
    _, job = print_on_dummy(PrinterConfig(profile="TM-T20II"), layout=SlipLayout(show_qr=False))
    assert job.qr_codes == [] and len(job.image_runs()) == 1
    assert read_qr(job.image_runs()[0]) == []


def test_job_starts_with_initialise():
    _, job = print_on_dummy(PrinterConfig(profile="TM-T20II"))
    assert job.commands[0] == "ESC @"
