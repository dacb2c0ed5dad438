"""Vietnamese and English for the desktop apps, from gettext ``.po`` catalogues.

How an app adds its strings (the kiosk, the display and the counter client do the same):

1. Each package has its own domain, named after the package, and its catalogues next to
   its code: ``<package>/locale/vi/LC_MESSAGES/<package>.po`` and
   ``<package>/locale/en/LC_MESSAGES/<package>.po`` (``desktop`` for the strings of this
   package). One domain per app: no two apps edit the same file.
2. In the code, msgids are English, marked with ``_``::

       from desktop.i18n import Catalog
       _ = Catalog("counter_client").gettext
       label.setText(_("Call next"))

   ``_`` looks the language up at each call, so a switch of language (``set_language``)
   takes effect at the next ``retranslate``. Only literal strings go into ``_()``;
   placeholders with ``str.format`` after translation: ``_("Called {number}").format(...)``.
3. Add every msgid to both ``.po`` files (the English msgstr may stay empty: gettext then
   answers the msgid). ``tests/desktop/test_i18n.py`` fails when a msgid used in a
   package's code is missing from one of its catalogues or a Vietnamese msgstr is not NFC.

The ``.po`` files are read at run time with Babel's public API (``read_po``, then
``write_mo`` into memory, then the standard library's ``GNUTranslations``): no compiled
``.mo`` in the repository and no build step.

Languages: ``vi`` (default, the centre's language) and ``en``.
"""

from __future__ import annotations

import gettext
import io
import threading
import unicodedata
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_state = {"language": DEFAULT_LANGUAGE}
_lock = threading.Lock()


def language() -> str:
    """The apps' current language: ``vi`` or ``en``."""
    return _state["language"]


def set_language(lang: str) -> None:
    """Switch every catalogue to `lang` (``vi`` or ``en``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}")
    _state["language"] = lang


def locale_dir(package: str) -> Path:
    """Where a package's catalogues are: ``<package>/locale``."""
    root = Path(__file__).resolve().parent.parent
    return root / package / "locale"


def po_path(package: str, lang: str) -> Path:
    return locale_dir(package) / lang / "LC_MESSAGES" / f"{package}.po"


@cache
def translations(package: str, lang: str) -> gettext.NullTranslations:
    """The catalogue of `package` in `lang`, read from its ``.po`` (once per process)."""
    path = po_path(package, lang)
    if not path.exists():
        return gettext.NullTranslations()
    with _lock, path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=package)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalog:
    """The strings of one package (its gettext domain), in the current language."""

    def __init__(self, package: str) -> None:
        self.package = package

    def gettext(self, message: str) -> str:
        return unicodedata.normalize("NFC", translations(self.package, language()).gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = translations(self.package, language()).ngettext(singular, plural, n)
        return unicodedata.normalize("NFC", text)

    def in_language(self, message: str, lang: str) -> str:
        """`message` in `lang`, whatever the current language (e.g. a bilingual label)."""
        return unicodedata.normalize("NFC", translations(self.package, lang).gettext(message))


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a string for translation where it is defined; translate it where it is shown."""
    return message
