"""Real stores for tests, laid out like a data directory: Chroma in ``folder/index``, the database (migrated to
the newest revision, as the composition root does) in ``folder/dualuse.sqlite3``."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from bot.answerlog import open_database
from ingest.index import CorpusIndex, make_client
from ingest.registry import DocumentRegistry


def open_registry(folder: Path) -> DocumentRegistry:
    folder.mkdir(parents=True, exist_ok=True)
    return DocumentRegistry(open_database(f"sqlite:///{folder / 'dualuse.sqlite3'}"))


def open_index(folder: Path, embeddings: Embeddings) -> CorpusIndex:
    """The index of the data directory ``folder``."""
    registry = open_registry(folder)
    return CorpusIndex(make_client(folder / "index"), embeddings, registry)


def close(index: CorpusIndex) -> None:
    """Let go of the database (SQLite folds its write-ahead log back in), e.g. before copying the folder."""
    index.registry.engine.dispose()
