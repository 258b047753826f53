"""Ingest files into the index: load, chunk, embed, and switch each document to its new version."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from langchain_core.embeddings import Embeddings

from .chunking import Chunker
from .documents import Chunk, LoadedDocument
from .errors import DocumentError, DualuseError
from .fetch import FetchLimits, fetch
from .index import CorpusIndex, DocumentRecord
from .loaders import is_sidecar, is_supported, load_bytes, load_file

logger = logging.getLogger(__name__)

Outcome = Literal["added", "updated", "unchanged", "failed"]
MAX_CHUNKS_PER_DOCUMENT = 5000  # about a million tokens: a 2,000-page report; more is an accident or an attack
ProgressCallback = Callable[[int, int, str], None]


@dataclass
class FileResult:
    source: str
    outcome: Outcome
    doc_id: str = ""
    chunks: int = 0
    pages: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files in folders with an unsupported type

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def chunks_written(self) -> int:
        return sum(r.chunks for r in self.results if r.outcome in ("added", "updated"))

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def summary(self) -> dict[str, int]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "chunks": self.chunks_written,
            "skipped": len(self.skipped),
        }


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[str], list[FileResult]]:
    """Files to ingest (folders walked recursively), files skipped in folders, and paths that do not exist."""
    files: list[Path] = []
    skipped: list[str] = []
    missing: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or not child.is_file() or is_sidecar(child):
                    continue
                (files if is_supported(child) else skipped).append(child if is_supported(child) else str(child))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileResult(str(path), "failed", error=f"{path}: no such file or folder"))
    return files, skipped, missing


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def embedding_text(title: str, chunk: Chunk) -> str:
    # The title and section path go into the vector (not the stored text): a passage that never names its
    # document is still found by a question that does.
    return "\n".join(part for part in (title, chunk.section, chunk.text) if part)


class Ingestor:
    def __init__(
        self,
        index: CorpusIndex,
        embeddings: Embeddings,
        chunker: Chunker | None = None,
        parse: Callable[..., LoadedDocument] | None = None,
        fetch_limits: FetchLimits | None = None,
        actor: str = "",
    ) -> None:
        self.fetch_limits = fetch_limits or FetchLimits()
        self.actor = actor  # recorded with every add, update and removal
        self.index = index
        self.embeddings = embeddings
        self.chunker = chunker or Chunker()
        self.parse = parse  # None: parse in this process (see ingest.sandbox.IsolatedParser)

    def ingest_paths(
        self,
        paths: Sequence[Path | str],
        *,
        kind: str | None = None,
        progress: ProgressCallback | None = None,
        actor: str | None = None,
    ) -> IngestReport:
        """Ingest files, folders (recursively) and http(s) addresses."""
        urls = [str(p) for p in paths if isinstance(p, str) and is_url(p)]
        files, skipped, missing = expand_paths([Path(p) for p in paths if not (isinstance(p, str) and is_url(p))])
        report = IngestReport(results=list(missing), skipped=skipped)
        for url in urls:
            if progress:
                progress(0, len(files) + len(urls), url)
            report.results.append(self.ingest_url(url, kind=kind, actor=actor))
        seen: dict[str, str] = {}
        for number, path in enumerate(files, start=1):
            if progress:
                progress(number - 1, len(files), path.name)
            try:
                document = load_file(path, kind=kind, parse=self.parse)
                first = seen.setdefault(document.meta.doc_id, str(path))
                if first != str(path):
                    raise DocumentError(
                        str(path),
                        f"has the same id '{document.meta.doc_id}' as {first}; give one of them a distinct 'id'",
                    )
                report.results.append(self.ingest_document(document, actor=actor))
            except DualuseError as exc:
                message = str(exc) if isinstance(exc, DocumentError) else f"{path}: {exc}"
                report.results.append(FileResult(str(path), "failed", error=message))
        if progress:
            progress(len(files), len(files), "done")
        return report

    def ingest_url(
        self, url: str, *, kind: str | None = None, limits: FetchLimits | None = None, actor: str | None = None
    ) -> FileResult:
        """Fetch ``url`` and ingest it; the final address becomes the citation link."""
        try:
            fetched = fetch(url, limits or self.fetch_limits)
            parse = self.parse or load_bytes
            document = parse(
                fetched.data,
                fmt=fetched.fmt,
                source=url,
                default_id=fetched.default_id,
                kind=kind,
                metadata={"url": fetched.url},
            )
            return self.ingest_document(document, actor=actor)
        except DualuseError as exc:
            return FileResult(url, "failed", error=str(exc) if isinstance(exc, DocumentError) else f"{url}: {exc}")

    def ingest_document(self, document: LoadedDocument, actor: str | None = None) -> FileResult:
        meta = document.meta
        version = document.content_hash[:12]
        current = self.index.get_document(meta.doc_id)
        if current is not None and current.version == version:
            return FileResult(meta.source_path, "unchanged", meta.doc_id, current.chunks, current.pages)
        chunks = self.chunker.chunk(document)
        if not chunks:
            raise DocumentError(meta.source_path, "has no text to index")
        if len(chunks) > MAX_CHUNKS_PER_DOCUMENT:
            raise DocumentError(
                meta.source_path,
                f"would make {len(chunks):,} passages, more than the limit of {MAX_CHUNKS_PER_DOCUMENT:,}; split it",
            )
        try:
            vectors = self._embed([embedding_text(meta.title, c) for c in chunks])
            record = self.index.replace_document(
                meta, version, chunks, vectors, content_hash=document.content_hash,
                actor=self.actor if actor is None else actor,
            )
        except Exception:
            self.index.discard_version(meta.doc_id, version)
            raise
        outcome: Outcome = "added" if current is None else "updated"
        logger.info("%s %s (%d chunks)", outcome, meta.doc_id, record.chunks)
        return FileResult(meta.source_path, outcome, meta.doc_id, record.chunks, record.pages)

    def _embed(self, texts: list[str]):
        import numpy as np

        embed_array = getattr(self.embeddings, "embed_array", None)
        if embed_array is not None:
            return embed_array(texts)
        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def remove(self, doc_id: str, actor: str | None = None) -> DocumentRecord | None:
        return self.index.remove_document(doc_id, actor=self.actor if actor is None else actor)
