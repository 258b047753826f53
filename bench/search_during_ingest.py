"""Dense search while documents are being replaced: what a question gets while the next version of every document
is written but not yet live (or, the same for search, while the previous versions wait out their grace period).

The shipped corpus is ingested into a fresh index; then further versions of every document (the same passages and
vectors under a new version) are written the way a switch writes one before the switch: registered as retired, its
passages upserted. Every copy sits at the same distance from a question as its live passage, so the not-live
passages compete for every slot of a fetch. One copy is a whole-corpus re-ingest in progress (or its grace period);
three are a document updated twice within the grace period while a third update is being written.

For each answerable golden question the script times ``CorpusIndex.search`` for the retriever's 30 dense candidates
and counts the live passages it returns, in the steady state and mid-replace. "One fetch" is the search before the
fix of 2026-12-04 (fetch ``max(3k, k+10)`` nearest passages once, keep the live ones), computed here beside it.

    python bench/search_during_ingest.py [--quick]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import _common
import numpy as np

from bot.app.evaluation import ANSWERABLE, load_golden
from bot.core.retrieval import CANDIDATES
from corpus import documents_dir, eval_dir
from ingest.documents import Chunk
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import _live_hits
from ingest.pipeline import Ingestor

REPEATS = 3


def one_fetch_live_count(index, vector: list[float], k: int, versions: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    """How many live passages the search before the fix returned: one fetch of max(3k, k+10), filtered."""
    fetch = min(max(k * 3, k + 10), max(index._chunks.count(), 1))
    results = index.vectorstore.similarity_search_by_vector_with_relevance_scores(vector, k=fetch)
    return len(_live_hits(results, versions, k))


def write_next_versions(index, round_: int) -> int:  # type: ignore[no-untyped-def]
    """Stage a not-yet-live copy of every live document's passages, as a switch does before it switches."""
    written = 0
    for doc_id, version in index.live_versions().items():
        got = index._chunks.get(
            where={"$and": [{"doc_id": doc_id}, {"version": version}]}, include=["embeddings", "documents", "metadatas"]
        )
        pending = f"{version}-next{round_}"
        chunks = [
            Chunk(f"{doc_id}::{pending}::{int(m['index']):04d}", doc_id, int(m["index"]), text, "", None)
            for text, m in zip(got["documents"], got["metadatas"], strict=True)
        ]
        index.stage_passages(doc_id, pending, chunks, np.asarray(got["embeddings"]), "en", now=time.time())
        written += len(chunks)
    return written


def measure(index, vectors: list[list[float]], versions: dict[str, str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    timings: list[float] = []
    short_now = short_before = before_total = 0
    for vector in vectors:
        for _ in range(REPEATS):
            started = time.perf_counter()
            hits = index.search(vector, CANDIDATES, versions)
            timings.append((time.perf_counter() - started) * 1000)
        short_now += len(hits) < CANDIDATES
        before = one_fetch_live_count(index, vector, CANDIDATES, versions)
        short_before += before < CANDIDATES
        before_total += before
    return {
        "p50": _common.percentile(timings, 50),
        "p95": _common.percentile(timings, 95),
        "short_now": short_now,
        "short_before": short_before,
        "mean_before": before_total / max(len(vectors), 1),
    }


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    questions = [q for q in load_golden([eval_dir()]) if q.category in ANSWERABLE]
    if args.quick:
        questions = questions[::10]
    embeddings = MiniLMEmbeddings()
    vectors = [embeddings.embed_query(q.question) for q in questions]
    load = _common.load_average()
    with tempfile.TemporaryDirectory() as tmp:
        index = _common.open_index(Path(tmp) / "index", embeddings)
        Ingestor(index, embeddings).ingest_paths([documents_dir()])
        versions = index.live_versions()
        live = len(index.live_chunks(versions))
        measure(index, vectors[:5], versions)  # warm-up
        states = [("steady", live, measure(index, vectors, versions))]
        stored = live
        for round_ in range(1, 4):
            stored += write_next_versions(index, round_)
            if round_ in (1, 3):
                label = f"{round_} not-live cop{'y' if round_ == 1 else 'ies'} of every passage"
                states.append((label, stored, measure(index, vectors, versions)))

    rows = [
        (
            state,
            f"{count:,}",
            f"{m['p50']:.1f}",
            f"{m['p95']:.1f}",
            f"{m['short_before']} (mean {m['mean_before']:.1f} live)",
            m["short_now"],
        )
        for state, count, m in states
    ]
    body = "\n\n".join(
        [
            f"Measured {_common.timestamp()}. {len(questions)} answerable golden questions, each searched "
            f"{REPEATS} times warm for the retriever's {CANDIDATES} dense candidates; {live:,} live passages "
            f"(the shipped corpus). Load average at start: {load}.",
            f"Command: `{_common.command_line(['--quick'] if args.quick else [])}`",
            _common.markdown_table(
                [
                    "state",
                    "passages stored",
                    "search p50 ms",
                    "search p95 ms",
                    f"questions given < {CANDIDATES} live passages, one fetch (before)",
                    f"questions given < {CANDIDATES} live passages, now",
                ],
                rows,
            ),
        ]
    )
    _common.publish("search_during_ingest", body, args)


if __name__ == "__main__":
    main()
