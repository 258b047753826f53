"""Reading the ``.po`` catalogues into gettext translations, once per language (see the package docstring)."""

from __future__ import annotations

import gettext
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
CATALOGUE_LANGUAGES = ("fr", "es", "ru", "ar", "zh")
RTL_LANGUAGES = frozenset({"ar"})
LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"
# Unicode's first-strong isolate and its closing mark: an embedded run (a document title, "[1], [2]") keeps its own
# direction inside Arabic text instead of having its punctuation reordered by the bidi algorithm.
_FSI, _PDI = "\u2068", "\u2069"

_lock = threading.Lock()
_loaded: dict[str, gettext.NullTranslations] = {}


@dataclass(frozen=True)
class Translator:
    """A language's interface strings: gettext's ``gettext`` and ``ngettext``, and ``isolate`` for values placed
    inside a translated sentence."""

    language: str
    catalogue: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    @property
    def rtl(self) -> bool:
        return self.language in RTL_LANGUAGES

    def isolate(self, value: str) -> str:
        """``value`` (usually Latin text: a title, citation numbers) wrapped in a bidi isolate in a right-to-left
        language, unchanged otherwise. Only for plain text: never around mrkdwn markers (``*``, ``_``, ``<...>``),
        which Slack recognises only at word boundaries."""
        return f"{_FSI}{value}{_PDI}" if self.rtl and value else value


def translations(language: str | None) -> Translator:
    """The interface strings in ``language`` (an ISO 639-1 code); English for ``None``, English and unknown codes."""
    code = (language or SOURCE_LANGUAGE).lower()
    if code not in CATALOGUE_LANGUAGES:
        return Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
    with _lock:
        catalogue = _loaded.get(code)
        if catalogue is None:
            catalogue = _loaded[code] = _load(code)
    return Translator(code, catalogue)


def language_of_locale(locale: str | None) -> str | None:
    """A Slack locale ("fr-FR", "es-LA", "zh-TW") as one of our languages ("fr", "es", "zh"); None for a locale we
    have no catalogue for (Portuguese, Japanese, ...), so that the question's language decides instead."""
    code = (locale or "").replace("_", "-").split("-")[0].lower()
    return code if code == SOURCE_LANGUAGE or code in CATALOGUE_LANGUAGES else None


def _load(code: str) -> gettext.NullTranslations:
    """Compile the ``.po`` file in memory (Python's gettext reads only ``.mo``); fuzzy and empty entries are left
    out by ``write_mo``, so they fall back to English. A catalogue that cannot be read is logged, not raised: the
    interface falls back to English rather than failing an answer."""
    path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with path.open("rb") as po:
            catalog = read_po(po, locale=code, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("could not read the %s interface catalogue %s; using English", code, path)
        return gettext.NullTranslations()
