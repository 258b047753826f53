"""The corpus index: chunks and their vectors in Chroma, plus a per-document record that says which version is live.

Replacing a document is atomic for readers: the new version's chunks are written first, then the document record
is switched to the new version in one upsert. Readers keep only chunks whose version matches their document's
record, so they see the old version or the new one, never both and never neither. Retired versions are deleted
after a grace period, by a later write, so a reader that still holds the old record finds its chunks.

Crash safety (``kill -9`` at any point): before its chunks are written, a new version is registered as *retired*;
the switch makes it live, and a sweep deletes the chunks of a retired version only when it is not live. So a write
that dies before its switch leaves chunks that the next sweep removes (and that re-running the ingest overwrites,
chunk ids being deterministic), and never a live record without all of its chunks. Writing a version that is
already live changes nothing and says so (``unchanged``), so concurrent ingests of one file report one ``added``
and record no false ``updated`` event.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from .documents import Chunk, DocumentMeta
from .errors import ConfigurationError, IndexError_

logger = logging.getLogger(__name__)

_REVISION_ID = "__revision__"
_RETIRED_PREFIX = "__retired__::"
RETIRED_GRACE_SECONDS = 120.0


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    kind: str
    publisher: str
    date: str
    url: str
    source_path: str
    version: str
    chunks: int
    tokens: int
    pages: int
    ingested_at: str
    content_hash: str = ""
    ingested_by: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class VersionEvent:
    """One add, update or removal of a document: who, when, which content, how many passages."""

    doc_id: str
    action: str  # 'added' | 'updated' | 'removed'
    version: str
    content_hash: str
    chunks: int
    at: str
    by: str
    title: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    doc_id: str
    text: str
    section: str
    page: int | None
    index: int


@dataclass(frozen=True)
class ScoredChunk:
    chunk: StoredChunk
    score: float  # cosine similarity, -1..1


def make_client(persist_dir: Path | None = None, server_url: str | None = None) -> chromadb.ClientAPI:
    """An embedded client under ``persist_dir``, or an HTTP client for a Chroma server at ``server_url``."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if server_url:
        parsed = urlparse(server_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(f"DUALUSE_CHROMA_URL '{redact_url(server_url)}' must look like http://host:8000")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)
        except Exception as exc:  # noqa: BLE001 - chromadb raises plain Exception/ValueError on connect
            shown = redact_url(server_url)
            detail = str(exc).replace(server_url, shown)
            if parsed.password:
                detail = detail.replace(parsed.password, "***")
            raise IndexError_(f"cannot reach the Chroma server at {shown} ({detail}); is it running?") from None
    if persist_dir is None:
        raise ConfigurationError("no index location: set DUALUSE_DATA_DIR or DUALUSE_CHROMA_URL")
    if persist_dir.is_dir() and not _writable(persist_dir):
        # Chroma cannot open a folder it cannot write ("attempt to write a readonly database"), so read commands
        # on a read-only data dir (a mounted backup, a locked-down replica) read a private copy instead.
        persist_dir = read_only_snapshot(persist_dir)
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=settings)


def _writable(folder: Path) -> bool:
    database = folder / "chroma.sqlite3"
    return os.access(folder, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))


