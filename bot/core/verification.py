"""Check each generated sentence against the passages it cites, and keep only the citations that hold.

A citation holds when the cited passage has a sentence close in meaning to the claim (MiniLM cosine) and every
number, date and proper name in the claim occurs in the cited passages. A sentence left with no citation that
holds is removed from the text shown to the user and reported as unsupported (the answer log keeps it), so nothing
the sources do not support is ever displayed as a plain statement.

Across languages (a French answer citing an English passage) the meaning is compared with multilingual-e5 vectors
against a threshold of their own, and only what a translation leaves as it is must occur word for word: numbers and
dates in digits, and the names that stay in Latin letters (see ``key_terms_across``). An answer in its passages'
language is checked exactly as above.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.chunking import split_sentences
from ingest.language import detect_language

from .answers import SentenceSupport
from .citations import cited_numbers, renumber, split_answer_sentences
from .extractive import embed_many
from .retrieval import Passage
from .text import STOP_WORDS
from .vector_cache import Encode

MIN_SUPPORT_SIMILARITY = 0.45
# multilingual-e5-small cosine (``query:`` prefix on both sides) between a claim and a passage sentence in another
# language. e5 puts unrelated pairs near 0.75 and paraphrases above 0.85, so MiniLM's 0.45 means nothing here.
# Calibrated by bench/crosslingual_support.py on corpus/eval/verification/crosslingual_support.jsonl: 72 pairs
# written by hand, claims in fr/es/ru/ar/zh against English corpus sentences, with hard negatives (another sentence of
# the same document). Best F0.5 on the calibration split (precision 1.000, recall 0.875); on the held-out split (8
# supported, 16 not) precision 1.000, recall 0.625. Precision is what matters: a claim dropped here costs a sentence
# (or, if most go, the extractive fallback), a claim kept wrongly shows the user something no source says. Recall is
# lowest for Chinese and Arabic (0.4 and 0.6 over both splits; French, Spanish, Russian 1.0): docs/benchmarks.md.
MIN_CROSS_LANGUAGE_SUPPORT = 0.895
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


_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f-]*")  # l'ONU: the elision apart
MAX_TRANSLATABLE_ACRONYM = 4  # ONU, UE, IA, OTAN, OCDE, PESC: short acronyms are translated with their words
_SMALL_WORDS = frozenset({"of", "for", "and", "the", "on", "in", "to", "a", "an"})


def _mostly_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return sum(c < "\u0250" for c in letters) * 2 > len(letters)


def key_terms_across(claim: str) -> list[str]:
    """What must appear word for word in sources written in another language than ``claim``: the digits of its
    numbers and dates, and the names a translation keeps. In a claim written in Cyrillic, Arabic or Chinese script every
    capitalised word in Latin letters is such a name ("Guterres", "SIPRI", "ACM"); in a French or Spanish claim a
    capitalised word may be a translation ("Secrétaire", "Naciones"), so only the names no language translates are
    required: acronyms longer than MAX_TRANSLATABLE_ACRONYM letters and mixed-case names ("UNODA", "NeurIPS")."""
    numbers = _digit_runs(claim)
    latin = [w.strip("-") for w in _LATIN_WORD.findall(claim)]
    if _mostly_latin(claim):
        names = [w for w in latin if sum(c.isupper() for c in w) >= 2 and len(w) > MAX_TRANSLATABLE_ACRONYM]
    else:
        names = [w for w in latin if w[:1].isupper() and len(w) > 1 and w.lower() not in STOP_WORDS]
    return numbers + names


def _digit_runs(claim: str) -> list[str]:
    """Each run of digits, in ASCII: number formats differ between languages (1 000,5 / 1,000.5) and Arabic text may
    use Arabic-Indic digits, but the digits themselves survive translation. A Chinese month (6月) is a word in an
    English source ("June"), so it is left out."""
    runs = []
    for match in re.finditer(r"\d+", claim):
        if claim[match.end() : match.end() + 1] != "\u6708":  # 月
            runs.append("".join(str(int(digit)) for digit in match.group()))
    return runs


def _spelt_out(acronym: str, text: str) -> bool:
    """An acronym the text writes out: ACM as Association for Computing Machinery, AI as artificial intelligence."""
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in _SMALL_WORDS).lower()
    return acronym.lower() in initials


def _mentions_across(term: str, text: str) -> bool:
    if term.isupper() and len(term) <= MAX_TRANSLATABLE_ACRONYM:
        return _mentions(term, text) or _spelt_out(term, text)
    return _mentions(term, text)


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
    *,
    language: str | None = None,
    multilingual: Encode | None = None,
    min_cross_language: float = MIN_CROSS_LANGUAGE_SUPPORT,
) -> Verification:
    """``language``: the answer's language (detected from ``text`` when not given). ``multilingual`` embeds the
    claims and the sentences of passages in another language (multilingual-e5, both sides with the query prefix);
    without it every passage is checked as if it were in the answer's language."""
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
    # Passages in another language than the answer are compared in multilingual-e5's space, their rows only.
    across = _other_language(text, passages, units, language) if multilingual is not None else set()
    cross_parts = cross_sentences = np.zeros((0, 0), dtype=np.float32)
    if multilingual is not None and across and flat_parts:
        cross_parts = np.asarray(multilingual(flat_parts), dtype=np.float32)
        cross_sentences = np.zeros((len(flat), cross_parts.shape[1]), dtype=np.float32)
        cross_rows = [j for j, (n, _) in enumerate(flat) if n in across]
        if cross_rows:
            cross_sentences[cross_rows] = multilingual([passage_texts[j] for j in cross_rows])

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
        if any(n in across for n in cited):
            lexical_ok = all(_mentions_across(term, sources_text) for term in key_terms_across(claim))
        else:
            lexical_ok = all(_mentions(term, sources_text) for term in key_terms(claim))
        kept: list[tuple[int, str]] = []
        if lexical_ok:
            for n in cited:
                rows = [j for j, (m, _) in enumerate(flat) if m == n]
                if not rows:
                    continue
                if n in across:
                    clause_vectors = cross_parts[offset - len(pieces) : offset]
                    similarity = cross_sentences[rows] @ clause_vectors.T
                    threshold = min_cross_language
                else:
                    similarity = sentence_vectors[rows] @ vectors.T  # passage sentences x clauses
                    threshold = min_similarity
                if float(similarity.max(axis=0).min()) >= threshold:  # every clause has a close sentence
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


def _other_language(
    text: str, passages: Sequence[Passage], units: list[tuple[int, str, str]], language: str | None
) -> set[int]:
    """The numbers of the cited passages written in another language than the answer."""
    answer_language = language or detect_language(_MARKERS.sub("", text))
    cited = {n for _, _, sentence in units for n in cited_numbers(sentence) if 1 <= n <= len(passages)}
    return {n for n in cited if detect_language(passages[n - 1].chunk.text, default="en") != answer_language}
