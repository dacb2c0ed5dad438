"""The words of a call from a template: fixed phrases kept whole, punctuation not said,
numbers and counters read aloud; what a complete voice pack holds."""

from __future__ import annotations

import pytest

from server.models import DEFAULT_TEMPLATE_VI
from server.services.voice import pack
from server.services.voice.numbers import Dialect, Reading
from server.services.voice.words import TemplateError, check_template, clip_key, spoken


def test_the_default_wording() -> None:
    said = spoken(DEFAULT_TEMPLATE_VI, "1005", 12)
    assert said.phrases == (
        "Mời công dân có số thứ tự", "một", "nghìn", "không", "trăm", "linh", "năm",
        "đến quầy số", "mười", "hai",
    )  # fmt: skip
    assert said.text == (
        "Mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số mười hai"
    )


def test_punctuation_is_not_said_and_names_are_cleaned() -> None:
    said = spoken(
        "Xin mời, số {number}: đến {counter}!", "A012", 3,
        reading=Reading.DIGITS, dialect=Dialect.SOUTH, counter_name=" Quầy | Một cửa ",
    )  # fmt: skip
    assert said.phrases == ("Xin mời số", "A", "không", "một", "hai", "đến", "Quầy Một cửa")
    assert clip_key("Quầy  Một cửa!") == "quầy một cửa"


def test_templates_are_checked() -> None:
    assert check_template("  Mời số {number}  ") == "Mời số {number}"
    for bad in ("", "Mời quầy {counter}", "{number} {x}", "{number:>5}", "{number", "x" * 301):
        with pytest.raises(TemplateError):
            check_template(bad)


def test_a_complete_pack_lists_numbers_letters_and_phrases() -> None:
    north = pack.phrases_needed([DEFAULT_TEMPLATE_VI], Dialect.NORTH)
    south = pack.phrases_needed([DEFAULT_TEMPLATE_VI], Dialect.SOUTH)
    assert {"mời công dân có số thứ tự", "đến quầy số", "linh", "nghìn", "bốn", "a", "đ"} <= set(
        north
    )
    assert {"lẻ", "ngàn", "tư"} <= set(south) and not {"lẻ", "ngàn"} & set(north)
    # Every word any number can be read with has a clip.
    from server.services.voice.numbers import number_words

    for dialect, keys in ((Dialect.NORTH, north), (Dialect.SOUTH, south)):
        for n in (0, 15, 21, 24, 105, 1005, 10**6 + 5, 123_456_789_012 % 10**12):
            assert set(number_words(n, dialect)) <= set(keys)
