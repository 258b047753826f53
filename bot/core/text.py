"""Word-level text helpers shared by lexical retrieval, sentence scoring and the safety check.

English text gives exactly the terms it always gave, so the retrieval figures of the English corpus do not move:
an accented name in it ("Malmö") is split as before. Words in other scripts get their own terms (``scripts``):
Chinese bigrams, normalised Arabic, Cyrillic. Accented Latin words are folded ("sécurité" -> "securite") only in
text that is not English: the caller's ``language``, or, when it does not say and the text has accents or French
elisions, the language :func:`ingest.language.detect_language` finds (English when it cannot tell).
"""

from __future__ import annotations

import re

from ingest.language import detect_language

from .scripts import (
    ACCENTED_STOP_WORDS,
    ARABIC,
    CYRILLIC,
    DIGITS,
    HAN,
    STOP_WORDS_BY_LANGUAGE,
    arabic_terms,
    cyrillic_terms,
    fold_latin,
    han_terms,
    strip_elision,
)

# Latin letters after lower-casing: ASCII, then the accented ones of Latin-1 and Latin Extended (not ÷).
_LATIN = "a-z0-9\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f"
# On ASCII text the first alternative is the English tokeniser's word pattern, and the others never match.
_WORD = re.compile(
    rf"(?P<latin>[{_LATIN}]+(?:[-'][{_LATIN}]+)*)"
    rf"|(?P<han>[{HAN}]+)"
    rf"|(?P<arabic>[{ARABIC}]+)"
    rf"|(?P<cyrillic>[{CYRILLIC}]+(?:-[{CYRILLIC}]+)*)"
)
_ENGLISH_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")  # the English tokeniser, unchanged since 0.1.0
# What makes a text's language matter for its Latin words: an accented letter or a French elision ("l'arme").
_NOT_PLAIN_ENGLISH = re.compile(
    rf"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]|\b(?:[ldjmnstc]|qu)['\u2019][{_LATIN}]", re.I
)

# Function words that match everywhere and would drag lexical scores towards any passage.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each either else even ever every few for
    from further get gets got had has have having he her here hers herself him himself his how i if in into is it
    its itself just let like may me might mine more most much must my myself no nor not now of off on once one
    only or other others ought our ours ourselves out over own per please same say says shall she should so some
    such tell than that the their theirs them themselves then there these they this those through thus to too
    under until up upon us very via want was we were what whatever when where whether which while who whom whose
    why will with within without would yes yet you your yours yourself yourselves
    anything something thing things know think really actually okay ok hey hi hello thanks thank""".split()
)


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and a few verb endings, enough to match 'guidelines' to 'guideline'."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)] + replacement
    return word


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``, in any script (a run of Chinese characters is one word)."""
    return [m.group(0) for m in _WORD.finditer(_prepare(text))]


def content_terms(text: str, language: str | None = None) -> list[str]:
    """Lower-cased, stemmed words without stop words: the unit of lexical matching.

    ``language`` (an ISO 639-1 code, when the caller knows it) adds that language's stop words for its unaccented
    words ("les", "para"); without it every word is still tokenised by its script.
    """
    if language is None and _NOT_PLAIN_ENGLISH.search(text):
        language = detect_language(text)
    english = language in (None, "en")
    extra_stop = STOP_WORDS_BY_LANGUAGE.get(language or "", frozenset())
    terms: list[str] = []
    for match in _WORD.finditer(_prepare(text)):
        word = match.group(0)
        if match.lastgroup == "latin":
            terms.extend(_english_terms(word) if english else _latin_terms(word, extra_stop))
        elif match.lastgroup == "han":
            terms.extend(han_terms(word))
        elif match.lastgroup == "arabic":
            terms.extend(arabic_terms(word))
        else:
            terms.extend(cyrillic_terms(word))
    return terms


def _prepare(text: str) -> str:
    return text.lower().replace("\u2019", "'").translate(DIGITS)


def _english_terms(word: str) -> list[str]:
    # Exactly the 0.1.0 pipeline: ASCII words (an accent splits a word), stop words, the light stemmer.
    return [
        stem(w.replace("'s", ""))
        for w in _ENGLISH_WORD.findall(word)
        if w not in STOP_WORDS and len(w) > 1 or w.isdigit()
    ]


def _latin_terms(word: str, extra_stop: frozenset[str]) -> list[str]:
    """A Latin word of a text in another language: folded, without elision, then the English stemmer."""
    if not word.isascii():
        word = fold_latin(word)
        if word in ACCENTED_STOP_WORDS:
            return []
    word = strip_elision(word)
    if word in extra_stop:
        return []
    return [stem(word.replace("'s", ""))] if word not in STOP_WORDS and len(word) > 1 or word.isdigit() else []
