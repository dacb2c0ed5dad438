"""The desktop apps' catalogues: every msgid used in code is in both languages, and the
Vietnamese is NFC and translated.

Each package with a ``locale`` folder is checked: its code's ``_()`` / ``N_()`` /
``ngettext()`` strings (Babel's Python extractor) against its own ``vi`` and ``en`` ``.po``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from desktop import i18n

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    name
    for name in ("desktop", "counter_client", "kiosk", "display")
    if (ROOT / name / "locale").is_dir()
]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "in_language": None}


def used_msgids(package: str) -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / package,
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
    ):
        if isinstance(message, tuple):
            found.update(m for m in message if m)
        elif message:
            found.add(message)
    return found


def catalogue(package: str, lang: str) -> dict[str, object]:
    with i18n.po_path(package, lang).open("rb") as po:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(po) if m.id}


def test_the_desktop_package_has_catalogues() -> None:
    assert "desktop" in PACKAGES


@pytest.mark.parametrize("package", PACKAGES)
def test_every_msgid_is_in_both_catalogues(package: str) -> None:
    used = used_msgids(package)
    assert used, f"{package} has a locale folder but marks no string"
    for lang in i18n.LANGUAGES:
        missing = used - set(catalogue(package, lang))
        assert not missing, f"{package}: missing from {lang}: {sorted(missing)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_vietnamese_is_translated_and_nfc(package: str) -> None:
    for msgid, text in catalogue(package, "vi").items():
        strings = list(text) if isinstance(text, tuple) else [text]
        assert all(strings), f"{package}: {msgid!r} has no Vietnamese"
        for string in strings:
            assert isinstance(string, str)
            assert unicodedata.is_normalized("NFC", string), f"{package}: {msgid!r} not NFC"


def test_the_language_switch_changes_the_words() -> None:
    catalog = i18n.Catalog("desktop")
    i18n.set_language("vi")
    assert catalog.gettext("Connection lost") == "Mất kết nối"
    i18n.set_language("en")
    assert catalog.gettext("Connection lost") == "Connection lost"
    assert catalog.in_language("Connection lost", "vi") == "Mất kết nối"
    with pytest.raises(ValueError):
        i18n.set_language("fr")
    i18n.set_language("vi")
