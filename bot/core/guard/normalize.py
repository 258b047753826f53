"""Text normalisation for the misuse guard: the same request written with accents, odd Unicode, leetspeak or
spaced-out letters reads the same to the rules and the classifier.

Two views come out: ``plain`` (Unicode-folded, lower-cased, accents off) and ``decoded`` (``plain`` with leetspeak
and spaced letters undone, so "h5n1" reads "hsni" there). Rules look at both; the classifier's features come from
``decoded``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
# Digits and symbols people swap in for letters. Tokens such as "h5n1", "cs-137" or "gpt-4" keep their digits:
# only tokens that are mostly letters with a few stand-ins are decoded.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "+": "t",
        "€": "e",
    }
)
_LEET_TOKEN = re.compile(r"[\w@$!|+€]*[a-z][\w@$!|+€]*")
# "s a r i n", "s.a.r.i.n", "s-a-r-i-n", "s_a_r_i_n": three or more single letters joined by one separator.
_SPACED = re.compile(r"(?<![\w])(?:[a-z0-9@$][ .\-_*/]){2,}[a-z0-9@$](?![\w])")
# Letters stretched for emphasis or to dodge filters ("boooomb") are squeezed to two.
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_SHORT_WORDS = frozenset("do to go so no is it in on of or at as be we me my by an how who get".split())
_LONE_ONE = re.compile(r"\b(do|can|could|should|would|will|shall|may|might|did|am|where|how) 1\b")


@dataclass(frozen=True)
class NormalizedText:
    plain: str
    decoded: str

    def views(self) -> tuple[str, ...]:
        return (self.plain,) if self.plain == self.decoded else (self.plain, self.decoded)


def fold(text: str) -> str:
    """NFKC, invisible characters removed, lower case, combining marks (accents, Arabic vowel signs) removed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def _decode_token(token: str) -> str:
    letters = sum(c.isalpha() for c in token)
    standins = sum(c in "013457@$!|+€8" for c in token)
    # "s4r1n" and "b0mb" are decoded; "h5n1" (as many digits as letters) and "covid19" (digits at the end) are not.
    # Every mixed token is decoded ("m4k3", "d0"); names such as "h5n1" survive in the ``plain`` view, which the
    # rules read too. Pure numbers and digits-after-a-word ("covid19", "gpt4") are left alone.
    if not standins or not letters:
        return token
    decoded = token.translate(_LEET)
    if decoded in _SHORT_WORDS or not re.fullmatch(r"[a-z]+\d+", token):
        return decoded
    return token


def normalize(text: str) -> NormalizedText:
    plain = fold(text)
    decoded = _SPACED.sub(lambda m: re.sub(r"[ .\-_*/]", "", m.group(0)), plain)
    decoded = _LEET_TOKEN.sub(lambda m: _decode_token(m.group(0)), decoded)
    decoded = _STRETCHED.sub(r"\1\1", decoded)
    # A lone "1" standing for "I" after an auxiliary ("how do 1 make ...").
    decoded = _LONE_ONE.sub(r"\1 i", decoded)
    return NormalizedText(plain, decoded)
