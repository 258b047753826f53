"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank, with per-document diversity."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

import bm25s
import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.index import CorpusIndex, DocumentRecord, StoredChunk

from .text import content_terms

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

RRF_K = 60  # the usual constant from Cormack et al.; damps the influence of the very first ranks
# Weighted fusion: BM25 (with title and section) is the more precise ranker on questions that use the corpus's own
# words, and equal weights let MiniLM's near misses push its best hits down; at 0.3 the dense list still rescues
# questions that share few words with their passage. Calibrated on the original 145 golden questions; on the two
# held-out sets written afterwards the hybrid beats BM25 alone at every weight tried (docs/benchmarks.md).
DENSE_WEIGHT = 0.3
LEXICAL_WEIGHT = 1.0
CANDIDATES = 30
SYNC_REBUILD_SECONDS = 2.0  # below this, a corpus change is picked up by the very next question


@dataclass(frozen=True)
class Passage:
    chunk: StoredChunk
    document: DocumentRecord
    dense: float  # cosine similarity to the question (0 when only BM25 found it)
    lexical: float  # BM25 score (0 when only the dense search found it)
    fused: float


@dataclass(frozen=True)
class Retrieval:
    question: str
    passages: list[Passage]
    top_dense: float  # best cosine similarity among all dense candidates
    query_terms: list[str]
    elapsed_ms: float
    term_weights: dict[str, float] = field(default_factory=dict)  # IDF of each query term in the live corpus


class _LexicalIndex:
    """BM25 over the live chunks (title, section and text), rebuilt when the corpus revision changes."""

    def __init__(self, chunks: list[StoredChunk], documents: dict[str, DocumentRecord]) -> None:
        self.chunks = chunks
        corpus = [content_terms(f"{documents[c.doc_id].title} {c.section} {c.text}") for c in chunks]
        self._document_frequency: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                self._document_frequency[term] = self._document_frequency.get(term, 0) + 1
        self._vocabulary = set(self._document_frequency)
        self._bm25 = bm25s.BM25()
        if chunks:
            self._bm25.index(corpus, show_progress=False)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; a term the corpus lacks weighs as much as the rarest one."""
        n = len(self.chunks)
        return math.log(1 + (n + 1) / (self._document_frequency.get(term, 0) + 0.5))

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        known = [t for t in terms if t in self._vocabulary]
        if not known or not self.chunks:
            return []
        scores = self._bm25.get_scores(known)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


class HybridRetriever:
    def __init__(
        self,
        index: CorpusIndex,
        embeddings: Embeddings,
        *,
        top_k: int = 6,
        max_per_doc: int = 2,
        dense_weight: float = DENSE_WEIGHT,
    ) -> None:
        self.index = index
        self.embeddings = embeddings
        self.top_k = top_k
        self.max_per_doc = max_per_doc
        self.dense_weight = dense_weight
        self._lock = threading.Lock()
        self._rebuilding = False
        self._last_build_seconds = 0.0
        self._view: tuple[str, dict[str, DocumentRecord], dict[str, str], _LexicalIndex] | None = None

    def refresh(self) -> None:
        """Make sure a BM25 index exists; when the corpus changed, rebuild it in the background.

        The first build blocks (there is nothing to answer from yet), and so does any rebuild that took less than
        SYNC_REBUILD_SECONDS last time. Slower rebuilds (large corpora) run on a thread while
        questions are answered from the previous, still consistent view: the previous versions' chunks stay in
        the index for a grace period after a replace, so dense hits and document records still agree.
        """
        revision = self.index.revision()
        if revision == self._revision and self._lexical is not None:
            return
        if self._lexical is None or self._last_build_seconds < SYNC_REBUILD_SECONDS:
            # First build, or a corpus small enough to rebuild at once: the question sees the change right away.
            with self._lock:
                if self._lexical is None or revision != self._revision:
                    self._rebuild(revision)
            return
        with self._lock:
            if self._rebuilding or revision == self._revision:
                return
            self._rebuilding = True
        threading.Thread(target=self._rebuild_in_background, args=(revision,), name="bm25-rebuild", daemon=True).start()

    def _rebuild_in_background(self, revision: str) -> None:
        try:
            self._rebuild(revision)
        except Exception:  # noqa: BLE001 - keep serving the previous index; the next question retries
            logger.exception("rebuilding the retrieval index failed")
        finally:
            with self._lock:
                self._rebuilding = False

    def _rebuild(self, revision: str) -> None:
        started = time.perf_counter()
        documents = {d.doc_id: d for d in self.index.documents()}
        versions = {d.doc_id: d.version for d in documents.values()}
        chunks = self.index.live_chunks(versions)
        lexical = _LexicalIndex(chunks, documents)
        # One assignment of a tuple: a question never sees documents of one revision with BM25 of another.
        self._view = (revision, documents, versions, lexical)
        self._last_build_seconds = time.perf_counter() - started
        logger.info("retrieval index loaded: %d documents, %d chunks", len(documents), len(chunks))

    @property
    def _revision(self) -> str | None:
        return self._view[0] if self._view else None

    @property
    def _documents(self) -> dict[str, DocumentRecord]:
        return self._view[1] if self._view else {}

    @property
    def _versions(self) -> dict[str, str]:
        return self._view[2] if self._view else {}

    @property
    def _lexical(self) -> _LexicalIndex | None:
        return self._view[3] if self._view else None

    @property
    def documents(self) -> dict[str, DocumentRecord]:
        self.refresh()
        return self._documents

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        started = time.perf_counter()
        self.refresh()
        k = k or self.top_k
        assert self._view is not None
        _, documents, versions, lexical = self._view
        terms = content_terms(question)
        vector = self.embeddings.embed_query(question)
        dense_hits = self.index.search(vector, CANDIDATES, versions)
        lexical_hits = lexical.search(terms, CANDIDATES)

        fused: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        lexical_score: dict[str, float] = {}
        chunk_by_id: dict[str, StoredChunk] = {}
        for rank, hit in enumerate(dense_hits):
            cid = hit.chunk.chunk_id
            chunk_by_id[cid] = hit.chunk
            dense_score[cid] = hit.score
            fused[cid] = fused.get(cid, 0.0) + self.dense_weight / (RRF_K + rank + 1)
        for rank, (position, score) in enumerate(lexical_hits):
            chunk = lexical.chunks[position]
            if versions.get(chunk.doc_id) is None:
                continue  # removed since the BM25 index was built
            cid = chunk.chunk_id
            chunk_by_id.setdefault(cid, chunk)
            lexical_score[cid] = score
            fused[cid] = fused.get(cid, 0.0) + LEXICAL_WEIGHT / (RRF_K + rank + 1)

        passages: list[Passage] = []
        per_doc: dict[str, int] = {}
        for cid in sorted(fused, key=fused.__getitem__, reverse=True):
            chunk = chunk_by_id[cid]
            if per_doc.get(chunk.doc_id, 0) >= self.max_per_doc or chunk.doc_id not in documents:
                continue
            per_doc[chunk.doc_id] = per_doc.get(chunk.doc_id, 0) + 1
            passages.append(
                Passage(
                    chunk, documents[chunk.doc_id], dense_score.get(cid, 0.0), lexical_score.get(cid, 0.0), fused[cid]
                )
            )
            if len(passages) == k:
                break
        top_dense = max((h.score for h in dense_hits), default=0.0)
        weights = {term: lexical.idf(term) for term in terms}
        return Retrieval(question, passages, top_dense, terms, (time.perf_counter() - started) * 1000, weights)
