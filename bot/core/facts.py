"""Golden-set facts: what an answer must state, as one phrasing, any of several, or at least K of a list.

Guarantees: ``parse_fact`` accepts exactly the three shapes a golden-set file may use and raises ValueError (with
what is wrong) for anything else, so a typo in a set is reported at load time, not scored as a miss:
- ``"OPCW"``: the answer contains this string (case-insensitive), as in the original format;
- ``["not binding", "non-binding"]``: the answer contains any of these phrasings;
- ``{"any_of": ["IUPAC", "ICCA", ...], "at_least": 2}``: the answer contains at least K of the items (each item a
  string or a list of phrasings); ``at_least`` defaults to 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Phrasings = tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    items: tuple[Phrasings, ...]  # each item: acceptable phrasings of one thing the answer must say
    at_least: int = 1

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        return sum(any(p.lower() in lowered for p in item) for item in self.items) >= self.at_least

    def phrasings(self) -> Iterable[str]:
        return (p for item in self.items for p in item)

    def __str__(self) -> str:
        if len(self.items) == 1:
            return " | ".join(self.items[0])
        return f"{self.at_least} of: " + "; ".join(" | ".join(item) for item in self.items)


def _phrasings(value: object) -> Phrasings:
    if isinstance(value, str) and value.strip():
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise ValueError(f"a fact item is a non-empty string or list of strings, not {value!r}")


def parse_fact(value: object) -> Fact:
    if isinstance(value, dict):
        if set(value) - {"any_of", "at_least"} or not isinstance(value.get("any_of"), list) or not value["any_of"]:
            raise ValueError(f'a fact object has "any_of" (a non-empty list) and optionally "at_least": {value!r}')
        items = tuple(_phrasings(v) for v in value["any_of"])
        at_least = value.get("at_least", 1)
        if not isinstance(at_least, int) or not 1 <= at_least <= len(items):
            raise ValueError(f'"at_least" must be a whole number from 1 to {len(items)}: {value!r}')
        return Fact(items, at_least)
    return Fact((_phrasings(value),))
