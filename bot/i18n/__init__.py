"""The interface strings in the six UN languages: English is the source, French, Spanish, Russian, Arabic and
Chinese come from gettext catalogues (``locales/<lang>/LC_MESSAGES/messages.po``) shipped with the package.

Guarantees: :func:`translations` never fails for a language it does not know, nor for a string a catalogue lacks
(both fall back to the English source string); catalogues are read from the ``.po`` files once per language and
process, so no compiled ``.mo`` file is kept in the repository. This package imports nothing from ``bot`` or
``ingest``: the answering core and every surface use it alike. How a translator updates the catalogues:
``docs/i18n.md``.
"""

from ._catalogue import (
    CATALOGUE_LANGUAGES,
    LOCALES_DIR,
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    Translator,
    language_of_locale,
    translations,
)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark for translation, translate later"
    """Mark ``message`` for extraction without translating it (a module-level constant rendered later)."""
    return message


__all__ = [
    "CATALOGUE_LANGUAGES",
    "LOCALES_DIR",
    "RTL_LANGUAGES",
    "SOURCE_LANGUAGE",
    "N_",
    "Translator",
    "language_of_locale",
    "translations",
]
