"""The corpus index: passages and their vectors in Chroma, and which version of each document is live in the SQL
document registry (``ingest.registry``).

Replacing a document is atomic for readers, and crash-safe (``kill -9`` at any point), by the order of the writes:

1. the new version is registered as *retired* in SQL, before any of its passages exists;
2. its passages are written to Chroma (ids ``doc::version::n``, deterministic: a re-run overwrites them);
3. one SQL transaction makes it live: the record, its history event, the retirement of the previous version and,
   unless the caller batches (``commit=False``, then :meth:`CorpusIndex.commit` once), a new revision.

Readers keep only passages whose version the registry calls live, so they see the old version or the new one,
never both and never neither. A sweep deletes the passages of a version retired longer ago than the grace period
and not live: what a write that died before step 3 left, and old versions that readers holding the previous record
no longer need. A removal is one SQL transaction; its passages go with a later sweep. Writing a version that is
already live changes nothing and says so (``unchanged``), so concurrent ingests of one file report one ``added`` and
record no false ``updated`` event. ``dualuse index check`` finds what a store failure left in disagreement
(:mod:`ingest.consistency`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar, cast

import chromadb
import numpy as np
from chromadb.api.types import GetResult, Where
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .chroma import collection_prefix, make_client, read_only_snapshot, redact_url, server_errors
from .documents import Chunk, DocumentMeta
from .errors import IndexError_
from .legacy import adopt_legacy_records
from .records import DocumentRecord, VersionEvent, iso_seconds
from .registry import DocumentRegistry

__all__ = [
    "RETIRED_GRACE_SECONDS",
    "CorpusIndex",
    "DocumentRecord",
    "ScoredChunk",
    "Chunk",
    "VersionEvent",
    "collection_prefix",
    "make_client",
    "read_only_snapshot",
    "redact_url",
]

logger = logging.getLogger(__name__)

RETIRED_GRACE_SECONDS = 120.0
# Documents named in one filtered read: each id and version is an SQL variable, and SQLite allows some thousands.
_VERSIONS_PER_READ = 500

P = ParamSpec("P")
R = TypeVar("R")


def _chroma(method: Callable[P, R]) -> Callable[P, R]:
    """A method that calls Chroma: a server gone away is :class:`~ingest.errors.IndexUnavailable`, one line."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with server_errors():
            return method(*args, **kwargs)

    return call


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float  # cosine similarity, -1..1


