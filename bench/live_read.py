"""Reading every live passage at 100k passages (what the BM25 build and the multilingual matrix start from): pages
over the live versions' passages (now) against pages over the whole store by offset (before 2026-12-04, when a
sweep between two pages could make the reader skip live passages).

The index holds 1,000 documents of 100 passages (random unit vectors and 120 random words each; the read never
looks at the vectors), written through ``CorpusIndex.replace_document`` with one ``commit`` at the end. Each method
reads the whole live corpus three times; the table gives each one's median.

    python bench/live_read.py [--quick]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import _common
import numpy as np

from ingest.documents import Chunk, DocumentMeta
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import _chunk_from, _is_live, _rows

PASSAGES_PER_DOCUMENT = 100
REPEATS = 3


def read_by_offset(index, versions: dict[str, str], batch: int = 5000) -> list[Chunk]:  # type: ignore[no-untyped-def]
    """The read before the fix: the whole store page by page, keeping the live passages."""
    out: list[Chunk] = []
    offset = 0
    while True:
        got = index._chunks.get(include=["documents", "metadatas"], limit=batch, offset=offset)
        out.extend(_chunk_from(i, t, m) for i, t, m in _rows(got) if _is_live(m, versions))
        if len(got["ids"]) < batch:
            return out
        offset += batch


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    documents = 50 if args.quick else 1000
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        index = _common.open_index(Path(tmp) / "index", MiniLMEmbeddings())
        started = time.perf_counter()
        for d in range(documents):
            doc_id = f"synthetic-{d:04d}"
            words = rng.integers(5000, size=(PASSAGES_PER_DOCUMENT, 120))
            chunks = [
                Chunk(f"{doc_id}::v{d}::{i:04d}", doc_id, i, " ".join(f"w{w}" for w in row), "", None)
                for i, row in enumerate(words)
            ]
            vectors = rng.normal(size=(PASSAGES_PER_DOCUMENT, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            index.replace_document(DocumentMeta(doc_id, f"Synthetic {d}"), f"v{d}", chunks, vectors, commit=False)
        index.commit()
        build = time.perf_counter() - started
        versions = index.live_versions()
        load = _common.load_average()
        seconds: dict[str, list[float]] = {"now": [], "before": []}
        counts: dict[str, int] = {}
        for _ in range(REPEATS):
            for name, read in (("now", index.live_chunks), ("before", read_by_offset)):
                started = time.perf_counter()
                got = read(versions) if name == "now" else read(index, versions)
                seconds[name].append(time.perf_counter() - started)
                counts[name] = len(got)

    passages = documents * PASSAGES_PER_DOCUMENT
    labels = {
        "before": "pages over the whole store by offset (before)",
        "now": "pages over the live versions' passages (now)",
    }
    rows = [(labels[name], f"{counts[name]:,}", statistics.median(seconds[name])) for name in ("before", "now")]
    body = "\n\n".join(
        [
            f"Measured {_common.timestamp()}. {documents:,} documents of {PASSAGES_PER_DOCUMENT} passages "
            f"({passages:,} passages, built in {build:.0f} s); each read {REPEATS} times, median shown. "
            f"Load average before the reads: {load}.",
            f"Command: `{_common.command_line(['--quick'] if args.quick else [])}`",
            _common.markdown_table(
                ["read", "passages read", "seconds"], [(name, n, f"{s:.2f}") for name, n, s in rows]
            ),
        ]
    )
    _common.publish("live_read", body, args)


if __name__ == "__main__":
    main()
