"""Check each generated sentence against the passages it cites, and keep only the citations that hold.

A citation holds when the cited passage has a sentence close in meaning to the claim (MiniLM cosine) and every
number, date and proper name in the claim occurs in the cited passages. A sentence left with no citation that
holds is removed from the text shown to the user and reported as unsupported (the answer log keeps it), so nothing
the sources do not support is ever displayed as a plain statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.chunking import split_sentences

from .answers import SentenceSupport
from .citations import cited_numbers, renumber, split_answer_sentences
from .extractive import embed_many
from .retrieval import Passage
from .text import STOP_WORDS

MIN_SUPPORT_SIMILARITY = 0.45
_MARKERS = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
_MARKER_GROUP = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
_CLAUSE_BREAK = re.compile(
    r"\s*(?:;|\s[\u2014\u2013]\s|\s-\s|,\s+(?=(?:and|but|so|or|then|while|whereas|which|because|yet)\b))\s*"
)
MIN_CLAUSE_WORDS = 4
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z\u00c0-\u024f'-]+")


@dataclass
class Verification:
    text: str  # the supported sentences only, markers renumbered 1..m by first use
    order: list[int]  # original source numbers, in their new order
    sentences: list[SentenceSupport] = field(default_factory=list)  # the sentences of ``text``
    unsupported: list[str] = field(default_factory=list)  # removed from ``text``

    def mostly_unsupported(self) -> bool:
        return len(self.unsupported) * 2 > max(len(self.sentences) + len(self.unsupported), 1)


def key_terms(claim: str) -> list[str]:
    """Numbers, dates and proper names: the parts of a claim that must appear in its sources word for word."""
    numbers = [n.replace(",", "") for n in _NUMBER.findall(claim)]
    names = [
        w
        for w in _PROPER.findall(claim)
        if w.lower() not in STOP_WORDS and not (w.isupper() and len(w) <= 4)  # acronyms may be spelt out
    ]
    return numbers + names


def _mentions(term: str, text: str) -> bool:
    return term.lower() in text.lower().replace(",", "") if term[0].isdigit() else term.lower() in text.lower()


def _after_markers(sentence: str) -> list[str]:
    """Split where a citation marker is followed by more text: ``A [1] B`` is the claims ``A [1]`` and ``B``."""
    parts, start = [], 0
    for match in _MARKER_GROUP.finditer(sentence):
        rest = sentence[match.end() :]
        if (
            rest[:1].isspace()
            and rest.strip()
            and not _MARKER_GROUP.match(rest.lstrip())
            and rest.lstrip()[0] not in ".,;:!?"
        ):
            parts.append(sentence[start : match.end()].strip())
            start = match.end()
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


def answer_units(text: str) -> list[tuple[int, str, str]]:
    """(line number, list-item lead, claim text with its markers) for every claim of a generated answer."""
    units: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.strip().split("\n")):
        bullet = _BULLET.match(line)
        lead = bullet.group(0) if bullet else ""
        for sentence in split_answer_sentences(line[len(lead) :]):
            units.extend((number, lead, part) for part in _after_markers(sentence))
    return units


def clauses(claim: str) -> list[str]:
    """The clauses of a claim that must each be supported; fragments under MIN_CLAUSE_WORDS join their neighbour."""
    pieces = [p.strip(" ,") for p in _CLAUSE_BREAK.split(claim) if p.strip(" ,")]
    merged: list[str] = []
    for piece in pieces:
        if merged and (len(piece.split()) < MIN_CLAUSE_WORDS or len(merged[-1].split()) < MIN_CLAUSE_WORDS):
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    return merged or [claim]


def verify(
    text: str,
    passages: Sequence[Passage],
    embeddings: Embeddings,
    min_similarity: float = MIN_SUPPORT_SIMILARITY,
    embed_sentences: Callable[[list[str]], np.ndarray] | None = None,
) -> Verification:
    units = answer_units(text)
    claims = [_MARKERS.sub("", sentence).strip() for _, _, sentence in units]
    parts = [clauses(claim) for claim in claims]
    passage_sentences = {n: split_sentences(p.chunk.text) for n, p in enumerate(passages, start=1)}
    flat = [(n, s) for n, group in passage_sentences.items() for s in group]
    flat_parts = [part for group in parts for part in group]
    part_vectors = embed_many(embeddings, flat_parts) if flat_parts else np.zeros((0, 0), dtype=np.float32)
    # Passage sentences usually come from the cache the extractive scorer already filled for this question.
    passage_texts = [s for _, s in flat]
    sentence_vectors = embed_sentences(passage_texts) if embed_sentences else embed_many(embeddings, passage_texts)

    lines: dict[int, list[str]] = {}
    leads: dict[int, str] = {}
    refs: list[tuple[str, list[tuple[int, str]]]] = []
    unsupported: list[str] = []
    offset = 0
    for (line, lead, sentence), claim, pieces in zip(units, claims, parts, strict=True):
        vectors = part_vectors[offset : offset + len(pieces)]
        offset += len(pieces)
        cited = [n for n in cited_numbers(sentence) if 1 <= n <= len(passages)]
        sources_text = " ".join(f"{passages[n - 1].document.title} {passages[n - 1].chunk.text}" for n in cited)
        lexical_ok = all(_mentions(term, sources_text) for term in key_terms(claim))
        kept: list[tuple[int, str]] = []
        if lexical_ok:
            for n in cited:
                rows = [j for j, (m, _) in enumerate(flat) if m == n]
                if not rows:
                    continue
                similarity = sentence_vectors[rows] @ vectors.T  # passage sentences x clauses
                if float(similarity.max(axis=0).min()) >= min_similarity:  # every clause has a close sentence
                    best = int(similarity[:, 0].argmax())
                    kept.append((n, flat[rows[best]][1]))
        if kept:
            lines.setdefault(line, []).append(claim.rstrip() + " " + "".join(f"[{n}]" for n, _ in kept))
            refs.append((claim, kept))
        else:
            # Not shown: a claim no cited passage supports stays in ``unsupported`` (and the answer log) only.
            unsupported.append(claim)
        leads[line] = lead

    rebuilt = "\n".join(leads.get(i, "") + " ".join(lines[i]) for i in sorted(lines))
    renumbered, order = renumber(rebuilt, set(range(1, len(passages) + 1)))
    new_number = {old: new for new, old in enumerate(order, start=1)}
    supports = [SentenceSupport(claim, [(new_number[n], quote) for n, quote in kept]) for claim, kept in refs]
    return Verification(renumbered, order, supports, unsupported)
