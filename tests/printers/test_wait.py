"""The estimated wait on the slip: the range the server sent (contract/waits.py), in words."""

from __future__ import annotations

from dataclasses import replace

from printers import SlipLayout, render_slip, sample_slip
from printers.render import wait_words


def test_the_slip_prints_the_range_not_a_false_precision(output_dir) -> None:  # type: ignore[no-untyped-def]
    slip = sample_slip()
    assert slip.estimated_wait_range == (20, 35)
    assert wait_words(slip, SlipLayout()) == "khoảng 20–35 phút"
    assert wait_words(slip, SlipLayout(language="en")) == "about 20–35 minutes"
    soon = replace(slip, estimated_wait_range=(0, 5), estimated_wait_minutes=2)
    assert wait_words(soon, SlipLayout()) == "dưới 5 phút"
    # A server without ranges: the single figure, as before; nothing at all: no line.
    old = replace(slip, estimated_wait_range=None)
    assert wait_words(old, SlipLayout()) == "khoảng 25 phút"
    assert wait_words(replace(old, estimated_wait_minutes=None), SlipLayout()) is None
    with_range = render_slip(slip, 576)
    without = render_slip(replace(old, estimated_wait_minutes=None), 576)
    assert with_range.image.height > without.image.height
    with_range.save_preview(output_dir / "slip-wait-range.png")