class CorpusIndex:
    @_chroma
    def __init__(
        self,
        client: chromadb.ClientAPI,
        embeddings: Embeddings,
        registry: DocumentRegistry,
        embedding_id: str = "minilm-l6-int8",
        write_lock: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext,
        read_batch: int = 5000,
    ):
        prefix = collection_prefix(embedding_id)
        self._embeddings = embeddings
        self._read_batch = read_batch  # passages per Chroma call when reading many
        self.registry = registry.for_collection(prefix)
        # A wider HNSW search than Chroma's default (100): the 30 dense candidates are then (nearly) exact, so the
        # answer does not depend on how the parallel graph build happened to go.
        self._chunks = client.get_or_create_collection(
            f"{prefix}-chunks",
            metadata={"hnsw:space": "cosine", "hnsw:construction_ef": 200, "hnsw:search_ef": 200},
            embedding_function=None,
        )
        # An index written by 0.1.0: its records move to SQL once.
        adopt_legacy_records(client, prefix, self.registry, write_lock)
        # Queries go through LangChain's Chroma wrapper with our embeddings passed explicitly (never Chroma's own
        # default embedding function, which would download a model).
        self.vectorstore = Chroma(client=client, collection_name=f"{prefix}-chunks", embedding_function=embeddings)

    # -- reading ---------------------------------------------------------------------------------------------
    def revision(self) -> str:
        return self.registry.revision()

    def last_changed(self) -> str:
        return self.registry.last_changed()

    def documents(self) -> list[DocumentRecord]:
        return self.registry.documents()

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        return self.registry.get(doc_id)

    def live_versions(self) -> dict[str, str]:
        return self.registry.live_versions()

    def history(self, doc_id: str) -> list[VersionEvent]:
        """Every recorded add, update and removal of ``doc_id``, oldest first."""
        return self.registry.history(doc_id)

    @_chroma
    def ping(self) -> None:
        """Raise unless both stores answer (the readiness probe)."""
        self._chunks.count()
        self.registry.revision()

    def is_empty(self) -> bool:
        return not self.documents()

    def chunk_count(self) -> int:
        return sum(r.chunks for r in self.documents())

    @_chroma
    def live_chunks(self, versions: dict[str, str] | None = None) -> list[Chunk]:
        """Every chunk of every live document version, in document and chunk order.

        Chroma pages by offset in storage order, so paging over the whole store skips live passages when a delete
        ahead of the reader (a sweep, a removal) lands between two pages. The pages here run over the live versions'
        passages only (versions are content hashes), which no delete touches while they are live.
        """
        versions = self.live_versions() if versions is None else versions
        live = sorted(versions.items())
        out: list[Chunk] = []
        for start in range(0, len(live), _VERSIONS_PER_READ):
            group = live[start : start + _VERSIONS_PER_READ]
            doc_ids, hashes = sorted({d for d, _ in group}), sorted({v for _, v in group})
            where = cast(Where, {"$and": [{"doc_id": {"$in": doc_ids}}, {"version": {"$in": hashes}}]})
            offset = 0
            while True:
                got = self._chunks.get(
                    where=where, include=["documents", "metadatas"], limit=self._read_batch, offset=offset
                )
                # The filter may also match another document's version with the same hash: keep exact pairs only.
                out.extend(_chunk_from(i, t, m) for i, t, m in _rows(got) if _is_live(m, versions))
                if len(got["ids"]) < self._read_batch:
                    break
                offset += self._read_batch
        out.sort(key=lambda c: (c.doc_id, c.index))
        return out

    @_chroma
    def search(self, vector: Sequence[float], k: int, versions: dict[str, str]) -> list[ScoredChunk]:
        """Nearest live chunks by cosine similarity.

        Passages of versions that are not live (one being written, or one retired within the grace period) share
        the store with the live ones and can fill every fetched slot, so the fetch widens until it holds ``k`` live
        passages or the whole store.
        """
        fetch = max(k * 3, k + 10)
        while True:
            stored = max(self._chunks.count(), 1)  # read each round: a writer may be adding passages meanwhile
            wanted = min(fetch, stored)
            # Despite its name this returns Chroma's cosine *distance* (lower is closer); similarity = 1 - distance.
            results = self.vectorstore.similarity_search_by_vector_with_relevance_scores(list(vector), k=wanted)
            hits = _live_hits(results, versions, k)
            if len(hits) == k or len(results) < wanted or wanted == stored:
                return hits
            fetch = wanted * 4

    @_chroma
    def get_chunks(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        got = self._chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return [_chunk_from(i, t, m) for i, t, m in _rows(got)]

    @_chroma
    def passage_counts(self, doc_id: str | None = None, version: str = "") -> Counter[tuple[str, str]]:
        """How many passages Chroma holds for each (doc_id, version) (or only for the one given), whatever the
        registry says."""
        where: Where | None = {"$and": [{"doc_id": doc_id}, {"version": version}]} if doc_id is not None else None
        counts: Counter[tuple[str, str]] = Counter()
        batch, offset = self._read_batch, 0
        while True:
            got = self._chunks.get(where=where, include=["metadatas"], limit=batch, offset=offset)
            counts.update((str(m["doc_id"]), str(m["version"])) for m in got["metadatas"] or [])
            if len(got["ids"]) < batch:
                return counts
            offset += batch

    # -- writing ---------------------------------------------------------------------------------------------
    def replace_document(
        self,
        meta: DocumentMeta,
        version: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        *,
        content_hash: str = "",
        actor: str = "",
        now: float | None = None,
        commit: bool = True,
    ) -> DocumentRecord:
        """Write ``chunks`` as the live version of ``meta.doc_id``, retiring any previous version.

        ``commit=False`` leaves the revision bump and the sweep of retired versions to one :meth:`commit` call
        after a batch of writes (readers that cache by revision then switch to the whole batch at once).
        """
        record, _ = self.switch_document(
            meta, version, chunks, vectors, content_hash=content_hash, actor=actor, now=now, commit=commit
        )
        return record

    def switch_document(
        self,
        meta: DocumentMeta,
        version: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        *,
        content_hash: str = "",
        actor: str = "",
        now: float | None = None,
        commit: bool = True,
    ) -> tuple[DocumentRecord, str]:
        """:meth:`replace_document`, also saying what happened: 'added', 'updated' or 'unchanged'."""
        if not chunks:
            raise IndexError_(f"{meta.doc_id}: nothing to index")
        now = time.time() if now is None else now
        previous = self.registry.get(meta.doc_id)
        if previous is not None and previous.version == version:
            return previous, "unchanged"  # e.g. another ingest wrote the same file a moment ago
        self.stage_passages(meta.doc_id, version, chunks, vectors, meta.language, now=now)  # (1) and (2)
        record = DocumentRecord(
            **meta.as_metadata(),
            version=version,
            chunks=len(chunks),
            tokens=sum(c.token_count for c in chunks),
            pages=len({c.page for c in chunks if c.page is not None}),
            ingested_at=iso_seconds(now),
            content_hash=content_hash or version,
            ingested_by=actor,
        )
        # (3) The switch: one transaction with the history event, the previous version's retirement and the bump.
        record, action = self.registry.switch(record, actor=actor, now=now, bump=commit)
        if commit:
            self.sweep_retired(now=now)
        return record, action

    def commit(self, *, now: float | None = None) -> None:
        """Tell readers the corpus changed, and delete versions retired longer ago than the grace period."""
        now = time.time() if now is None else now
        self.registry.bump_revision(now)
        self.sweep_retired(now=now)

    def remove_document(self, doc_id: str, *, actor: str = "", now: float | None = None) -> DocumentRecord | None:
        now = time.time() if now is None else now
        record = self.registry.remove(doc_id, actor=actor, now=now)  # one transaction; readers stop seeing it
        if record is not None:
            self.sweep_retired(now=now)
        return record

    def sweep_retired(self, *, now: float | None = None, grace: float = RETIRED_GRACE_SECONDS) -> int:
        """Delete passages of versions retired more than ``grace`` seconds ago, and orphans of failed writes."""
        now = time.time() if now is None else now
        cutoff = now - grace
        removed = 0
        for entry in self.registry.retired():
            if entry.retired_at > cutoff:
                continue
            if self.delete_unused_version(entry.doc_id, entry.version, cutoff):
                removed += 1
            else:
                self.registry.forget_retired(entry.doc_id, entry.version, cutoff)  # live again: nothing to sweep
        return removed

    @_chroma
    def delete_unused_version(self, doc_id: str, version: str, cutoff: float) -> bool:
        """Delete the passages of ``version`` unless it is live or was registered (written or retired) after
        ``cutoff``; True when they were deleted. The passages go first, then the retired entry: a crash between
        leaves the entry, and the next sweep deletes nothing more and forgets it."""
        if not self.registry.sweepable(doc_id, version, cutoff):
            return False
        self._chunks.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})
        self.registry.forget_retired(doc_id, version, cutoff)
        return True

    def discard_version(self, doc_id: str, version: str) -> None:
        """Best-effort removal of chunks a failed write left behind (they are invisible to readers anyway)."""
        try:
            live = self.get_document(doc_id)
            if live is not None and live.version == version:
                return
            self._chunks.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})
        except Exception:  # noqa: BLE001 - the store may be the thing that failed
            logger.warning("could not clean up partial chunks of %s version %s", doc_id, version)

    @_chroma
    def restore_passages(
        self, record: DocumentRecord, chunks: Sequence[Chunk], vectors: np.ndarray, *, now: float | None = None
    ) -> DocumentRecord | None:
        """Write the passages of the live ``record.version`` again (some were lost from Chroma), in the same order
        as a switch; the corrected record, or None when that version stopped being live meanwhile."""
        now = time.time() if now is None else now
        self.stage_passages(record.doc_id, record.version, chunks, vectors, record.language, now=now)  # as in a switch
        # The source may chunk differently now (other chunk settings): passages past the new end must not linger.
        # cast: mypy does not infer the nested operator key ("$gte") as the literal chromadb's Where spells out.
        past_the_end = cast(
            Where, {"$and": [{"doc_id": record.doc_id}, {"version": record.version}, {"index": {"$gte": len(chunks)}}]}
        )
        self._chunks.delete(where=past_the_end)
        restored = replace(
            record,
            chunks=len(chunks),
            tokens=sum(c.token_count for c in chunks),
            pages=len({c.page for c in chunks if c.page is not None}),
        )
        return restored if self.registry.update_counts(restored, now=now) else None

    def stage_passages(
        self, doc_id: str, version: str, chunks: Sequence[Chunk], vectors: np.ndarray, language: str, *, now: float
    ) -> None:
        """The first two steps of a switch: ``version`` is registered as retired (1) before its passages are written
        (2), so if this process dies before the switch a sweep removes what it wrote. Readers do not see the passages
        until a switch makes the version live, and a sweep never deletes a live one."""
        self.registry.retire(doc_id, version, now)
        self._write_passages(doc_id, version, chunks, vectors, language)

    @_chroma
    def _write_passages(
        self, doc_id: str, version: str, chunks: Sequence[Chunk], vectors: np.ndarray, language: str
    ) -> None:
        # The language goes with every passage, so a query can filter on it ({"language": "fr"}); passages written
        # before it was recorded have none.
        base = {"doc_id": doc_id, "version": version, "language": language}
        for start in range(0, len(chunks), 1000):
            part = chunks[start : start + 1000]
            self._chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[_chunk_metadata(base, c) for c in part],
            )


