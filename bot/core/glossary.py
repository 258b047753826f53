"""The practitioner glossary: the names people use for a concept mapped to the names the corpus uses.

Guarantees: loading a glossary file either gives every entry with a term, its aliases, a one-line definition and a
source doc_id, or raises GlossaryError with one line naming the file and the problem. Matching is on whole words;
an alias in capitals (LAWS, CCW) matches only when the question writes it in capitals, so "laws" the common word
never turns a question into one about autonomous weapons, and a capitalised acronym is never added to a search by
itself (only the spelt-out names are).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.errors import DualuseError

from .text import content_terms

GLOSSARY_FILE = "glossary.yml"
# "what is X", "what's X", "what does X mean", "define X", "meaning of X": X is what the question asks to define.
_DEFINITION = re.compile(
    r"^(?:\W*\w+[,:]\s+)?(?:what(?:'s|\u2019s| is| are| does| do)|define|meaning of|explain)\s+(?:an?\s+|the\s+)?"
    r"['\"\u2018\u201c]?(?P<x>[^?'\"\u2019\u201d]{2,60}?)['\"\u2019\u201d]?\s*(?:mean|stand for|refer to)?\s*\??$",
    re.I,
)


class GlossaryError(DualuseError, ValueError):
    """A glossary file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Entry:
    term: str
    aliases: tuple[str, ...]
    definition: str
    source: str
    # The concept's names in the other UN languages: a question in French or Arabic that uses one is searched with
    # the English name added (questions name bodies and treaties by their local names, the corpus by the English).
    translations: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


_UNSPACED_SCRIPT = re.compile(r"[\u0600-\u06ff\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _pattern(name: str) -> re.Pattern[str]:
    flags = 0 if _is_acronym(name) else re.I
    if _UNSPACED_SCRIPT.search(name):
        # Chinese has no spaces and Arabic attaches "and", "the" and "of" to the word: a name is found inside them.
        return re.compile(re.escape(name), flags)
    if _CYRILLIC.search(name) and not _is_acronym(name):
        # Russian declines names ("автономное оружие", "об автономном оружии"): each word by its stem.
        stems = [re.escape(word[: max(len(word) - 2, 3)]) + r"\w*" for word in name.split()]
        return re.compile(r"(?<![\w-])" + r"\s+".join(stems), flags)
    return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", flags)


class Glossary:
    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries = list(entries)
        # Longest names first, so "lethal autonomous weapons systems" wins over "autonomous weapons".
        self._names = sorted(
            ((name, entry, _pattern(name)) for entry in self.entries for name in entry.names),
            key=lambda item: len(item[0]),
            reverse=True,
        )

        self._translated = sorted(
            ((name, entry, _pattern(name)) for entry in self.entries for name in entry.translations),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def __len__(self) -> int:
        return len(self.entries)

    def english_names(self, text: str) -> list[str]:
        """The corpus's (English) names of the concepts ``text`` names in another language: the term, and its
        acronym when it has one ("United Nations Office for Disarmament Affairs (UNODA)")."""
        out: list[str] = []
        seen: set[str] = set()
        for _name, entry, pattern in self._translated:
            if entry.term in seen or pattern.search(text) is None:
                continue
            seen.add(entry.term)
            acronyms = [a for a in entry.aliases if _is_acronym(a) and len(a) > 2]
            out.append(f"{entry.term} ({acronyms[0]})" if acronyms else entry.term)
        return out

    @classmethod
    def load(cls, paths: Iterable[Path]) -> Glossary:
        """Entries of every file that exists, in order; a later entry with the same term replaces an earlier one."""
        entries: dict[str, Entry] = {}
        for path in paths:
            if path.is_file():
                for entry in _read(path):
                    entries[entry.term.lower()] = entry
        return cls(entries.values())

    @classmethod
    def shipped(cls) -> Glossary:
        return _shipped()

    def matches(self, text: str) -> list[tuple[Entry, str]]:
        """(entry, the name as written) for each entry a name of which occurs in ``text``, first match per entry."""
        taken: list[tuple[int, int]] = []
        found: dict[str, tuple[Entry, str]] = {}
        for _name, entry, pattern in self._names:
            for match in pattern.finditer(text):
                span = match.span()
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue
                taken.append(span)
                found.setdefault(entry.term, (entry, match.group(0)))
        return list(found.values())

    def expansion_terms(self, text: str, frequency: Callable[[str], int] | None = None, rare: int = 3) -> list[str]:
        """Content terms of the corpus's own name (the entry's term) of every concept ``text`` mentions by another
        name, not already in ``text``. Only the term: adding every alias would drown the question's own words.

        With ``frequency`` (a term's number of passages), only a name the corpus barely uses (its rarest word in
        fewer than ``rare`` passages: "killer robots", "DURC", "kill switch") is expanded: a name the corpus
        uses freely already finds its passages, and extra words would only pull the search elsewhere."""
        own = set(content_terms(text))
        extra: list[str] = []
        for entry, written in self.matches(text):
            if written.lower() == entry.term.lower():
                continue
            if frequency is not None and min((frequency(t) for t in content_terms(written)), default=0) >= rare:
                continue
            extra.extend(t for t in content_terms(entry.term) if t not in own and t not in extra)
        return extra

    def variants(self, text: str) -> list[str]:
        """``text`` itself, then ``text`` with one mentioned name replaced by each of its concept's other names."""
        out = [text]
        for entry, written in self.matches(text):
            for name in entry.names:
                if name.lower() != written.lower() and not _is_acronym(name):
                    out.append(text.replace(written, name))
        return out

    def definition_for(self, question: str) -> Entry | None:
        """The entry a "what is X?" question asks about, when X is one of its names."""
        match = _DEFINITION.match(" ".join(question.split()))
        if match is None:
            return None
        subject = match.group("x").strip()
        for _name, entry, pattern in self._names:
            hit = pattern.search(subject)
            if hit is not None and len(hit.group(0)) >= len(subject) - 4:
                return entry
        return None


def _read(path: Path) -> list[Entry]:
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GlossaryError(f"{path}: not a readable YAML file ({type(exc).__name__})") from None
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise GlossaryError(f"{path}: a glossary is a list of entries (term, aliases, definition, source)")
    entries = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not all(
            isinstance(row.get(k), str) and row[k].strip() for k in ("term", "definition", "source")
        ):
            raise GlossaryError(f"{path}: entry {number} needs a term, a definition and a source (doc_id)")
        aliases = row.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise GlossaryError(f"{path}: entry {number} ({row['term']}): aliases must be a list of names")
        translations = row.get("translations") or []
        if not isinstance(translations, list) or not all(isinstance(a, str) and a.strip() for a in translations):
            raise GlossaryError(f"{path}: entry {number} ({row['term']}): translations must be a list of names")
        definition = " ".join(row["definition"].split())
        entries.append(
            Entry(
                row["term"].strip(),
                tuple(a.strip() for a in aliases),
                definition,
                row["source"].strip(),
                tuple(t.strip() for t in translations),
            )
        )
    return entries


@lru_cache(maxsize=1)
def _shipped() -> Glossary:
    from corpus import glossary_path

    return Glossary.load([glossary_path()])
