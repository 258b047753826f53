"""The BM25 index is saved per corpus revision and read back on the next start instead of rebuilt."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.lexical import KEEP_REVISIONS, LexicalStore
from bot.core.retrieval import HybridRetriever
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from ingest.pipeline import Ingestor
from tests.documents import write_markdown

QUESTIONS = [
    "Which Swedish universities hosted the first student workshop?",
    "what does the ACM code say about avoiding harm?",
    "has the UN chief proposed any mechanism for holding governments to account for state-sponsored hacking?",
]


def _ranking(retriever: HybridRetriever, question: str) -> list[tuple[str, float]]:
    return [(p.chunk.chunk_id, round(p.lexical, 6)) for p in retriever.retrieve(question).passages]


def _sources(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrieval index loaded")]


def test_a_second_start_reads_the_saved_index_and_ranks_the_same(
    tmp_path: Path, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.retrieval")
    cache = tmp_path / "lexical"
    first = HybridRetriever(shipped_index, embeddings, lexical_cache=cache)
    expected = [_ranking(first, q) for q in QUESTIONS]
    second = HybridRetriever(shipped_index, embeddings, lexical_cache=cache)
    assert [_ranking(second, q) for q in QUESTIONS] == expected
    assert "BM25 built" in _sources(caplog)[0] and "BM25 read from disk" in _sources(caplog)[1]
    assert [p.chunk.text for p in second.retrieve(QUESTIONS[0]).passages] == [
        p.chunk.text for p in first.retrieve(QUESTIONS[0]).passages
    ]
    uncached = HybridRetriever(shipped_index, embeddings)
    assert [_ranking(uncached, q) for q in QUESTIONS] == expected


def test_a_damaged_saved_index_is_rebuilt(
    tmp_path: Path, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "lexical"
    expected = _ranking(HybridRetriever(shipped_index, embeddings, lexical_cache=cache), QUESTIONS[0])
    (LexicalStore(cache).path_for(shipped_index.revision()) / "chunks.json").write_text('{"chunk_ids": [', "utf-8")
    caplog.set_level(logging.INFO)
    assert _ranking(HybridRetriever(shipped_index, embeddings, lexical_cache=cache), QUESTIONS[0]) == expected
    assert any("could not be read" in r.getMessage() for r in caplog.records)
    assert "BM25 built" in _sources(caplog)[-1]


def test_a_corpus_change_gets_a_new_saved_index_and_old_ones_are_pruned(
    tmp_path: Path, writable_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    cache = tmp_path / "lexical"
    retriever = HybridRetriever(writable_index, embeddings, lexical_cache=cache)
    retriever.refresh()
    folder = tmp_path / "docs"
    folder.mkdir()
    for version in ("one", "two", "three"):
        body = f"The Orla Protocol, version {version}, governs drone labs that share flight logs. " * 5
        write_markdown(folder / "orla.md", body, id="orla-protocol", title=f"Orla Protocol {version}")
        Ingestor(writable_index, embeddings).ingest_paths([folder])
        # A process started now reads the saved index of the new revision, which knows the new document.
        restarted = HybridRetriever(writable_index, embeddings, lexical_cache=cache)
        top = restarted.retrieve("Orla Protocol drone labs flight logs").passages[0]
        assert top.chunk.doc_id == "orla-protocol" and version in top.chunk.text and top.lexical > 0
    assert LexicalStore(cache).path_for(writable_index.revision()).is_dir()
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == KEEP_REVISIONS


def test_an_unwritable_cache_costs_a_rebuild_not_an_answer(
    tmp_path: Path, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    caplog.set_level(logging.WARNING)
    retriever = HybridRetriever(shipped_index, embeddings, lexical_cache=blocked / "lexical")
    assert retriever.retrieve(QUESTIONS[0]).passages
    assert any("could not save the BM25 index" in r.getMessage() for r in caplog.records)


def test_a_large_saved_index_still_rebuilds_in_the_background(
    tmp_path: Path, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reading a saved index takes no time, but rebuilding the same corpus after a change would; the retriever must
    # judge by the corpus size, not by how fast the read was.
    import bot.core.retrieval as retrieval

    cache = tmp_path / "lexical"
    HybridRetriever(shipped_index, embeddings, lexical_cache=cache).refresh()
    monkeypatch.setattr(retrieval, "BUILD_SECONDS_PER_CHUNK", retrieval.SYNC_REBUILD_SECONDS)  # as if huge
    restarted = HybridRetriever(shipped_index, embeddings, lexical_cache=cache)
    restarted.refresh()
    assert restarted._last_build_seconds > retrieval.SYNC_REBUILD_SECONDS