def _is_live(meta: Mapping[str, Any], versions: dict[str, str]) -> bool:
    """Whether a passage's Chroma metadata names the live version of its document (``versions``: doc_id -> version)."""
    return versions.get(str(meta.get("doc_id"))) == meta.get("version")


def _live_hits(results: Sequence[tuple[Document, float]], versions: dict[str, str], k: int) -> list[ScoredChunk]:
    """The first ``k`` of ``results`` (LangChain documents with cosine distances) that belong to a live version."""
    hits: list[ScoredChunk] = []
    for document, distance in results:
        if not _is_live(document.metadata, versions):
            continue  # a retired or not yet live version
        chunk = _chunk_from(str(document.id), document.page_content, document.metadata)
        hits.append(ScoredChunk(chunk, 1.0 - float(distance)))
        if len(hits) == k:
            break
    return hits


def _chunk_metadata(base: dict[str, str], chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {**base, "section": chunk.section, "index": chunk.index, "tokens": chunk.token_count}
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


def _rows(got: GetResult) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(id, text, metadata) of a Chroma ``get`` that included documents and metadatas."""
    texts, metadatas = got["documents"] or [], got["metadatas"] or []
    return zip(got["ids"], texts, metadatas, strict=True)


def _chunk_from(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    page = meta.get("page")
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        text=text,
        section=str(meta.get("section", "")),
        page=int(page) if page is not None else None,
        index=int(meta.get("index", 0)),
    )
