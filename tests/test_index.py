from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from ingest.documents import Chunk, DocumentMeta
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import RETIRED_GRACE_SECONDS, CorpusIndex, make_client
from ingest.pipeline import Ingestor
from tests.documents import write_markdown
from tests.stores import open_registry


def _write_doc(folder: Path, version: str) -> Path:
    body = " ".join(
        f"Version {version} sentence {i} about the fictional Orla Protocol for drone labs." for i in range(40)
    )
    return write_markdown(folder / "orla.md", body, id="orla-protocol", title=f"Orla Protocol {version}")


def test_reingest_is_idempotent_and_updates_replace_chunks(
    tmp_path: Path, empty_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    ingestor = Ingestor(empty_index, embeddings)
    folder = tmp_path / "docs"
    folder.mkdir()
    _write_doc(folder, "one")
    (folder / "notes.txt").write_text("A short plain text note on export controls.", encoding="utf-8")

    first = ingestor.ingest_paths([folder])
    assert first.summary()["added"] == 2
    snapshot = sorted(c.chunk_id for c in empty_index.live_chunks())

    second = ingestor.ingest_paths([folder])
    assert second.summary() == {"added": 0, "updated": 0, "unchanged": 2, "failed": 0, "chunks": 0, "skipped": 0}
    assert sorted(c.chunk_id for c in empty_index.live_chunks()) == snapshot

    _write_doc(folder, "two")
    third = ingestor.ingest_paths([folder])
    assert third.summary()["updated"] == 1
    texts = [c.text for c in empty_index.live_chunks() if c.doc_id == "orla-protocol"]
    assert texts and all("Version two" in t for t in texts)
    assert empty_index.get_document("orla-protocol").title == "Orla Protocol two"


def test_readers_see_one_whole_version_during_a_replace(
    tmp_path: Path, empty_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    """A question asked while a document is being replaced sees the old or the new version, never both or neither."""
    ingestor = Ingestor(empty_index, embeddings)
    folder = tmp_path / "docs"
    folder.mkdir()
    ingestor.ingest_paths([_write_doc(folder, "one")])
    vector = embeddings.embed_query("Orla Protocol for drone labs")
    observed: list[set[str]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            hits = empty_index.search(vector, 50, empty_index.live_versions())
            observed.append({"one" if "Version one" in h.chunk.text else "two" for h in hits})

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        ingestor.ingest_paths([_write_doc(folder, "two")])
    finally:
        stop.set()
        thread.join()
    assert observed, "the reader never ran"
    assert all(len(seen) == 1 for seen in observed), observed
    assert empty_index.search(vector, 50, empty_index.live_versions())[0].chunk.text.startswith("Version two")


def test_a_version_being_written_nearer_the_question_does_not_hide_the_live_one(
    tmp_path: Path, empty_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    """CI caught a reader seeing neither version mid-replace: the not-yet-live passages filled every fetched slot.

    Here that moment is held still: the new version's passages are written (step 2 of a switch) but not switched
    in, and they sit nearer the question than the live passages do. A search still returns the live ones.
    """
    ingestor = Ingestor(empty_index, embeddings)
    folder = tmp_path / "docs"
    folder.mkdir()
    ingestor.ingest_paths([_write_doc(folder, "one")])
    live = empty_index.live_versions()
    live_count = len(empty_index.live_chunks(live))
    question = "Which export licence does the Orla Protocol require for drone labs?"
    pending = [
        Chunk(f"orla-protocol::pending::{i:04d}", "orla-protocol", i, f"{question} Draft {i}.", "", None)
        for i in range(40)
    ]
    vectors = np.asarray(embeddings.embed_documents([c.text for c in pending]))
    empty_index.stage_passages("orla-protocol", "pending", pending, vectors, "en", now=time.time())

    hits = empty_index.search(embeddings.embed_query(question), 3, live)

    assert len(hits) == min(3, live_count)
    assert all("Version one" in h.chunk.text for h in hits)


def _random_passages(doc_id: str, version: str, count: int, rng: np.random.Generator) -> tuple[list[Chunk], np.ndarray]:
    chunks = [
        Chunk(f"{doc_id}::{version}::{i:04d}", doc_id, i, f"{doc_id} passage {i}", "", None) for i in range(count)
    ]
    vectors = rng.normal(size=(count, 384)).astype(np.float32)
    return chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_reading_every_live_passage_is_not_thrown_off_by_a_sweep_meanwhile(
    tmp_path: Path, embeddings: MiniLMEmbeddings
) -> None:
    """Reading the live passages (the BM25 build after an ingest) while a sweep deletes retired versions stored
    before them still returns every one: paging over the whole store by offset skipped as many as were deleted."""
    registry = open_registry(tmp_path / "data")
    index = CorpusIndex(make_client(tmp_path / "data" / "index"), embeddings, registry, read_batch=7)
    rng = np.random.default_rng(7)
    long_ago = time.time() - RETIRED_GRACE_SECONDS - 60
    for n in range(30):  # the first versions, retired long ago, are stored ahead of every live passage
        meta = DocumentMeta(f"churn-{n:02d}", f"Churn {n}")
        for version in (f"old{n:02d}", f"new{n:02d}"):  # versions are content hashes: one per document
            chunks, vectors = _random_passages(meta.doc_id, version, 12, rng)
            index.replace_document(meta, version, chunks, vectors, now=long_ago)
    chunks, vectors = _random_passages("steady", "s1", 40, rng)
    index.replace_document(DocumentMeta("steady", "Steady"), "s1", chunks, vectors, now=long_ago)
    expected = len(index.live_chunks())
    seen: list[int] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            seen.append(len(index.live_chunks()))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(30):  # what a sweep does, one retired version at a time, each during a read
            reads = len(seen)
            assert index.delete_unused_version(f"churn-{n:02d}", f"old{n:02d}", time.time())
            deadline = time.monotonic() + 10
            while len(seen) == reads and time.monotonic() < deadline:
                time.sleep(0.005)
    finally:
        done.set()
        thread.join()
    assert expected == 30 * 12 + 40
    assert len(seen) >= 30, "the reader hardly ran while the sweep did"
    assert set(seen) == {expected}, sorted(set(seen))


def test_retired_versions_are_swept_after_the_grace_period(
    tmp_path: Path, empty_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    ingestor = Ingestor(empty_index, embeddings)
    folder = tmp_path / "docs"
    folder.mkdir()
    ingestor.ingest_paths([_write_doc(folder, "one")])
    ingestor.ingest_paths([_write_doc(folder, "two")])
    stored = empty_index._chunks.get(include=["metadatas"])["metadatas"]
    assert len({m["version"] for m in stored}) == 2  # the old version stays during the grace period
    import time

    assert empty_index.sweep_retired(now=time.time() + RETIRED_GRACE_SECONDS + 1) == 1
    remaining = {m["version"] for m in empty_index._chunks.get(include=["metadatas"])["metadatas"]}
    assert remaining == {empty_index.get_document("orla-protocol").version}


def test_remove_document(writable_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> None:
    before = len(writable_index.documents())
    removed = Ingestor(writable_index, embeddings).remove("asilomar-ai-principles")
    assert removed is not None and removed.doc_id == "asilomar-ai-principles"
    assert len(writable_index.documents()) == before - 1
    assert all(c.doc_id != "asilomar-ai-principles" for c in writable_index.live_chunks())
    assert Ingestor(writable_index, embeddings).remove("asilomar-ai-principles") is None


def test_bad_files_fail_alone_and_leave_nothing_behind(
    tmp_path: Path, empty_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_markdown(folder / "good.md", "Good content about dual-use research.", title="Good")
    (folder / "bad.md").write_text("---\ntitle: [broken\n---\nBody", encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    report = Ingestor(empty_index, embeddings).ingest_paths([folder, tmp_path / "missing.md"])
    assert report.summary()["added"] == 1
    failures = {Path(r.source).name: r.error for r in report.results if r.outcome == "failed"}
    assert set(failures) == {"bad.md", "empty.txt", "missing.md"}
    assert report.skipped == [str(folder / "photo.png")]
    assert [d.doc_id for d in empty_index.documents()] == ["good"]


def test_a_slow_rebuild_happens_in_the_background_and_questions_use_the_previous_view(
    tmp_path: Path, writable_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    import bot.core.retrieval as retrieval
    from ingest.index import make_client

    from .stores import open_registry

    gate = threading.Event()

    class GatedIndex(CorpusIndex):
        """Holds the background rebuild until the test has asked its first question."""

        def live_chunks(self, versions=None):  # type: ignore[no-untyped-def]
            if retriever._view is not None:
                gate.wait(30)
            return super().live_chunks(versions)

    copy = tmp_path / "index-copy"
    index = GatedIndex(make_client(copy / "index"), embeddings, open_registry(copy))
    retriever = retrieval.HybridRetriever(index, embeddings)
    retriever.refresh()
    retriever._last_build_seconds = retrieval.SYNC_REBUILD_SECONDS + 1  # as if the corpus were large
    folder = tmp_path / "docs"
    folder.mkdir()
    Ingestor(writable_index, embeddings).ingest_paths([_write_doc(folder, "one")])
    first = retriever.retrieve("Orla Protocol for drone labs")
    assert all(p.chunk.doc_id != "orla-protocol" for p in first.passages)  # served from the previous view
    gate.set()
    deadline = time.monotonic() + 30
    while retriever._rebuilding and time.monotonic() < deadline:
        time.sleep(0.05)
    assert retriever.retrieve("Orla Protocol for drone labs").passages[0].chunk.doc_id == "orla-protocol"
