"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank, with per-document diversity."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.documents import Chunk
from ingest.errors import IndexUnavailable
from ingest.index import CorpusIndex, DocumentRecord

from .crosslingual import CrossLingualSearch
from .glossary import Glossary
from .lexical import LexicalIndex, LexicalStore
from .text import content_terms

logger = logging.getLogger(__name__)

RRF_K = 60  # the usual constant from Cormack et al.; damps the influence of the very first ranks
# Weighted fusion: BM25 (with title and section) is the more precise ranker on questions that use the corpus's own
# words, and equal weights let MiniLM's near misses push its best hits down; at 0.3 the dense list still rescues
# questions that share few words with their passage. Calibrated on the original 145 golden questions; on the two
# held-out sets written afterwards the hybrid beats BM25 alone at every weight tried (docs/benchmarks.md).
DENSE_WEIGHT = 0.3
LEXICAL_WEIGHT = 1.0
CANDIDATES = 30
# A question not in English is searched by multilingual-e5 (bot/core/crosslingual.py), which carries the ranking.
# BM25 counts in full on documents written in the question's language, and not at all on the others: on the French
# and Chinese golden questions (Spanish, Russian and Arabic held out) recall@5 was 0.948 with BM25 left out there,
# 0.938 at weight 0.3 and 0.924 at 1.0, since the names that could match ("SIPRI") rarely pick the right passage.
CROSSLINGUAL_DENSE_WEIGHT = 1.0
CROSSLINGUAL_LEXICAL_WEIGHT = 0.0
# The e5 ranking is coarser than the English hybrid's: one passage per document spreads the six over more documents,
# so the right one is more often among them (French and Chinese: recall@5 0.948 -> 0.955; Arabic 0.890 -> 0.903).
CROSSLINGUAL_MAX_PER_DOC = 1
SYNC_REBUILD_SECONDS = 2.0  # below this, a corpus change is picked up by the very next question
# Building BM25 costs about 0.2 ms per chunk (docs/benchmarks.md); after reading a saved index, this estimate
# stands in for the build time nobody measured, so that a large corpus still rebuilds in the background.
BUILD_SECONDS_PER_CHUNK = 0.0002


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    document: DocumentRecord
    dense: float  # cosine similarity to the question (0 when only BM25 found it)
    lexical: float  # BM25 score (0 when only the dense search found it)
    fused: float


@dataclass(frozen=True)
class _Hit:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Retrieval:
    question: str
    passages: list[Passage]
    top_dense: float  # best cosine similarity among all dense candidates
    query_terms: list[str]
    elapsed_ms: float
    term_weights: dict[str, float] = field(default_factory=dict)  # IDF of each query term in the live corpus
    query_vector: list[float] = field(default_factory=list)  # the question's embedding, for the sentence scorer
    # The question's terms with a glossary name swapped for each of its other names ("killer robots" ->
    # "lethal autonomous weapons systems"): the sentence scorer takes the best of them.
    term_variants: list[list[str]] = field(default_factory=list)


