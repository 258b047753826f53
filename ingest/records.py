"""The registry's plain records: a document's live version, one event of its history, a version awaiting its sweep.

Nothing here touches a store; ``ingest.registry`` reads and writes them in SQL, ``ingest.legacy`` reads 0.1.0's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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
    language: str = "en"  # ISO 639-1; documents registered before languages were recorded read as English

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
class RetiredVersion:
    """A version whose passages a sweep deletes once it is older than the grace period and not live: the previous
    version of an updated or removed document, or a version being written (registered before its passages)."""

    doc_id: str
    version: str
    retired_at: float


def iso_seconds(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")


def iso_millis(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="milliseconds")
