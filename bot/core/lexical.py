"""The BM25 half of retrieval: built from the live chunks, and kept on disk per corpus revision.

Building it means reading every chunk's text from Chroma and tokenising it, which at 100k chunks takes about 15 s
(docs/benchmarks.md). The result depends only on the corpus revision and the tokeniser, so it is saved under a key
made of both and loaded on the next start instead of rebuilt. The saved index also records the live version of
every document it was built from, and is used only when those still match the index: an ingest killed between
switching documents live and bumping the revision leaves the revision unchanged, and its BM25 would otherwise
miss the new documents and quote retired versions under the new records. Only chunk ids and document ids are kept
in memory; the texts of the few chunks a question hits are fetched from the index when needed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from ingest.documents import Chunk
from ingest.index import DocumentRecord

from .scripts import (
    ACCENTED_STOP_WORDS,
    ARABIC_STOP_WORDS,
    CHINESE_STOP_TERMS,
    RUSSIAN_STOP_WORDS,
    STOP_WORDS_BY_LANGUAGE,
)
from .text import STOP_WORDS, content_terms

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

# Bump when the stored layout or the tokeniser's behaviour changes; the stop-word lists are hashed in as well.
FORMAT_VERSION = 3  # 2: the live versions are saved with the index; 3: every script tokenised, by document language
KEEP_REVISIONS = 2  # the live one and the one before, which a process still serving may be reading
_STOP_LISTS = (
    STOP_WORDS,
    ACCENTED_STOP_WORDS,
    ARABIC_STOP_WORDS,
    CHINESE_STOP_TERMS,
    RUSSIAN_STOP_WORDS,
    *(STOP_WORDS_BY_LANGUAGE[code] for code in sorted(STOP_WORDS_BY_LANGUAGE)),
)
_TOKENISER_KEY = hashlib.sha256("|".join(" ".join(sorted(s)) for s in _STOP_LISTS).encode()).hexdigest()[:12]
_CHUNKS_FILE = "chunks.json"


def lexical_text(title: str, chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its document's title, its section path and its text."""
    return f"{title} {chunk.section} {chunk.text}"


class LexicalIndex:
    """BM25 over a fixed list of chunks, addressed by position."""

    def __init__(
        self,
        chunk_ids: list[str],
        doc_ids: list[str],
        document_frequency: dict[str, int],
        bm25: bm25s.BM25 | None,
        versions: dict[str, str] | None = None,
    ) -> None:
        self.versions = dict(versions or {})  # doc_id -> the live version it was built from
        self.chunk_ids = chunk_ids
        self.doc_ids = doc_ids
        self._document_frequency = document_frequency
        self._bm25 = bm25

    @classmethod
    def build(cls, chunks: Sequence[Chunk], documents: dict[str, DocumentRecord]) -> LexicalIndex:
        # Each passage in its document's language: French and Spanish stop words only go from their own documents.
        corpus = [
            content_terms(lexical_text(documents[c.doc_id].title, c), documents[c.doc_id].language) for c in chunks
        ]
        frequency: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                frequency[term] = frequency.get(term, 0) + 1
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        versions = {doc_id: record.version for doc_id, record in documents.items()}
        return cls([c.chunk_id for c in chunks], [c.doc_id for c in chunks], frequency, bm25, versions)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def frequency(self, term: str) -> int:
        """How many chunks contain ``term``."""
        return self._document_frequency.get(term, 0)

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; a term the corpus lacks weighs as much as the rarest one."""
        return math.log(1 + (len(self) + 1) / (self._document_frequency.get(term, 0) + 0.5))

    def search(self, terms: list[str], k: int) -> list[tuple[int, float]]:
        """(position, score) of the best ``k`` chunks with a positive score."""
        known = [t for t in terms if t in self._document_frequency]
        if not known or self._bm25 is None:
            return []
        scores = self._bm25.get_scores(known)
        top = np.argsort(-scores)[:k]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    # -- on disk ---------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically: a reader sees the whole index or none."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            if self._bm25 is not None:
                self._bm25.save(str(staging / "bm25"), show_progress=False)
            payload = {
                "chunk_ids": self.chunk_ids,
                "doc_ids": self.doc_ids,
                "frequency": self._document_frequency,
                "versions": self.versions,
            }
            (staging / _CHUNKS_FILE).write_text(json.dumps(payload), encoding="utf-8")
            os.replace(staging, folder)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not folder.is_dir():  # another process may have saved the same revision first
                raise

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        payload = json.loads((folder / _CHUNKS_FILE).read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if (folder / "bm25").is_dir() else None
        chunk_ids, doc_ids = list(payload["chunk_ids"]), list(payload["doc_ids"])
        if len(chunk_ids) != len(doc_ids) or (bm25 is not None) != bool(chunk_ids):
            raise ValueError(f"{folder} is inconsistent")
        return cls(chunk_ids, doc_ids, dict(payload["frequency"]), bm25, dict(payload["versions"]))


class LexicalStore:
    """Saved lexical indexes under one folder, one per corpus revision."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, revision: str) -> Path:
        return self.folder / f"v{FORMAT_VERSION}-{_TOKENISER_KEY}-{revision}"

    def load(self, revision: str, versions: dict[str, str] | None = None) -> LexicalIndex | None:
        """The index saved for ``revision``, if there is one and (given ``versions``) it was built from them."""
        path = self.path_for(revision)
        if not revision or not path.is_dir():
            return None
        try:
            lexical = LexicalIndex.load(path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("the saved BM25 index %s could not be read (%s); rebuilding it", path.name, exc)
            shutil.rmtree(path, ignore_errors=True)
            return None
        if versions is not None and lexical.versions != versions:
            logger.warning("the saved BM25 index %s is stale (an interrupted ingest?); rebuilding it", path.name)
            return None
        return lexical

    def save(self, revision: str, lexical: LexicalIndex) -> None:
        """Best effort: a full or read-only disk costs the next start a rebuild, not an answer."""
        if not revision:
            return
        try:
            lexical.save(self.path_for(revision))
            self._prune(keep=self.path_for(revision))
        except OSError as exc:
            logger.warning("could not save the BM25 index under %s: %s", self.folder, exc)

    def _prune(self, keep: Path) -> None:
        folders = [p for p in self.folder.iterdir() if p.is_dir()]
        saved = sorted(
            (p for p in folders if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True
        )
        # Half-written folders of a process that died while saving; a live writer renames its own within seconds.
        abandoned = [p for p in folders if p.name.startswith(".") and time.time() - p.stat().st_mtime > 3600]
        for old in [p for p in saved if p != keep][KEEP_REVISIONS - 1 :] + abandoned:
            shutil.rmtree(old, ignore_errors=True)
