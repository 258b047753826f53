"""Word-level text helpers shared by lexical retrieval, sentence scoring and the safety check."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

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
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def content_terms(text: str) -> list[str]:
    """Lower-cased, stemmed words without stop words: the unit of lexical matching."""
    return [stem(w.replace("'s", "")) for w in words(text) if w not in STOP_WORDS and len(w) > 1 or w.isdigit()]