def read_only_snapshot(folder: Path) -> Path:
    """A private copy of a read-only index folder, removed when the process exits; writes to it are lost."""
    target = Path(tempfile.mkdtemp(prefix="dualuse-index-snapshot-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    shutil.copytree(folder, target / "index")
    logger.info("the index at %s is read-only: reading a snapshot copy in %s", folder, target)
    return target / "index"


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parsed = urlparse(url)
    if not parsed.password:
        return url
    netloc = parsed.netloc.rsplit("@", 1)
    user = (parsed.username or "") + ":***"
    return parsed._replace(netloc=f"{user}@{netloc[-1]}").geturl()


def collection_prefix(embedding_id: str) -> str:
    # Vectors of different models must never share a collection; the name carries the model.
    return "dualuse-" + re.sub(r"[^a-zA-Z0-9_-]+", "-", embedding_id).strip("-")[:200]


class CorpusIndex:
    def __init__(self, client: chromadb.ClientAPI, embeddings: Embeddings, embedding_id: str = "minilm-l6-int8"):
        prefix = collection_prefix(embedding_id)
        self._embeddings = embeddings
        # A wider HNSW search than Chroma's default (100): the 30 dense candidates are then (nearly) exact, so the
        # answer does not depend on how the parallel graph build happened to go.
        self._chunks = client.get_or_create_collection(
            f"{prefix}-chunks",
            metadata={"hnsw:space": "cosine", "hnsw:construction_ef": 200, "hnsw:search_ef": 200},
            embedding_function=None,
        )
        self._records = client.get_or_create_collection(
            f"{prefix}-documents", metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        # Queries go through LangChain's Chroma wrapper with our embeddings passed explicitly (never Chroma's own
        # default embedding function, which would download a model).
        self.vectorstore = Chroma(client=client, collection_name=f"{prefix}-chunks", embedding_function=embeddings)

    # -- reading ---------------------------------------------------------------------------------------------
    def revision(self) -> str:
        got = self._records.get(ids=[_REVISION_ID], include=["metadatas"])
        return str(got["metadatas"][0]["revision"]) if got["ids"] else ""

    def last_changed(self) -> str:
        got = self._records.get(ids=[_REVISION_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("changed_at", "")) if got["ids"] else ""

    def documents(self) -> list[DocumentRecord]:
        got = self._records.get(where={"record": "document"}, include=["metadatas"])
        records = [_record_from_metadata(m) for m in got["metadatas"]]
        return sorted(records, key=lambda r: r.doc_id)

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        got = self._records.get(ids=[doc_id], include=["metadatas"])
        return _record_from_metadata(got["metadatas"][0]) if got["ids"] else None

    def live_versions(self) -> dict[str, str]:
        return {r.doc_id: r.version for r in self.documents()}

    def is_empty(self) -> bool:
        return not self.documents()

    def chunk_count(self) -> int:
        return sum(r.chunks for r in self.documents())

    def live_chunks(self, versions: dict[str, str] | None = None) -> list[StoredChunk]:
        """Every chunk of every live document version, in document and chunk order."""
        versions = self.live_versions() if versions is None else versions
        out: list[StoredChunk] = []
        batch = 5000
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
            for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if versions.get(str(meta["doc_id"])) == meta["version"]:
                    out.append(_chunk_from(chunk_id, text, meta))
            if len(got["ids"]) < batch:
                break
            offset += batch
        out.sort(key=lambda c: (c.doc_id, c.index))
        return out

    def search(self, vector: Sequence[float], k: int, versions: dict[str, str]) -> list[ScoredChunk]:
        """Nearest live chunks by cosine similarity."""
        fetch = min(max(k * 3, k + 10), max(self._chunks.count(), 1))
        # Despite its name this returns Chroma's cosine *distance* (lower is closer); similarity = 1 - distance.
        results = self.vectorstore.similarity_search_by_vector_with_relevance_scores(list(vector), k=fetch)
        hits: list[ScoredChunk] = []
        for document, distance in results:
            meta = document.metadata
            if versions.get(str(meta.get("doc_id"))) != meta.get("version"):
                continue  # a retired or not yet live version
            hits.append(ScoredChunk(_chunk_from(str(document.id), document.page_content, meta), 1.0 - float(distance)))
            if len(hits) == k:
                break
        return hits

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        got = self._chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return [_chunk_from(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

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
        previous = self.get_document(meta.doc_id)
        if previous is not None and previous.version == version:
            return previous, "unchanged"  # e.g. another ingest wrote the same file a moment ago
        # Registered as retired before any chunk is written: if this process dies before the switch, a sweep
        # removes what it wrote. The switch below makes the version live, and a sweep never deletes a live one.
        self._upsert_entries([self._retired_entry(meta.doc_id, version, now)])
        base = {"doc_id": meta.doc_id, "version": version}
        for start in range(0, len(chunks), 1000):
            part = chunks[start : start + 1000]
            self._chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[_chunk_metadata(base, c) for c in part],
            )
        pages = len({c.page for c in chunks if c.page is not None})
        record = DocumentRecord(
            **{k: v for k, v in meta.as_metadata().items()},
            version=version,
            chunks=len(chunks),
            tokens=sum(c.token_count for c in chunks),
            pages=pages,
            ingested_at=dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
            content_hash=content_hash or version,
            ingested_by=actor,
        )
        # The switch: one upsert makes the new version live, together with its history event and the retirement
        # of the previous version (one write instead of three).
        action = "added" if previous is None else "updated"
        entries = [(meta.doc_id, {"record": "document", **record.as_dict()})]
        entries.append(self._event_entry(record, action, actor, now))
        if previous is not None:
            entries.append(self._retired_entry(previous.doc_id, previous.version, now))
        self._upsert_entries(entries)
        if commit:
            self.commit(now=now)
        return record, action

    def commit(self, *, now: float | None = None) -> None:
        """Tell readers the corpus changed, and delete versions retired longer ago than the grace period."""
        now = time.time() if now is None else now
        self._bump_revision(now)
        self.sweep_retired(now=now)

    def remove_document(self, doc_id: str, *, actor: str = "", now: float | None = None) -> DocumentRecord | None:
        now = time.time() if now is None else now
        record = self.get_document(doc_id)
        if record is None:
            return None
        self._records.delete(ids=[doc_id])  # the switch: readers stop seeing the document
        self._upsert_entries(
            [self._event_entry(record, "removed", actor, now), self._retired_entry(doc_id, record.version, now)]
        )
        self.commit(now=now)
        return record

    def sweep_retired(self, *, now: float | None = None, grace: float = RETIRED_GRACE_SECONDS) -> int:
        """Delete chunks of versions retired more than ``grace`` seconds ago, and orphans of failed writes."""
        now = time.time() if now is None else now
        got = self._records.get(where={"record": "retired"}, include=["metadatas"])
        removed = 0
        for record_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            if now - float(meta["retired_at"]) < grace:
                continue
            live = self.get_document(str(meta["doc_id"]))
            if live is None or live.version != meta["version"]:
                self._chunks.delete(where={"$and": [{"doc_id": meta["doc_id"]}, {"version": meta["version"]}]})
                removed += 1
            self._records.delete(ids=[record_id])
        return removed

    def discard_version(self, doc_id: str, version: str) -> None:
        """Best-effort removal of chunks a failed write left behind (they are invisible to readers anyway)."""
        try:
            live = self.get_document(doc_id)
            if live is not None and live.version == version:
                return
            self._chunks.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})
        except Exception:  # noqa: BLE001 - the store may be the thing that failed
            logger.warning("could not clean up partial chunks of %s version %s", doc_id, version)

    def history(self, doc_id: str) -> list[VersionEvent]:
        """Every recorded add, update and removal of ``doc_id``, oldest first."""
        got = self._records.get(where={"$and": [{"record": "event"}, {"doc_id": doc_id}]}, include=["metadatas"])
        events = [VersionEvent(**{k: m[k] for k in VersionEvent.__dataclass_fields__}) for m in got["metadatas"]]
        return sorted(events, key=lambda e: (e.at, e.action != "removed"))

    def _upsert_entries(self, entries: list[tuple[str, dict]]) -> None:
        """One write for several bookkeeping records (they carry a dummy one-number vector: Chroma needs one)."""
        self._records.upsert(
            ids=[i for i, _ in entries], embeddings=[[1.0]] * len(entries), metadatas=[m for _, m in entries]
        )

    @staticmethod
    def _event_entry(record: DocumentRecord, action: str, actor: str, now: float) -> tuple[str, dict]:
        at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="milliseconds")
        event = VersionEvent(
            record.doc_id, action, record.version, record.content_hash, record.chunks, at, actor, record.title
        )
        return f"__event__::{record.doc_id}::{at}::{action}", {"record": "event", **event.as_dict()}

    @staticmethod
    def _retired_entry(doc_id: str, version: str, now: float) -> tuple[str, dict]:
        return (
            f"{_RETIRED_PREFIX}{doc_id}::{version}",
            {"record": "retired", "doc_id": doc_id, "version": version, "retired_at": now},
        )

    def _bump_revision(self, now: float) -> None:
        changed_at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
        self._upsert_entries(
            [(_REVISION_ID, {"record": "revision", "revision": uuid.uuid4().hex, "changed_at": changed_at})]
        )


def _chunk_metadata(base: dict[str, str], chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {**base, "section": chunk.section, "index": chunk.index, "tokens": chunk.token_count}
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


def _chunk_from(chunk_id: str, text: str, meta: dict) -> StoredChunk:
    page = meta.get("page")
    return StoredChunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        text=text,
        section=str(meta.get("section", "")),
        page=int(page) if page is not None else None,
        index=int(meta.get("index", 0)),
    )


def _record_from_metadata(meta: dict) -> DocumentRecord:
    fields = DocumentRecord.__dataclass_fields__
    return DocumentRecord(**{k: meta.get(k, 0 if fields[k].type == "int" else "") for k in fields})
