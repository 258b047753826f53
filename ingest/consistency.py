"""Disagreement between the two stores of the index, found and repaired (``dualuse index check [--repair]``).

Chroma holds the passages and the SQL registry says which version of each document is live. The write order
(``ingest.index``) keeps them in step through crashes, but not through everything: a Chroma store restored from an
older backup than the database, passages deleted by hand, a registry restored alone. Two kinds of disagreement:

- **orphan passages**: passages of a (doc_id, version) that is not live and not registered as retired or being
  written within the grace period, so no sweep will ever delete them;
- **a record without passages**: a live record whose version has fewer passages in Chroma than the record says, so
  answers come from part of the document or none of it.

:func:`check` only reads. Each finding is checked again just before :func:`repair` acts on it, so a write that
started meanwhile keeps its passages: orphans are deleted; a record without passages is written again from its
``source_path`` when that file still exists (as an update when the file changed), and otherwise removed with a
history event ``removed`` by ``index-check``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import DualuseError
from .index import RETIRED_GRACE_SECONDS, CorpusIndex
from .loaders import load_file
from .pipeline import Ingestor, embedding_text
from .records import DocumentRecord

ACTOR = "index-check"


@dataclass(frozen=True)
class Finding:
    kind: Literal["orphan", "missing"]
    doc_id: str
    version: str
    found: int  # passages in Chroma
    expected: int  # passages the live record says it has (0 for orphans)

    def describe(self) -> str:
        if self.kind == "orphan":
            return (
                f"orphan passages: {self.doc_id} version {self.version}: {self.found} passages that no live or "
                "pending record points to"
            )
        return (
            f"record without passages: {self.doc_id} version {self.version}: {self.found} of {self.expected} "
            "passages in the index"
        )


@dataclass
class CheckReport:
    documents: int
    passages: int
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        orphans = [f for f in self.findings if f.kind == "orphan"]
        missing = [f for f in self.findings if f.kind == "missing"]
        head = f"{self.documents} documents, {self.passages} passages"
        if not self.findings:
            return f"{head}: the passages and the registry agree"
        return (
            f"{head}: {len(orphans)} orphan version(s) ({sum(f.found for f in orphans)} passages), "
            f"{len(missing)} record(s) without passages"
        )


@dataclass(frozen=True)
class Repair:
    finding: Finding
    done: bool  # False: the finding was no longer true, or the repair failed (``message`` says which)
    message: str


def check(index: CorpusIndex, *, now: float | None = None, grace: float = RETIRED_GRACE_SECONDS) -> CheckReport:
    """Compare what Chroma holds with what the registry says; reads only."""
    now = time.time() if now is None else now
    counts = index.passage_counts()  # first: a version's registration precedes its passages, so none looks orphaned
    records = index.documents()
    pending = {(e.doc_id, e.version) for e in index.registry.retired() if e.retired_at > now - grace}
    live = {r.doc_id: r.version for r in records}
    report = CheckReport(len(records), sum(counts.values()))
    for (doc_id, version), found in sorted(counts.items()):
        if live.get(doc_id) != version and (doc_id, version) not in pending:
            report.findings.append(Finding("orphan", doc_id, version, found, 0))
    for record in records:
        if counts.get((record.doc_id, record.version), 0) < record.chunks:
            # Counted before the record was read: a version switched live in between is counted again.
            found = index.passage_counts(record.doc_id, record.version).get((record.doc_id, record.version), 0)
            if found < record.chunks:
                report.findings.append(Finding("missing", record.doc_id, record.version, found, record.chunks))
    return report


def repair(
    index: CorpusIndex,
    ingestor: Ingestor,
    report: CheckReport,
    *,
    now: float | None = None,
    grace: float = RETIRED_GRACE_SECONDS,
) -> Iterator[Repair]:
    """Act on each finding of ``report`` (see the module docstring); one :class:`Repair` per finding."""
    now = time.time() if now is None else now
    for finding in report.findings:
        if finding.kind == "orphan":
            with ingestor.write_lock():
                deleted = index.delete_unused_version(finding.doc_id, finding.version, now - grace)
            if deleted:
                yield Repair(
                    finding,
                    True,
                    f"deleted {finding.found} orphan passages of {finding.doc_id} version {finding.version}",
                )
            else:
                yield Repair(
                    finding,
                    False,
                    f"kept the passages of {finding.doc_id} version {finding.version}: "
                    "it became live or is being written",
                )
            continue
        record = index.get_document(finding.doc_id)
        if record is None or record.version != finding.version:
            yield Repair(finding, False, f"left {finding.doc_id} alone: it changed since the check")
            continue
        yield _repair_record(index, ingestor, finding, record)


def _repair_record(index: CorpusIndex, ingestor: Ingestor, finding: Finding, record: DocumentRecord) -> Repair:
    source = Path(record.source_path) if record.source_path else None
    try:
        document = load_file(source, kind=record.kind, parse=ingestor.parse) if source and source.is_file() else None
    except DualuseError as exc:
        return Repair(finding, False, f"could not re-read {record.doc_id} from {source}: {exc}")
    if document is None or document.meta.doc_id != record.doc_id:
        with ingestor.write_lock():
            removed = index.remove_document(record.doc_id, actor=ACTOR)
        gone = "no longer exists" if document is None else f"now holds '{document.meta.doc_id}'"
        what = f"removed {record.doc_id}" if removed else f"{record.doc_id} was removed meanwhile"
        return Repair(finding, True, f"{what}: its source {record.source_path or '(none)'} {gone}")
    if document.content_hash[:12] != record.version:  # the file changed since: an ordinary update
        result = ingestor.ingest_paths([source], kind=record.kind, actor=ACTOR).results[0]  # type: ignore[list-item]
        if result.outcome == "failed":
            return Repair(finding, False, f"could not re-ingest {record.doc_id}: {result.error}")
        return Repair(
            finding, True, f"re-ingested {record.doc_id} from {source}, {result.outcome} ({result.chunks} passages)"
        )
    chunks = ingestor.chunker.chunk(document)
    texts = [embedding_text(document.meta.title, c) for c in chunks]
    embed_array = getattr(ingestor.embeddings, "embed_array", None)
    vectors = embed_array(texts) if embed_array else np.asarray(ingestor.embeddings.embed_documents(texts), "float32")
    with ingestor.write_lock():
        restored = index.restore_passages(record, chunks, vectors)
    if restored is None:
        return Repair(finding, False, f"left {record.doc_id} alone: another version went live meanwhile")
    return Repair(finding, True, f"re-ingested {record.doc_id} from {source} ({restored.chunks} passages)")
