"""The corpus operations trainers use, from the command line and from Slack: add (files, folders, web pages,
uploaded bytes), update, remove, list, and a document's version history.

Every operation that changes the corpus is counted in the process's metrics and goes through the ingest
pipeline, which writes passages before it makes a version live; nothing here writes to the stores directly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from ingest.consistency import CheckReport, Repair
from ingest.documents import LoadedDocument
from ingest.index import DocumentRecord, VersionEvent
from ingest.pipeline import FileResult, IngestReport, ProgressCallback

from .container import Services

logger = logging.getLogger(__name__)


class DocumentLibrary:
    """Built lazily from the container: listing documents does not load the parsing sandbox or the LLM."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- reading -----------------------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        return self._services.index.documents()

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self._services.index.get_document(doc_id)

    def history(self, doc_id: str) -> list[VersionEvent]:
        """Every add, update and removal of ``doc_id``, oldest first."""
        return self._services.index.history(doc_id)

    def last_changed(self) -> str:
        return self._services.index.last_changed()

    # -- adding and updating -----------------------------------------------------------------------------------
    def add_paths(
        self, paths: Sequence[str], *, kind: str | None = None, progress: ProgressCallback | None = None
    ) -> IngestReport:
        """Files, folders (walked) and http(s) URLs; unchanged documents are skipped."""
        report = self._services.ingestor.ingest_paths(list(paths), kind=kind, progress=progress)
        self._services.metrics.observe_ingest(report)
        return report

    def ensure_shipped_corpus(self, progress: ProgressCallback | None = None) -> IngestReport | None:
        """Index the shipped corpus when the index is empty, so that a first question has something to answer from."""
        return self._services.ensure_corpus(progress)

    def parse_upload(self, data: bytes, *, fmt: str, source: str, default_id: str) -> LoadedDocument:
        """Parse bytes a trainer shared (in the parsing sandbox) for review before they are added."""
        return self._services.ingestor.parse(data, fmt=fmt, source=source, default_id=default_id)

    def fetch_url(self, url: str) -> LoadedDocument:
        """Fetch and parse a web page for review before it is added."""
        return self._services.ingestor.load_url(url)

    def add_document(self, document: LoadedDocument, *, actor: str) -> FileResult:
        """Index a reviewed document (added, updated or unchanged); a failure is counted and raised."""
        try:
            result = self._services.ingestor.ingest_document(document, actor=actor)
        except Exception as exc:
            self._services.metrics.observe_ingest(
                IngestReport([FileResult(document.meta.source_path, "failed", error=str(exc))])
            )
            raise
        self._services.metrics.observe_ingest(IngestReport([result]))
        return result

    # -- removing ----------------------------------------------------------------------------------------------
    def remove(self, doc_id: str, *, actor: str | None = None) -> DocumentRecord | None:
        """Remove a document and (after a grace period) its passages; None when there is no such document."""
        return self._services.ingestor.remove(doc_id, actor=actor)

    # -- keeping the two stores in agreement ---------------------------------------------------------------------
    def check(self) -> CheckReport:
        """Orphan passages (in Chroma, of no live or pending version) and records without all their passages."""
        return self._services.check_index()

    def repair(self, report: CheckReport) -> Iterator[Repair]:
        """Delete orphans; re-ingest a record from its file, or remove it (history: removed by index-check)."""
        return self._services.repair_index(report)