class HybridRetriever:
    def __init__(
        self,
        index: CorpusIndex,
        embeddings: Embeddings,
        *,
        top_k: int = 6,
        max_per_doc: int = 2,
        dense_weight: float = DENSE_WEIGHT,
        lexical_cache: Path | None = None,
        glossary: Glossary | None = None,
        crosslingual: CrossLingualSearch | None = None,
    ) -> None:
        """``glossary``: the practitioner vocabulary that widens each search (default: the shipped glossary;
        ``Glossary()`` for none). ``crosslingual``: the multilingual dense search for questions not in English
        (without it every question takes the English path)."""
        self.index = index
        self.crosslingual = crosslingual
        self.glossary = glossary if glossary is not None else Glossary.shipped()
        self.embeddings = embeddings
        self.top_k = top_k
        self.max_per_doc = max_per_doc
        self.dense_weight = dense_weight
        self._store = LexicalStore(lexical_cache) if lexical_cache is not None else None
        self._lock = threading.Lock()
        self._rebuilding = False
        self._last_build_seconds = 0.0
        self._view: tuple[str, dict[str, DocumentRecord], dict[str, str], LexicalIndex] | None = None
        self._registry_away = False  # the registry's database is unreachable: answering from the last view
        self._warm_crosslingual = False

    def keep_crosslingual_warm(self) -> None:
        """After each corpus change, embed new passages for cross-language search in the background, so that the
        next question in another language need not wait for them (the bot does this; a one-shot CLI does not)."""
        self._warm_crosslingual = self.crosslingual is not None

    def refresh(self) -> None:
        """Make sure a BM25 index exists; when the corpus changed, rebuild it in the background.

        The first build blocks (there is nothing to answer from yet), and so does any rebuild that took less than
        SYNC_REBUILD_SECONDS last time. Slower rebuilds (large corpora) run on a thread while
        questions are answered from the previous, still consistent view: the previous versions' chunks stay in
        the index for a grace period after a replace, so dense hits and document records still agree.

        While the registry's database cannot be reached, questions are answered from the view last read: the corpus
        cannot change meanwhile (every change is a registry transaction), so it is still the live one.
        """
        try:
            revision = self.index.revision()
        except IndexUnavailable as exc:
            if self._view is None:
                raise  # nothing read yet: nothing to answer from
            if not self._registry_away:
                logger.warning(
                    "the document registry cannot be read, answering from the corpus as last read (revision %s): %s",
                    self._revision,
                    exc,
                )
                self._registry_away = True
            return
        if self._registry_away:
            logger.warning("the document registry is reachable again")
            self._registry_away = False
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
        lexical = self._store.load(revision, versions) if self._store is not None else None
        source = "read from disk"
        if lexical is None:
            lexical, source = LexicalIndex.build(self.index.live_chunks(versions), documents), "built"
            if self._store is not None:
                self._store.save(revision, lexical)
        # One assignment of a tuple: a question never sees documents of one revision with BM25 of another.
        self._view = (revision, documents, versions, lexical)
        if self._warm_crosslingual and self.crosslingual is not None:
            threading.Thread(
                target=self._warm, args=(self.crosslingual, revision, documents, versions), daemon=True
            ).start()
        elapsed = time.perf_counter() - started
        self._last_build_seconds = elapsed if source == "built" else len(lexical) * BUILD_SECONDS_PER_CHUNK
        logger.info(
            "retrieval index loaded: %d documents, %d chunks (BM25 %s, %.1f s)",
            len(documents),
            len(lexical),
            source,
            elapsed,
        )

    def _warm(
        self, search: CrossLingualSearch, revision: str, documents: dict[str, DocumentRecord], versions: dict[str, str]
    ) -> None:
        try:
            search.prepare(revision, documents, lambda: self.index.live_chunks(versions))
        except Exception:  # noqa: BLE001 - the first question in another language will try again
            logger.warning("preparing cross-language search failed", exc_info=True)

    @property
    def _revision(self) -> str | None:
        return self._view[0] if self._view else None

    @property
    def _documents(self) -> dict[str, DocumentRecord]:
        return self._view[1] if self._view else {}

    @property
    def _lexical(self) -> LexicalIndex | None:
        return self._view[3] if self._view else None

    @property
    def documents(self) -> dict[str, DocumentRecord]:
        self.refresh()
        return self._documents

    def searches_across_languages(self, language: str) -> bool:
        """Whether a question in ``language`` is searched in the multilingual space (its vector must be e5's)."""
        return language != "en" and self.crosslingual is not None

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        *,
        vector: Sequence[float] | None = None,
        language: str = "en",
    ) -> Retrieval:
        """The best ``k`` passages for ``question``, written in ``language``. ``vector``: the question already
        embedded, by the index's model, or by multilingual-e5 when :meth:`searches_across_languages`."""
        started = time.perf_counter()
        self.refresh()
        k = k or self.top_k
        assert self._view is not None
        revision, documents, versions, lexical = self._view
        terms = content_terms(question, None if language == "en" else language)
        # BM25 also looks for the corpus's names of the concepts the question names in words the corpus barely uses.
        search_terms = terms + self.glossary.expansion_terms(question, lexical.frequency)
        variants = [content_terms(v) for v in self.glossary.variants(question)]
        across = self.searches_across_languages(language)
        dense_weight = CROSSLINGUAL_DENSE_WEIGHT if across else self.dense_weight
        if across:
            assert self.crosslingual is not None
            if vector is None:
                raise ValueError("a question searched across languages needs its multilingual vector")
            vector = list(vector)
            dense_hits = [
                _Hit(chunk, score)
                for chunk, score in self.crosslingual.search(
                    revision, documents, lambda: self.index.live_chunks(versions), np.asarray(vector), CANDIDATES
                )
            ]
        else:
            vector = list(vector) if vector is not None else self.embeddings.embed_query(question)
            dense_hits = [_Hit(h.chunk, h.score) for h in self.index.search(vector, CANDIDATES, versions)]
        lexical_hits = lexical.search(search_terms, CANDIDATES)

        fused: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        lexical_score: dict[str, float] = {}
        doc_of: dict[str, str] = {}
        chunk_by_id: dict[str, Chunk] = {}
        for rank, hit in enumerate(dense_hits):
            cid = hit.chunk.chunk_id
            chunk_by_id[cid], doc_of[cid] = hit.chunk, hit.chunk.doc_id
            dense_score[cid] = hit.score
            fused[cid] = fused.get(cid, 0.0) + dense_weight / (RRF_K + rank + 1)
        for rank, (position, score) in enumerate(lexical_hits):
            cid, doc_id = lexical.chunk_ids[position], lexical.doc_ids[position]
            if doc_id not in versions or not cid.startswith(f"{doc_id}::{versions[doc_id]}::"):
                continue  # removed or replaced since the BM25 index was built: never quote a retired version
            weight = LEXICAL_WEIGHT
            if across and doc_id in documents and documents[doc_id].language != language:
                weight = CROSSLINGUAL_LEXICAL_WEIGHT  # only names can match across languages
                if weight == 0.0:
                    continue
            doc_of[cid] = doc_id
            lexical_score[cid] = score
            fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)

        chosen: list[str] = []
        per_doc: dict[str, int] = {}
        max_per_doc = min(self.max_per_doc, CROSSLINGUAL_MAX_PER_DOC) if across else self.max_per_doc
        for cid in sorted(fused, key=fused.__getitem__, reverse=True):
            doc_id = doc_of[cid]
            if per_doc.get(doc_id, 0) >= max_per_doc or doc_id not in documents:
                continue
            per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
            chosen.append(cid)
            if len(chosen) == k:
                break
        # BM25 keeps ids only: fetch the texts of the chosen chunks the dense search did not bring back. One that
        # is gone (its version swept while this view was being rebuilt) is left out.
        missing = [cid for cid in chosen if cid not in chunk_by_id]
        if missing:
            chunk_by_id.update((c.chunk_id, c) for c in self.index.get_chunks(missing))
        passages = [
            Passage(
                chunk_by_id[cid],
                documents[doc_of[cid]],
                dense_score.get(cid, 0.0),
                lexical_score.get(cid, 0.0),
                fused[cid],
            )
            for cid in chosen
            if cid in chunk_by_id
        ]
        top_dense = max((h.score for h in dense_hits), default=0.0)
        weights = {term: lexical.idf(term) for variant in variants for term in variant}
        elapsed = (time.perf_counter() - started) * 1000
        return Retrieval(question, passages, top_dense, terms, elapsed, weights, vector, variants)
