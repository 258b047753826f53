"""Sentence scoring for the extractive answer: every retrieved sentence scored against the question.

No model writes anything, so every sentence is a verbatim quote of a stored passage and its citation is true by
construction. Sentences are scored by meaning (embedding cosine) and by shared terms; which of them make the
answer, and in what spans, is decided in ``bot.composition``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.chunking import split_sentences

from .retrieval import Passage
from .text import content_terms
from .vector_cache import VectorCache

MIN_SENTENCE_CHARS = 25
MAX_SENTENCE_CHARS = 600


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    passage: Passage
    semantic: float
    lexical: float
    score: float


def candidate_sentences(passages: list[Passage]) -> list[tuple[str, Passage]]:
    seen: set[str] = set()
    out: list[tuple[str, Passage]] = []
    for passage in passages:
        for sentence in split_sentences(passage.chunk.text):
            key = sentence.lower()
            if key in seen or not MIN_SENTENCE_CHARS <= len(sentence) <= MAX_SENTENCE_CHARS:
                continue
            seen.add(key)
            out.append((sentence, passage))
    return out


def term_overlap(question_terms: list[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Weighted share of the question's distinct content terms that occur in ``text`` (rare terms count more)."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    weight = weights or {}
    total = sum(weight.get(t, 1.0) for t in wanted)
    return sum(weight.get(t, 1.0) for t in wanted & set(content_terms(text))) / total


def embed_many(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    embed_array = getattr(embeddings, "embed_array", None)
    if embed_array is not None:
        return np.asarray(embed_array(texts), dtype=np.float32)
    return np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)


class SentenceVectors(VectorCache):
    """Embeddings of passage sentences and questions, kept across questions: the same passages come back again and
    again, and embedding their sentences is most of the time an extractive answer takes; a question is embedded once
    for the misuse guard, the corrections lookup and retrieval."""

    def __init__(self, embeddings: Embeddings, capacity: int = 20_000) -> None:
        self.embeddings = embeddings
        super().__init__(functools.partial(embed_many, embeddings), capacity)


def score_sentences(
    question_vector: Sequence[float],
    question_terms: list[str],
    passages: list[Passage],
    embeddings: Embeddings,
    term_weights: dict[str, float] | None = None,
    sentence_vectors: Callable[[Sequence[str]], np.ndarray] | None = None,
    term_variants: Sequence[list[str]] = (),
    calibrate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[list[ScoredSentence], np.ndarray]:
    """Score every sentence of ``passages``: 0.75 x cosine to the question + 0.25 x weighted term overlap, the
    overlap taken with the question's terms or, when better, with one of ``term_variants`` (the question in the
    corpus's own words for a concept, from the glossary). ``calibrate`` puts the cosines of a space other than
    MiniLM's on MiniLM's scale (bot/core/spaces.py)."""
    candidates = candidate_sentences(passages)
    if not candidates:
        return [], np.zeros((0, 1), dtype=np.float32)
    texts = [text for text, _ in candidates]
    sentence_matrix = sentence_vectors(texts) if sentence_vectors is not None else embed_many(embeddings, texts)
    vectors = np.vstack([np.asarray(question_vector, dtype=np.float32)[None, :], sentence_matrix])
    semantic = vectors[1:] @ vectors[0]
    if calibrate is not None:
        semantic = calibrate(semantic)
    scored = []
    for (text, passage), cosine in zip(candidates, semantic, strict=True):
        lexical = max(term_overlap(terms, text, term_weights) for terms in [question_terms, *term_variants])
        scored.append(ScoredSentence(text, passage, float(cosine), lexical, 0.75 * float(cosine) + 0.25 * lexical))
    return scored, vectors[1:]
