"""Dense search across languages: the live passages in the multilingual-e5 space, for questions not in English.

English questions keep the path every setting was calibrated on (MiniLM vectors in Chroma, fused with BM25). A
question in another language cannot match the corpus's words and MiniLM cannot read it, so it is searched here:
brute-force cosine over one matrix of e5 passage vectors, built for each corpus revision from the passage-vector
store (shipped vectors for the shipped corpus, cached ones for documents trainers add). At the corpus's size a
matrix product is faster than any index; at 100k passages it is 150 MB of float32 and about 20 ms a question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ingest.documents import Chunk
from ingest.passage_vectors import PassageVectors
from ingest.pipeline import embedding_text
from ingest.records import DocumentRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Matrix:
    revision: str
    chunks: list[Chunk]
    vectors: np.ndarray  # one L2-normalised row per chunk


class CrossLingualSearch:
    def __init__(self, passages: PassageVectors) -> None:
        self.passages = passages
        self._matrix: _Matrix | None = None
        self._lock = threading.Lock()

    def search(
        self,
        revision: str,
        documents: dict[str, DocumentRecord],
        live_chunks: Callable[[], list[Chunk]],
        query_vector: np.ndarray,
        n: int,
    ) -> list[tuple[Chunk, float]]:
        """The ``n`` live chunks closest to ``query_vector`` (an e5 question vector), best first."""
        matrix = self.prepare(revision, documents, live_chunks)
        if not matrix.chunks:
            return []
        scores = matrix.vectors @ np.asarray(query_vector, dtype=np.float32)
        top = np.argsort(-scores)[:n]
        return [(matrix.chunks[i], float(scores[i])) for i in top]

    def prepare(
        self, revision: str, documents: dict[str, DocumentRecord], live_chunks: Callable[[], list[Chunk]]
    ) -> _Matrix:
        """The matrix of ``revision``, built now if needed (embedding only passages no vector file holds)."""
        matrix = self._matrix
        if matrix is not None and matrix.revision == revision:
            return matrix
        with self._lock:  # one build per revision, however many questions arrive meanwhile
            if self._matrix is not None and self._matrix.revision == revision:
                return self._matrix
            started = time.perf_counter()
            chunks = [c for c in live_chunks() if c.doc_id in documents]
            texts = [embedding_text(documents[c.doc_id].title, c) for c in chunks]
            self._matrix = _Matrix(revision, chunks, self.passages.vectors(texts))
            logger.info(
                "multilingual passage matrix ready: %d passages (%.1f s)", len(chunks), time.perf_counter() - started
            )
            return self._matrix
