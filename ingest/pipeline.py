"""Ingest files into the index: load, chunk, embed, and switch each document to its new version.

Every file ends with one result (added, updated, unchanged or failed with a one-line reason) and the run always
ends: a write that fails because the store failed (a full disk, a read-only or broken index) stops the writing,
and the files not yet written are failed with the same reason instead of each waiting on a broken store. Nothing
is logged with a traceback above DEBUG.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from .chunking import Chunker
from .documents import Chunk, LoadedDocument
from .errors import DocumentError, DualuseError
from .fetch import FetchLimits, fetch
from .index import CorpusIndex, DocumentRecord
from .loaders import is_sidecar, is_supported, load_bytes, load_file

logger = logging.getLogger(__name__)

Outcome = Literal["added", "updated", "unchanged", "failed"]
EMBED_WINDOW = 256  # chunks embedded together across documents: full, length-sorted batches with little padding
MAX_CHUNKS_PER_DOCUMENT = 5000  # about a million tokens: a 2,000-page report; more is an accident or an attack
ProgressCallback = Callable[[int, int, str], None]
STORE_TIMEOUT = 120.0  # seconds the final commit may take before the run reports the index as not answering


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
    error: str = ""  # a problem of the whole run (e.g. the final commit failed), one line

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def chunks_written(self) -> int:
        return sum(r.chunks for r in self.results if r.outcome in ("added", "updated"))

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0 or bool(self.error)

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
    """Files to ingest (folders walked recursively), files skipped in folders, and paths refused or missing.

    Inside a folder, links are followed only when they stay inside it: a link to ``/etc/passwd`` or to the data
    directory's key files is refused with one line, and a linked folder is not entered. A path named on the
    command line is the operator's choice and is read wherever it points.
    """
    files: list[Path] = []
    skipped: list[str] = []
    problems: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or is_sidecar(child):
                    continue
                link_problem = _link_problem(child, path, root)
                if link_problem:
                    problems.append(FileResult(str(child), "failed", error=f"{child}: {link_problem}"))
                    continue
                if not child.is_file():
                    continue
                if is_supported(child):
                    files.append(child)
                else:
                    skipped.append(str(child))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(FileResult(str(path), "failed", error=f"{path}: no such file or folder"))
    return files, skipped, problems


def _link_problem(child: Path, folder: Path, root: Path) -> str:
    """Why ``child`` (or a folder between it and ``folder``) is a link that must not be followed, or ''."""
    node = child
    while node != folder:
        if node.is_symlink():
            try:
                target = node.resolve(strict=True)
            except (OSError, RuntimeError):
                return "is a broken or looping link; skipped"
            if not target.is_relative_to(root):
                return "is a link to a place outside the folder; refused (copy the file into the folder to ingest it)"
        node = node.parent
    return ""


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def embedding_text(title: str, chunk: Chunk) -> str:
    # The title and section path go into the vector (not the stored text): a passage that never names its
    # document is still found by a question that does.
    return "\n".join(part for part in (title, chunk.section, chunk.text) if part)


@dataclass
class _Prepared:
    """A document loaded and chunked, waiting for its vectors."""

    document: LoadedDocument
    chunks: list[Chunk]
    texts: list[str]  # what is embedded for each chunk
    replaces: bool  # an older version is live


class Ingestor:
    def __init__(
        self,
        index: CorpusIndex,
        embeddings: Embeddings,
        chunker: Chunker | None = None,
        parse: Callable[..., LoadedDocument] | None = None,
        fetch_limits: FetchLimits | None = None,
        actor: str = "",
        write_lock: Callable[[], AbstractContextManager[object]] | None = None,
        storage: Path | None = None,
    ) -> None:
        self.storage = storage  # the index's folder, to tell a full disk from other store failures
        self.store_timeout = STORE_TIMEOUT
        # Serialises the check-and-switch of concurrent ingests (the CLI passes a file lock in the data dir).
        self.write_lock: Callable[[], AbstractContextManager[object]] = write_lock or contextlib.nullcontext
        self.fetch_limits = fetch_limits or FetchLimits()
        self.actor = actor  # recorded with every add, update and removal
        self.index = index
        self.embeddings = embeddings
        self.chunker = chunker or Chunker()
        # The CLI and the bot pass ingest.sandbox.IsolatedParser, so a hostile file cannot hurt the process.
        self.parse: Callable[..., LoadedDocument] = parse or load_bytes

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
        results, report.error = self._ingest_files(files, kind=kind, progress=progress, actor=actor)
        report.results.extend(results)
        return report

    def _ingest_files(
        self, files: list[Path], *, kind: str | None, progress: ProgressCallback | None, actor: str | None
    ) -> tuple[list[FileResult], str]:
        """Load and chunk in a background thread while the model embeds; one embedding call spans documents.

        Loading (a child process per file), chunking and Chroma writes would otherwise leave the model idle, and
        per-document batches are small and padded. Results come back in file order.
        """
        results: list[FileResult | None] = [None] * len(files)
        prepared: queue.Queue[tuple[int, _Prepared | FileResult] | None] = queue.Queue(maxsize=8)

        store_failed: list[str] = []  # the writer's reason, once the store failed: nothing more is prepared

        def prepare_all() -> None:
            seen: dict[str, str] = {}
            try:
                for position, path in enumerate(files):
                    if store_failed:
                        failed = FileResult(str(path), "failed", error=f"{path}: not stored ({store_failed[0]})")
                        prepared.put((position, failed))
                        continue
                    prepared.put((position, self._prepare_file(path, kind, seen)))
            finally:
                prepared.put(None)

        # Chroma writes wait on disk, not on the CPU: a writer thread lets the model go on embedding meanwhile.
        to_write: queue.Queue[tuple[int, _Prepared, np.ndarray] | None] = queue.Queue(maxsize=EMBED_WINDOW)

        def write_all() -> None:
            broken = ""  # set when the store failed: the rest are not tried
            while (job := to_write.get()) is not None:
                position, p, vectors = job
                source = p.document.meta.source_path
                if broken:
                    results[position] = FileResult(source, "failed", error=f"{source}: not stored ({broken})")
                    continue
                try:
                    results[position] = self._write(p, vectors, actor, commit=False)
                except DualuseError as exc:
                    results[position] = FileResult(source, "failed", error=str(exc))
                except Exception as exc:  # noqa: BLE001 - the store failed: report on the file, end the run
                    broken = self.storage_problem(exc)
                    store_failed.append(broken)
                    logger.warning("could not write %s: %s", p.document.meta.doc_id, broken)
                    logger.debug("write failure", exc_info=True)
                    results[position] = FileResult(source, "failed", error=f"{source}: could not be stored ({broken})")

        loader = threading.Thread(target=prepare_all, name="ingest-loader", daemon=True)
        writer = threading.Thread(target=write_all, name="ingest-writer", daemon=True)
        loader.start()
        writer.start()
        window: list[tuple[int, _Prepared]] = []
        done = 0
        while (item := prepared.get()) is not None:
            position, outcome = item
            done += 1
            if progress:
                progress(done - 1, len(files), files[position].name)
            if isinstance(outcome, FileResult):
                results[position] = outcome
                continue
            if store_failed:  # no point embedding what cannot be stored
                source = outcome.document.meta.source_path
                results[position] = FileResult(source, "failed", error=f"{source}: not stored ({store_failed[0]})")
                continue
            window.append((position, outcome))
            if sum(len(p.chunks) for _, p in window) >= EMBED_WINDOW:
                self._embed_window(window, results, to_write)
                window = []
        self._embed_window(window, results, to_write)
        to_write.put(None)
        loader.join()
        writer.join()
        error = ""
        if store_failed:
            # Chroma can block for ever on the next write to a store that just failed (seen on a full disk), so no
            # commit: the documents switched before the failure are live, and readers' BM25 check notices them.
            error = f"the new revision was not recorded ({store_failed[0]}); re-run the ingest when it is fixed"
        elif any(r is not None and r.outcome in ("added", "updated") for r in results):
            error = self._bounded_commit()
        if progress:
            progress(len(files), len(files), "done")
        return [r for r in results if r is not None], error

    def _bounded_commit(self) -> str:
        """Bump the revision (one for the whole batch), within ``store_timeout``; '' or the problem, one line."""
        outcome: list[str] = []

        def run() -> None:
            try:
                self.index.commit()  # readers switch to the whole batch at once
                outcome.append("")
            except Exception as exc:  # noqa: BLE001 - the documents are live; readers detect the stale BM25
                logger.debug("commit failure", exc_info=True)
                outcome.append(f"the index could not record the new revision ({self.storage_problem(exc)})")

        thread = threading.Thread(target=run, name="ingest-commit", daemon=True)
        thread.start()
        thread.join(self.store_timeout)
        if not outcome:
            return f"the index did not answer within {self.store_timeout:g} s while recording the new revision"
        return outcome[0]

    def storage_problem(self, exc: BaseException) -> str:
        """One line on why the store failed; names a full disk when the index's disk is (nearly) full."""
        if self.storage is not None:
            try:
                if shutil.disk_usage(self.storage if self.storage.exists() else self.storage.parent).free < 1 << 20:
                    return f"the disk holding {self.storage} is full"
            except OSError:
                pass
        text = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {text[0] if text else 'no detail'}"

    def _prepare_file(self, path: Path, kind: str | None, seen: dict[str, str]) -> _Prepared | FileResult:
        try:
            document = load_file(path, kind=kind, parse=self.parse)
            first = seen.setdefault(document.meta.doc_id, str(path))
            if first != str(path):
                raise DocumentError(
                    str(path),
                    f"has the same id '{document.meta.doc_id}' as {first}; give one of them a distinct 'id'",
                )
            return self._prepare(document)
        except DualuseError as exc:
            return _failed(str(path), exc)
        except Exception as exc:  # noqa: BLE001 - a bug must not stall the pipeline; report it on the file
            logger.exception("unexpected error while loading %s", path)
            return FileResult(str(path), "failed", error=f"{path}: unexpected {type(exc).__name__}: {exc}")

    def _prepare(self, document: LoadedDocument) -> _Prepared | FileResult:
        """Chunk a loaded document, unless the index already holds this exact version."""
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
        return _Prepared(document, chunks, [embedding_text(meta.title, c) for c in chunks], current is not None)

    def _embed_window(
        self,
        window: list[tuple[int, _Prepared]],
        results: list[FileResult | None],
        to_write: queue.Queue[tuple[int, _Prepared, np.ndarray] | None],
    ) -> None:
        if not window:
            return
        try:
            vectors = self._embed([text for _, p in window for text in p.texts])
        except Exception as exc:  # noqa: BLE001 - e.g. an embeddings server that is down: fail these files
            logger.warning("embedding failed: %s", exc)
            for position, p in window:
                source = p.document.meta.source_path
                results[position] = FileResult(
                    source, "failed", error=f"{source}: could not be embedded ({type(exc).__name__}: {exc})"
                )
            return
        offset = 0
        for position, p in window:
            to_write.put((position, p, vectors[offset : offset + len(p.chunks)]))
            offset += len(p.chunks)

    def _write(self, p: _Prepared, vectors: np.ndarray, actor: str | None, *, commit: bool) -> FileResult:
        meta = p.document.meta
        version = p.document.content_hash[:12]
        try:
            with self.write_lock():  # check-and-switch is one step for concurrent ingests on this data dir
                record, outcome = self.index.switch_document(
                    meta,
                    version,
                    p.chunks,
                    vectors,
                    content_hash=p.document.content_hash,
                    actor=self.actor if actor is None else actor,
                    commit=commit,
                )
        except Exception:
            self.index.discard_version(meta.doc_id, version)
            raise
        logger.info("%s %s (%d chunks)", outcome, meta.doc_id, record.chunks)
        return FileResult(meta.source_path, outcome, meta.doc_id, record.chunks, record.pages)  # type: ignore[arg-type]

    def ingest_url(
        self, url: str, *, kind: str | None = None, limits: FetchLimits | None = None, actor: str | None = None
    ) -> FileResult:
        """Fetch ``url`` and ingest it; the final address becomes the citation link."""
        try:
            return self.ingest_document(self.load_url(url, kind=kind, limits=limits), actor=actor)
        except DualuseError as exc:
            return _failed(url, exc)
        except Exception as exc:  # noqa: BLE001 - the store failed
            logger.debug("write failure", exc_info=True)
            return FileResult(url, "failed", error=f"{url}: could not be stored ({self.storage_problem(exc)})")

    def load_url(self, url: str, *, kind: str | None = None, limits: FetchLimits | None = None) -> LoadedDocument:
        """Fetch ``url`` (SSRF guard and limits in ``fetch``) and parse it; raises :class:`DualuseError`."""
        fetched = fetch(url, limits or self.fetch_limits)
        return self.parse(
            fetched.data,
            fmt=fetched.fmt,
            source=url,
            default_id=fetched.default_id,
            kind=kind,
            metadata={"url": fetched.url},
        )

    def ingest_document(self, document: LoadedDocument, actor: str | None = None) -> FileResult:
        """Ingest one loaded document now (Slack uploads, URLs); raises :class:`DocumentError` on bad input."""
        prepared = self._prepare(document)
        if isinstance(prepared, FileResult):
            return prepared
        return self._write(prepared, self._embed(prepared.texts), actor, commit=True)

    def _embed(self, texts: list[str]) -> np.ndarray:
        embed_array = getattr(self.embeddings, "embed_array", None)
        if embed_array is not None:
            return embed_array(texts)
        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def remove(self, doc_id: str, actor: str | None = None) -> DocumentRecord | None:
        return self.index.remove_document(doc_id, actor=self.actor if actor is None else actor)


def _failed(source: str, exc: DualuseError) -> FileResult:
    # A DocumentError already names its source; any other error gets it in front.
    return FileResult(source, "failed", error=str(exc) if isinstance(exc, DocumentError) else f"{source}: {exc}")
