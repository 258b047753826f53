"""How strong an admin token is: refuses the guessable ones (repeats, runs, keyboard rows, common words).

Only the length used to be checked, so ``aaaaaaaaaaaaaaaa`` and ``password12345678`` were accepted. A token is
judged by what is left once the guessable parts are taken out: runs of one character, ascending or descending
runs (``1234``, ``abcd``), keyboard rows, common words and any stretch that repeats an earlier one. What is left
must still be at least ``MIN_RANDOM_CHARS`` long with ``MIN_DISTINCT`` different characters. Tokens from
``secrets.token_urlsafe(24)`` always pass (a test draws hundreds).
"""

from __future__ import annotations

import re

MIN_TOKEN_CHARS = 16
MIN_RANDOM_CHARS = 12
MIN_DISTINCT = 8
COMMON_WORDS = (
    "administrator",
    "password",
    "passw0rd",
    "changeme",
    "iloveyou",
    "welcome",
    "letmein",
    "default",
    "example",
    "dualuse",
    "secret",
    "monkey",
    "dragon",
    "qwerty",
    "azerty",
    "admin",
    "token",
    "asdf",
    "zxcv",
    "uiop",
    "hjkl",
    "test",
)
_COMMON = re.compile("|".join(COMMON_WORDS), re.IGNORECASE)
_REPEATED_CHAR = re.compile(r"(.)\1{2,}")


def _without_runs(text: str, length: int = 4) -> str:
    """Drop ascending or descending runs of ``length`` or more consecutive characters (1234, dcba)."""
    kept: list[str] = []
    i = 0
    while i < len(text):
        j = i + 1
        step = ord(text[j]) - ord(text[i]) if j < len(text) else 0
        if step in (1, -1):
            while j + 1 < len(text) and ord(text[j + 1]) - ord(text[j]) == step:
                j += 1
            if j - i + 1 >= length:
                i = j + 1
                continue
        kept.append(text[i])
        i += 1
    return "".join(kept)


def _without_repeats(text: str, length: int = 4) -> str:
    """Drop every stretch of ``length`` characters that already occurred earlier in the text."""
    kept: list[str] = []
    i = 0
    while i < len(text):
        piece = text[i : i + length]
        if len(piece) == length and piece in text[:i]:
            i += length
            continue
        kept.append(text[i])
        i += 1
    return "".join(kept)


def token_weakness(token: str) -> str:
    """Why ``token`` is too weak to guard the admin page, or '' when it is strong enough."""
    if len(token) < MIN_TOKEN_CHARS:
        return f"is too short; use at least {MIN_TOKEN_CHARS} random characters"
    rest = _COMMON.sub("", token)
    rest = _REPEATED_CHAR.sub("", rest)
    rest = _without_runs(rest.lower())
    rest = _without_repeats(rest)
    if len(rest) < MIN_RANDOM_CHARS or len(set(rest)) < MIN_DISTINCT:
        return "is too weak (repeats, runs, keyboard rows or common words); use random characters"
    return ""
