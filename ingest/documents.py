"""Plain data types shared by loading, chunking, indexing and answering."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

DocumentKind = Literal["programme", "code_of_conduct", "un_statement", "other"]
DOCUMENT_KINDS: tuple[str, ...] = ("programme", "code_of_conduct", "un_statement", "other")


@dataclass(frozen=True)
class DocumentMeta:
    """What a citation needs to know about the original document."""

    doc_id: str
    title: str
    kind: str = "other"
    publisher: str = ""
    date: str = ""
    url: str = ""
    source_path: str = ""
    language: str = "en"  # ISO 639-1: the front matter's, or detected from the text (ingest.language)

    def as_metadata(self) -> dict[str, str]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
            "source_path": self.source_path,
            "language": self.language,
        }

    def hashed(self) -> list[str]:
        """The metadata a version's content hash covers: all but the file's path, and the language unless English
        (so documents ingested before languages were recorded keep their versions)."""
        return [
            f"{k}={v}"
            for k, v in sorted(self.as_metadata().items())
            if k != "source_path" and not (k == "language" and v == "en")
        ]


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path (and, for PDFs, on one page)."""

    text: str
    heading_path: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class LoadedDocument:
    meta: DocumentMeta
    sections: list[Section]
    content_hash: str


@dataclass(frozen=True)
class Chunk:
    """One passage of a document: what the chunker makes, the index stores and retrieval returns. ``text`` is
    exactly what is stored and quoted. ``token_count`` and ``extra`` are known while indexing (a passage read
    back from the store has 0 and nothing)."""

    chunk_id: str
    doc_id: str
    index: int
    text: str
    section: str
    page: int | None
    token_count: int = 0
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """A stable, readable id from a file name: 'Hague Guidelines (2015).pdf' -> 'hague-guidelines-2015'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_STRIP.sub("-", ascii_name).strip("-")
    return slug[:80].strip("-") or "document"
