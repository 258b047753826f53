"""Issue 14, items 11 and 13: ingest killed at any point, and concurrent ingests, leave index, BM25 and history in step.

The deterministic tests reproduce the state a ``kill -9`` leaves between a document's switch and the batch's
revision bump; the slow test kills real ``dualuse ingest`` processes at random moments, repeatedly.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.core.retrieval import HybridRetriever
from ingest.chunking import Chunker
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import RETIRED_GRACE_SECONDS, CorpusIndex
from ingest.loaders import load_bytes

from .stores import open_index

DOC = "# Quokka protocol\n\nThe quokka protocol governs zebrafish gene drive releases in {place} laboratories."


def _switch(index: CorpusIndex, embeddings: MiniLMEmbeddings, place: str, *, commit: bool) -> str:
    document = load_bytes(DOC.format(place=place).encode(), fmt="markdown", source="q.md", default_id="quokka")
    chunks = Chunker().chunk(document)
    vectors = np.asarray(embeddings.embed_documents([c.text for c in chunks]), dtype=np.float32)
    version = document.content_hash[:12]
    index.replace_document(document.meta, version, chunks, vectors, commit=commit)
    return version


def test_a_document_switched_live_by_an_interrupted_ingest_is_in_bm25_after_restart(
    writable_index: CorpusIndex, embeddings: MiniLMEmbeddings, tmp_path: Path
) -> None:
    cache = tmp_path / "lexical"
    HybridRetriever(writable_index, embeddings, lexical_cache=cache).refresh()  # BM25 saved for this revision
    version = _switch(writable_index, embeddings, "alpine", commit=False)  # killed before the revision bump
    restarted = HybridRetriever(writable_index, embeddings, lexical_cache=cache)
    found = [p for p in restarted.retrieve("quokka protocol zebrafish gene drive").passages if p.lexical > 0]
    assert found and found[0].chunk.chunk_id.startswith(f"quokka::{version}::")


def test_an_interrupted_update_never_quotes_the_old_text_under_the_new_record(
    writable_index: CorpusIndex, embeddings: MiniLMEmbeddings, tmp_path: Path
) -> None:
    cache = tmp_path / "lexical"
    _switch(writable_index, embeddings, "coastal", commit=True)
    HybridRetriever(writable_index, embeddings, lexical_cache=cache).refresh()
    new = _switch(writable_index, embeddings, "desert", commit=False)
    restarted = HybridRetriever(writable_index, embeddings, lexical_cache=cache)
    for passage in restarted.retrieve("quokka protocol coastal zebrafish laboratories").passages:
        if passage.document.doc_id == "quokka":
            assert passage.chunk.chunk_id.startswith(f"quokka::{new}::") and "desert" in passage.chunk.text


def test_writing_a_version_that_is_already_live_is_unchanged_and_records_no_event(
    writable_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    _switch(writable_index, embeddings, "polar", commit=True)
    document = load_bytes(DOC.format(place="polar").encode(), fmt="markdown", source="q.md", default_id="quokka")
    chunks = Chunker().chunk(document)
    vectors = np.asarray(embeddings.embed_documents([c.text for c in chunks]), dtype=np.float32)
    _, action = writable_index.switch_document(document.meta, document.content_hash[:12], chunks, vectors)
    assert action == "unchanged"
    assert [e.action for e in writable_index.history("quokka")] == ["added"]


# -- real processes ---------------------------------------------------------------------------------------------
def _dualuse() -> str:
    return str(Path(sys.executable).with_name("dualuse"))


def _write_corpus(folder: Path, generation: int, count: int = 24) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        words = " ".join(f"term{i}x{j}" for j in range(40))
        body = f"Document {i} of generation {generation} about marker{i}marker. " + words + ". " * 3
        (folder / f"doc{i:02d}.md").write_text(
            f'---\nid: doc{i:02d}\ntitle: "Doc {i}"\n---\n\n{body}\n\n{"More text in paragraph. " * (i % 5 * 20)}',
            encoding="utf-8",
        )


def _check_consistent(data_dir: Path, embeddings: MiniLMEmbeddings) -> dict[str, str]:
    index = open_index(data_dir, embeddings)
    versions = index.live_versions()
    live = index.live_chunks(versions)
    for record in index.documents():  # a live record has every one of its chunks
        assert sum(1 for c in live if c.doc_id == record.doc_id) == record.chunks, record.doc_id
    retriever = HybridRetriever(index, embeddings, lexical_cache=data_dir / "cache" / "lexical")
    for doc_id in versions:
        number = int(doc_id[3:])
        hits = [p for p in retriever.retrieve(f"marker{number}marker").passages if p.lexical > 0]
        assert hits and hits[0].document.doc_id == doc_id, doc_id
        assert hits[0].chunk.chunk_id.startswith(f"{doc_id}::{versions[doc_id]}::")
    return versions


def check_after_restart(data_dir: str) -> None:
    """Run in a fresh process (a restart): the consistency checks, then the live versions as JSON on stdout."""
    print(json.dumps(_check_consistent(Path(data_dir), MiniLMEmbeddings())))


def _restart_and_check(data_dir: Path) -> dict[str, str]:
    code = f"from tests.test_crash_safety import check_after_restart; check_after_restart({str(data_dir)!r})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parent.parent, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state


@pytest.mark.slow
def test_kill_9_at_random_points_of_ingest_then_a_rerun_repairs(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "docs"
    env = {**os.environ, "DUALUSE_DATA_DIR": str(data_dir)}
    rng = random.Random(14)
    for generation in range(3):
        _write_corpus(folder, generation)
        process = subprocess.Popen(
            [_dualuse(), "ingest", str(folder)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        time.sleep(rng.uniform(4.0, 12.0))
        children = _children(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # The kernel's parent-death signal and the closed pipes end them at once; a loaded machine may take a
        # moment to schedule their exit.
        deadline = time.monotonic() + 10.0
        while [c for c in children if _alive(c)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [c for c in children if _alive(c)], "the parser worker outlived a killed ingest"
        if (data_dir / "index").is_dir():
            _restart_and_check(data_dir)
    rerun = subprocess.run([_dualuse(), "ingest", "--json", str(folder)], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    versions = _restart_and_check(data_dir)
    assert len(versions) == 24
    with_generation = subprocess.run([_dualuse(), "ask", "--json", "marker5marker"], env=env, capture_output=True)
    assert b"generation 2" in with_generation.stdout
    index = open_index(data_dir, MiniLMEmbeddings())
    index.sweep_retired(now=time.time() + RETIRED_GRACE_SECONDS + 1)
    chunks = index._chunks.get(include=["metadatas"])["metadatas"]
    orphans = [m for m in chunks if versions.get(str(m["doc_id"])) != m["version"]]
    assert orphans == [], f"{len(orphans)} chunks of versions that are not live remain after a sweep"
    shutil.rmtree(data_dir)


@pytest.mark.slow
def test_two_concurrent_ingests_report_truthfully(tmp_path: Path, embeddings: MiniLMEmbeddings) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "docs"
    _write_corpus(folder, 0, count=12)
    env = {**os.environ, "DUALUSE_DATA_DIR": str(data_dir)}
    subprocess.run([_dualuse(), "sources"], env=env, capture_output=True, check=True)  # create the index first
    runs = [
        subprocess.Popen([_dualuse(), "ingest", "--json", str(folder)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    summaries = [json.loads(run.communicate(timeout=300)[0])["summary"] for run in runs]
    assert sum(s["added"] for s in summaries) == 12, summaries
    assert sum(s["unchanged"] for s in summaries) == 12 and all(s["updated"] == 0 for s in summaries), summaries
    index = open_index(data_dir, embeddings)
    for doc_id in index.live_versions():
        assert [e.action for e in index.history(doc_id)] == ["added"], doc_id
