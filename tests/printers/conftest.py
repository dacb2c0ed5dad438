"""Fixtures for printers/ tests: where previews go, a fake network printer."""

from __future__ import annotations

from pathlib import Path

import pytest

from .fake_printer import FakePrinter

OUTPUT = Path(__file__).resolve().parents[1] / "output" / "printers"

#: The three paper widths of the product: 58 mm, 80 mm at 180 dpi, 80 mm at 203 dpi.
WIDTH_PROFILES = {384: "ZJ-5870", 512: "TM-T88V", 576: "TM-T20II"}


@pytest.fixture
def output_dir() -> Path:
    """tests/output/printers/ (git-ignored): previews a person can look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture
def fake_printer():
    with FakePrinter() as printer:
        yield printer
