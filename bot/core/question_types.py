"""What a question asks for: the kinds of answer it wants and, for a question of several parts, each part.

Pure functions on the question's text, no model: the composer uses them to prefer sentences that carry the asked-for
kind of content (a date for "when", a name for "who", a number for "how many"), to keep lists whole, and to answer
each part of a two-part question. Every kind comes with a pattern for the content that answers it, so "asks for a
date" and "this sentence states a date" are decided by the same module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Kind = str  # one of KINDS
KINDS = ("list", "who", "when", "where", "how_many", "yes_no", "comparison", "definition", "implications")

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_PATTERNS: dict[Kind, re.Pattern[str]] = {
    "list": re.compile(
        r"\b(?:list|all (?:the |of the |its |their )?\w+|what (?:are|were) (?:the|its|their)\b|"
        r"which (?:\w+ ){1,2}(?:are|were|have|did)\b|"
        r"(?:ten|eleven|seven|five|four|three|six|eight|nine|twelve|\d+) (?:\w+ )?(?:principles|sections|"
        r"recommendations|priorities|values|commitments|steps|areas|actions|pillars)|roughly|main (?:points|pillars|"
        r"ideas)|key points|summar\w+|overview|outline)",
        re.I,
    ),
    "who": re.compile(
        r"\b(?:who(?:'s|se|m)?|which (?:\w+ )?(?:organi[sz]ations?|bodies|body|countries|states|"
        r"people|person|agenc(?:y|ies)|institutions?)|by whom|funds?|funded|pays?|runs?|wrote|"
        r"authors?|behind it|endorsed|sponsor\w*|chair\w*|led by|co-?led)\b",
        re.I,
    ),
    "when": re.compile(
        r"\b(?:when|what (?:year|date|month|day)|which (?:year|date)|deadline|since when|how long ago|"
        r"date[ds]?|timeline|by what year)\b",
        re.I,
    ),
    "where": re.compile(r"\b(?:where|which (?:city|country|venue))\b", re.I),
    "how_many": re.compile(
        r"\b(?:how (?:many|much|big|large)|number of|what (?:share|percentage|proportion)|"
        r"count)\b",
        re.I,
    ),
    "yes_no": re.compile(
        r"^(?:\W*\w+[,:]\s+)?(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|"
        r"should|must)\b",
        re.I,
    ),
    "comparison": re.compile(
        r"\b(?:differ\w*|compare\w*|comparison|versus|vs\.?|between .+ and|same as|"
        r"unlike|rather than)\b",
        re.I,
    ),
    "definition": re.compile(
        r"^(?:\W*\w+[,:]\s+)?(?:what(?:'s| is| are| does)\s+(?:an? |the )?[\w' -]+?"
        r"(?:\s+(?:mean|stand for|refer to))?\??$|define\b|meaning of\b)",
        re.I,
    ),
    "implications": re.compile(
        r"\b(?:why (?:does|do|should) (?:it|this|that) matter|implications?|what should "
        r"(?:i|we)|should (?:i|we)|for (?:practitioners|developers|engineers|researchers|"
        r"my team|us)|mean for|relevant (?:to|for)|apply to (?:me|us)|my (?:work|model|lab|"
        r"team)|our (?:model|lab|team|work))\b",
        re.I,
    ),
}

# Content that answers a kind: a sentence "carries" a kind when it matches.
_DATE = re.compile(rf"\b(?:\d{{1,2}} (?:{_MONTHS})(?: \d{{4}})?|(?:{_MONTHS}) \d{{4}}|(?:19|20)\d\d)\b", re.I)
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?)\b",
    re.I,
)
# Two capitalised words in a row not at the very start, or an acronym: a person's or an organisation's name.
_NAME = re.compile(
    r"(?<!^)(?<![.!?] )\b(?:[A-Z][a-z\u00c0-\u024f'-]+ (?:(?:of|for|and|the|de|von) )?"
    r"[A-Z][\w\u00c0-\u024f'-]+|[A-Z]{2,}[a-z]?)\b"
)
_PLACE = re.compile(r"\b(?:in|at) (?:[A-Z][a-z]+)(?: [A-Z][a-z]+)?\b")
_YES_NO = re.compile(r"\b(?:not|no|never|only|also|both|neither|binding|voluntary|yes)\b", re.I)
CARRIERS: dict[Kind, re.Pattern[str]] = {
    "when": _DATE,
    "how_many": _NUMBER,
    "who": _NAME,
    "where": _PLACE,
    "yes_no": _YES_NO,
}

# Splits "who wrote it and was it EU-funded?" into its parts: a conjunction or a second question mark followed by
# a question word starts a new part.
_QUESTION_WORD = (
    r"(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|do|does|did|can|could|has|have|"
    r"will|would|should)\b"
)
_PART_BREAK = re.compile(
    rf"(?:\?\s+|[,;]\s*(?:and\s+|or\s+|but\s+)?|\s+(?:and|or|but|plus)\s+(?:also\s+)?)"
    rf"(?={_QUESTION_WORD})",
    re.I,
)
MIN_PART_CHARS = 12


@dataclass(frozen=True)
class QuestionShape:
    """The kinds of answer a question (or one of its parts) asks for."""

    text: str
    kinds: frozenset[Kind]
    parts: tuple[QuestionShape, ...] = ()

    def asks(self, kind: Kind) -> bool:
        return kind in self.kinds or any(kind in p.kinds for p in self.parts)


def kinds_of(text: str) -> frozenset[Kind]:
    text = " ".join(text.split())
    found = {kind for kind, pattern in _PATTERNS.items() if pattern.search(text)}
    if "definition" in found and len(text.split()) > 9:
        found.discard("definition")  # "what are the rules for X in Y when Z" is not asking for a definition
    return frozenset(found)


def split_parts(question: str) -> list[str]:
    """The parts of a question that asks two or more things; a one-part question is returned whole."""
    pieces = [p.strip(" ?,;") for p in _PART_BREAK.split(" ".join(question.split()))]
    parts = [p for p in pieces if len(p) >= MIN_PART_CHARS]
    return parts if len(parts) > 1 else [question.strip()]


def shape(question: str) -> QuestionShape:
    parts = split_parts(question)
    if len(parts) == 1:
        return QuestionShape(question, kinds_of(question))
    shapes = tuple(QuestionShape(p, kinds_of(p)) for p in parts)
    return QuestionShape(question, frozenset().union(*(s.kinds for s in shapes)), shapes)


def carries(text: str, kind: Kind) -> bool:
    """True when ``text`` states the kind of content that answers ``kind`` (a date for "when", ...)."""
    pattern = CARRIERS.get(kind)
    return bool(pattern and pattern.search(text))
