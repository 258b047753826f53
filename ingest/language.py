"""Which language a question or a document is written in: one ISO 639-1 code.

Arabic, Chinese and Russian are told apart by their script alone (no model needed, and no confusion possible among
the six UN languages). Text in Latin script goes to py3langid (BSD, its model ships in the wheel), limited to the
Latin-script languages practitioners are likely to write in, so that a short English question is not taken for
Luxembourgish. A short or ambiguous text ("LAWS?", "Hague guidelines") gets the caller's default: the Slack
user's locale, or English.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Any

UN_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "ru": "Russian",
    "ar": "Arabic",
    "zh": "Chinese",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
_LATIN_LANGUAGES = ["en", "fr", "es", "de", "it", "pt", "nl"]
# py3langid's normalised probability: below this a Latin-script text is too short or mixed to call.
MIN_CONFIDENCE = 0.9
MIN_LATIN_WORDS = 3
_lock = threading.Lock()


def _script_of(character: str) -> str:
    if "\u4e00" <= character <= "\u9fff" or "\u3400" <= character <= "\u4dbf" or "\uf900" <= character <= "\ufaff":
        return "han"
    if "\u0600" <= character <= "\u06ff" or "\u0750" <= character <= "\u077f" or "\ufb50" <= character <= "\ufefc":
        return "arabic"
    if "\u0400" <= character <= "\u04ff":
        return "cyrillic"
    if character.isalpha() and unicodedata.name(character, "").startswith("LATIN"):
        return "latin"
    return ""


_SCRIPT_LANGUAGE = {"han": "zh", "arabic": "ar", "cyrillic": "ru"}


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # Loading decompresses the model (about 0.7 s): done once, and only when Latin text needs it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(_LATIN_LANGUAGES)
    return identifier


def detect_language(text: str, default: str = "en") -> str:
    """The language ``text`` is written in, or ``default`` when it is too short or mixed to tell."""
    counts: dict[str, int] = {}
    for character in text:
        script = _script_of(character)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return default
    script = max(counts, key=lambda s: counts[s])
    if script in _SCRIPT_LANGUAGE:
        # A name or acronym in Latin letters inside a Chinese question ("联合国对LAWS的立场") does not make it English.
        return _SCRIPT_LANGUAGE[script]
    if len(text.split()) < MIN_LATIN_WORDS:
        return default
    with _lock:  # the identifier keeps state between calls
        language, confidence = _identifier().classify(text[:4000])
    return str(language) if confidence >= MIN_CONFIDENCE else default


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
