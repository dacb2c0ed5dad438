"""Numbers read aloud by Vietnamese rules, as the words a hall announcement says.

Northern (the default) and Southern readings differ in three words: the thousand
("nghìn" / "ngàn"), the filler before a lone unit after hundreds ("linh" / "lẻ": 105 is
"một trăm linh năm" / "một trăm lẻ năm"), and a 4 after "mươi" ("hai mươi bốn" / "hai
mươi tư"). Both say "mười" for 10-19 and "mươi" from 20, "mốt" for a 1 after "mươi" but
"mười một" for 11, "lăm" for a 5 after "mười" or "mươi" but "linh năm" for 105, and
"không trăm" for an empty hundreds digit after a thousand (1005: "một nghìn không trăm
linh năm"; 1010: "một nghìn không trăm mười").

Ticket numbers with letters (``A012``) are read per number series, as a number ("A mười
hai") or digit by digit ("A không một hai"). Pure functions: no I/O, no state.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Dialect(StrEnum):
    NORTH = "north"
    SOUTH = "south"


class Reading(StrEnum):
    """How a ticket's digits are read: as one number, or digit by digit."""

    NUMBER = "number"
    DIGITS = "digits"


DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
HUNDRED = "trăm"
TEN = "mười"  # 10-19
TENS = "mươi"  # 20 and above
ONE_AFTER_TENS = "mốt"  # 21, 31 ... (not 11)
FIVE_AFTER_TEN = "lăm"  # 15, 25 ... (not 105)
FOUR_AFTER_TENS = {Dialect.NORTH: "bốn", Dialect.SOUTH: "tư"}
FILLER = {Dialect.NORTH: "linh", Dialect.SOUTH: "lẻ"}  # 105: một trăm linh năm
THOUSAND = {Dialect.NORTH: "nghìn", Dialect.SOUTH: "ngàn"}
MILLION = "triệu"
BILLION = "tỷ"

# What a letter of a ticket number is called when it is read out (A012: "a mười hai").
LETTER_NAMES = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}

LIMIT = 10**12  # up to "chín trăm chín mươi chín tỷ ..."; ticket numbers stay far below


def number_words(n: int, dialect: Dialect = Dialect.NORTH) -> tuple[str, ...]:
    """The words of `n` (0 <= n < 10**12): 1005 -> ("một", "nghìn", "không", "trăm", "linh", "năm")."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"{n} is outside 0..{LIMIT - 1}")
    if n == 0:
        return (DIGITS[0],)
    scales = (BILLION, MILLION, THOUSAND[dialect], "")
    groups = [(n // 10**9) % 1000, (n // 10**6) % 1000, (n // 1000) % 1000, n % 1000]
    words: list[str] = []
    for group, scale in zip(groups, scales, strict=True):
        if group == 0:
            continue  # an empty thousand or million is not said
        # After a higher group every group says its hundreds, "không trăm" included.
        words += _group_words(group, dialect, full=bool(words))
        if scale:
            words.append(scale)
    return tuple(words)


def _group_words(group: int, dialect: Dialect, *, full: bool) -> list[str]:
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], HUNDRED]
    if tens == 0:
        if units:
            if words:
                words.append(FILLER[dialect])
            words.append(DIGITS[units])
    elif tens == 1:
        words.append(TEN)
        if units:
            words.append(FIVE_AFTER_TEN if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], TENS]
        if units == 1:
            words.append(ONE_AFTER_TENS)
        elif units == 4:
            words.append(FOUR_AFTER_TENS[dialect])
        elif units == 5:
            words.append(FIVE_AFTER_TEN)
        elif units:
            words.append(DIGITS[units])
    return words


def digit_words(digits: str) -> tuple[str, ...]:
    """Digit by digit: "012" -> ("không", "một", "hai")."""
    return tuple(DIGITS[int(d)] for d in digits)


_PARTS = re.compile(r"[0-9]+|[^\W\d_]")


def ticket_number_words(
    number: str, reading: Reading = Reading.NUMBER, dialect: Dialect = Dialect.NORTH
) -> tuple[str, ...]:
    """A ticket number as said in the hall: letters by themselves (upper case), each run
    of digits as a number or digit by digit; anything else (a dash, a space) is not said.

    "A012" -> ("A", "mười", "hai") or ("A", "không", "một", "hai").
    """
    words: list[str] = []
    for part in _PARTS.findall(number):
        if part.isdigit():
            value = int(part)
            if reading == Reading.DIGITS or value >= LIMIT:
                words += digit_words(part)
            else:
                words += number_words(value, dialect)
        else:
            words.append(part.upper())
    return tuple(words)


def letter_name(word: str) -> str | None:
    """The spoken name of a ticket letter ("A" -> "a", "B" -> "bê"), None for other words."""
    return LETTER_NAMES.get(word) if len(word) == 1 else None
