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


def verify(
    text: str,
    passages: Sequence[Passage],
    embeddings: Embeddings,
    min_similarity: float = MIN_SUPPORT_SIMILARITY,
    embed_sentences: Callable[[list[str]], np.ndarray] | None = None,
) -> Verification:
    sentences = split_answer_sentences(text)
    claims = [_MARKERS.sub("", s).strip() for s in sentences]
    passage_sentences = {n: split_sentences(p.chunk.text) for n, p in enumerate(passages, start=1)}
    flat = [(n, s) for n, group in passage_sentences.items() for s in group]
    claim_vectors = embed_many(embeddings, claims)
    # Passage sentences usually come from the cache the extractive scorer already filled for this question.
    passage_texts = [s for _, s in flat]
    sentence_vectors = embed_sentences(passage_texts) if embed_sentences else embed_many(embeddings, passage_texts)

    kept_text: list[str] = []
    refs: list[tuple[str, list[tuple[int, str]]]] = []
    unsupported: list[str] = []
    for i, (sentence, claim) in enumerate(zip(sentences, claims, strict=True)):
        cited = [n for n in cited_numbers(sentence) if 1 <= n <= len(passages)]
        sources_text = " ".join(f"{passages[n - 1].document.title} {passages[n - 1].chunk.text}" for n in cited)
        lexical_ok = all(_mentions(term, sources_text) for term in key_terms(claim))
        kept: list[tuple[int, str]] = []
        if lexical_ok:
            for n in cited:
                rows = [j for j, (m, _) in enumerate(flat) if m == n]
                if not rows:
                    continue
                similarity = sentence_vectors[rows] @ claim_vectors[i]
                best = int(similarity.argmax())
                if float(similarity[best]) >= min_similarity:
                    kept.append((n, flat[rows[best]][1]))
        if kept:
            kept_text.append(claim.rstrip() + " " + "".join(f"[{n}]" for n, _ in kept))
            refs.append((claim, kept))
        else:
            unsupported.append(claim)

    renumbered, order = renumber(" ".join(kept_text), set(range(1, len(passages) + 1)))
    new_number = {old: new for new, old in enumerate(order, start=1)}
    supports = [SentenceSupport(claim, [(new_number[n], quote) for n, quote in kept]) for claim, kept in refs]
    return Verification(renumbered, order, supports, unsupported)
