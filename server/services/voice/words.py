"""The words of a call: the site's template filled with the ticket number and the counter
read aloud (:mod:`server.services.voice.numbers`), as phrases a voice pack has clips for.

A template is text with two fields, ``{number}`` and ``{counter}``. Its fixed text is kept
as whole phrases ("Mời công dân có số thứ tự", "đến quầy số"), so that a recorded voice
can say each in one breath; the numbers are single words. Pure functions.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass

from server.services.voice.numbers import Dialect, Reading, number_words, ticket_number_words

FIELDS = ("number", "counter")
MAX_TEMPLATE = 300
_FORMATTER = string.Formatter()
# What is not said: punctuation between phrases (the pause is the gap between clips).
_PUNCTUATION = re.compile(r"[^\w\s'-]+")
_SPACES = re.compile(r"\s+")


class TemplateError(ValueError):
    """A template that cannot be used, with the reason in Vietnamese and English."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass(frozen=True)
class Spoken:
    """What is said for a call: phrases in order, each one clip of a voice pack."""

    phrases: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.phrases)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clip_key(phrase: str) -> str:
    """The name a phrase's clip is found under: NFC, lower case, no punctuation, single
    spaces ("Mời công dân có số thứ tự" -> "mời công dân có số thứ tự")."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", nfc(phrase).casefold())).strip()


def check_template(template: str) -> str:
    """The template in NFC, or TemplateError: only {number} and {counter}, {number} present."""
    template = nfc(template).strip()
    if not template or len(template) > MAX_TEMPLATE:
        raise TemplateError(
            f"Câu thông báo phải có từ 1 đến {MAX_TEMPLATE} ký tự.",
            f"The announcement must have 1 to {MAX_TEMPLATE} characters.",
        )
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError as error:
        raise TemplateError(
            "Câu thông báo có dấu ngoặc nhọn { } không khớp.",
            f"The announcement has unmatched braces {{ }}: {error}.",
        ) from error
    names = [field for _, field, _, _ in parts if field is not None]
    unknown = [n for n in names if n not in FIELDS]
    if unknown or any(spec or conversion for _, field, spec, conversion in parts if field):
        raise TemplateError(
            "Câu thông báo chỉ dùng được {number} (số thứ tự) và {counter} (quầy).",
            "The announcement may use {number} (the ticket) and {counter} (the counter) only.",
        )
    if "number" not in names:
        raise TemplateError(
            "Câu thông báo phải có {number} (số thứ tự).",
            "The announcement must contain {number} (the ticket number).",
        )
    return template


def render_text(template: str, number: str, counter: str) -> str:
    """The written form: "Mời công dân có số thứ tự A012 đến quầy số 12"."""
    return template.format(number=number, counter=counter)


def spoken(
    template: str,
    ticket_number: str,
    counter_number: int,
    *,
    dialect: Dialect = Dialect.NORTH,
    reading: Reading = Reading.NUMBER,
    counter_name: str | None = None,
) -> Spoken:
    """The spoken form of a call: the template's fixed text as phrases, the ticket number
    read per its series (`reading`), the counter's spoken name or its number read aloud."""
    number = ticket_number_words(ticket_number, reading, dialect)
    name = _said(counter_name) if counter_name else ""
    counter: tuple[str, ...] = (name,) if name else number_words(counter_number, dialect)
    phrases: list[str] = []
    for said, field in _parts(template):
        if said:
            phrases.append(said)
        if field == "number":
            phrases += number
        elif field == "counter":
            phrases += counter
    return Spoken(tuple(phrases))


@functools.lru_cache(maxsize=256)
def _parts(template: str) -> tuple[tuple[str, str | None], ...]:
    """A template's fixed phrases (as said: NFC, no punctuation) and fields, in order; a
    few templates serve every call, so each is parsed once."""
    return tuple((_said(literal), field) for literal, field, _, _ in _FORMATTER.parse(template))


def _said(text: str) -> str:
    """Text as it is said: NFC, punctuation as spaces, single spaces."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", nfc(text))).strip()
