"""Query latency and memory at 1k, 10k and 100k chunks: the shipped corpus plus synthetic distractor documents.

For each size the index holds the 33 real documents (ingested normally) and synthetic documents of 100 chunks each,
written through ``CorpusIndex.replace_document`` and one ``commit`` (real Chroma collection, real document records),
so retrieval (Chroma HNSW + BM25 over every live chunk) and answering are the product's own code paths at that scale.

Synthetic text comes from a Markov chain trained on the corpus (``_synthetic.py``). Only ``--base`` distinct chunks
(default 1,000) are embedded with MiniLM; the rest are near duplicates of them (sentences shuffled, a few words
swapped) whose vectors are the base vector plus small noise (cosine ~0.95).

Each size is built in one fresh process and queried in another, so the query process's peak RSS
(``getrusage``) is that of a server holding that index: model, Chroma and the BM25 index. The first query process
builds the BM25 index and saves it, as the product does; a second process then restarts on the same index and
reads it back, which is what every later start of the bot costs. The
queries are the answerable golden questions, timed warm (after a warm-up pass): ``HybridRetriever.retrieve`` and
``AnswerEngine.ask`` (safety check, retrieval, sentence scoring, extractive answer). The "answered" column shows the
answer path ran to the end (not a no-answer shortcut); retrieval quality is not scored here, because the synthetic
distractors are made of the corpus's own sentences' words and would measure the generator, not the retriever.

    python bench/query_latency.py [--quick] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common
import numpy as np

DOC_CHUNKS = 100  # chunks per synthetic document (a long report)
RESTART_QUESTIONS = 20  # the restart run measures loading and memory; latency comes from the first run
SENTENCES_PER_CHUNK = 6


# -- worker: prepare the base texts and vectors (once) ---------------------------------------------------------
def prepare(workdir: Path, base: int) -> None:
    from _synthetic import MarkovText

    from corpus import documents_dir
    from ingest.embeddings import MiniLMEmbeddings
    from ingest.loaders import load_file

    sections = [s.text for p in sorted(documents_dir().rglob("*.md")) for s in load_file(p).sections]
    markov = MarkovText(sections)
    texts = [markov.passage(SENTENCES_PER_CHUNK) for _ in range(base)]
    titles = [markov.title() for _ in range(base)]
    started = time.perf_counter()
    vectors = MiniLMEmbeddings().embed_array(texts)
    seconds = time.perf_counter() - started
    np.save(workdir / "base.npy", vectors)
    (workdir / "base.json").write_text(json.dumps({"texts": texts, "titles": titles, "embed_seconds": seconds}))


# -- worker: build one index -------------------------------------------------------------------------------------
def build(workdir: Path, size: int) -> dict[str, float]:
    from _synthetic import MarkovText, perturb

    from corpus import documents_dir
    from ingest.documents import Chunk, DocumentMeta
    from ingest.embeddings import MiniLMEmbeddings
    from ingest.pipeline import Ingestor

    base = json.loads((workdir / "base.json").read_text())
    texts, titles, vectors = base["texts"], base["titles"], np.load(workdir / "base.npy")
    markov = MarkovText([])
    markov.vocabulary = sorted({w for t in texts for w in t.split() if w.isalpha() and len(w) > 3})
    embeddings = MiniLMEmbeddings()
    index = _common.open_index(workdir / f"index-{size}", embeddings)
    report = Ingestor(index, embeddings).ingest_paths([documents_dir()])
    assert not report.failed, report.summary()
    real = report.chunks_written
    started = time.perf_counter()
    synthetic = max(size - real, 0)
    for doc_number, first in enumerate(range(0, synthetic, DOC_CHUNKS)):
        positions = range(first, min(first + DOC_CHUNKS, synthetic))
        doc_id = f"synthetic-{doc_number:05d}"
        version = hashlib.sha256(doc_id.encode()).hexdigest()[:12]
        chunk_texts, chunk_vectors = [], []
        for j in positions:
            b, copy = j % len(texts), j // len(texts)
            chunk_texts.append(texts[b] if copy == 0 else markov.variant(texts[b], seed=j))
            chunk_vectors.append(vectors[b] if copy == 0 else perturb(vectors[b : b + 1], seed=j)[0])
        chunks = [
            Chunk(f"{doc_id}::{version}::{i:04d}", doc_id, i, text, f"Part {i // 10 + 1}", None, len(text.split()))
            for i, text in enumerate(chunk_texts)
        ]
        meta = DocumentMeta(doc_id, titles[doc_number % len(titles)], "other", "Synthetic", "2025-01-01")
        index.replace_document(meta, version, chunks, np.asarray(chunk_vectors, dtype=np.float32), commit=False)
    index.commit()  # one revision bump for the batch, as a folder ingest does
    return {"real_chunks": real, "chunks": real + synthetic, "write_seconds": time.perf_counter() - started}


# -- worker: query one index in a fresh process --------------------------------------------------------------------
def query(workdir: Path, size: int, limit: int) -> dict[str, object]:
    from bot.app.evaluation import ANSWERABLE, load_golden
    from bot.core.engine import AnswerEngine
    from bot.core.retrieval import HybridRetriever
    from bot.settings import Settings
    from corpus import eval_dir
    from ingest.embeddings import MiniLMEmbeddings

    questions = [q for q in load_golden([eval_dir()]) if q.category in ANSWERABLE and q.expected_docs][:limit]
    started = time.perf_counter()
    embeddings = MiniLMEmbeddings()
    index = _common.open_index(workdir / f"index-{size}", embeddings)
    defaults = Settings.model_fields
    retriever = HybridRetriever(
        index,
        embeddings,
        top_k=defaults["top_k"].default,
        max_per_doc=defaults["max_chunks_per_doc"].default,
        lexical_cache=workdir / f"lexical-{size}",  # as the product runs: built once, then read on each start
    )
    engine = AnswerEngine(retriever, embeddings)
    opened = time.perf_counter() - started
    started = time.perf_counter()
    retriever.refresh()  # what a start pays: document records, then the BM25 index (built, or read if saved)
    first_load = time.perf_counter() - started
    rss_loaded = _current_rss_mib()

    for q in questions[:5]:
        engine.ask(q.question)  # warm-up
    versions = index.live_versions()
    retrieval_ms, answer_ms, embed_ms, dense_ms = [], [], [], []
    answered = 0
    for q in questions:
        t0 = time.perf_counter()
        vector = embeddings.embed_query(q.question)
        t1 = time.perf_counter()
        index.search(vector, 30, versions)
        t2 = time.perf_counter()
        retriever.retrieve(q.question)
        t3 = time.perf_counter()
        answer = engine.ask(q.question)
        t4 = time.perf_counter()
        embed_ms.append((t1 - t0) * 1000)
        dense_ms.append((t2 - t1) * 1000)
        retrieval_ms.append((t3 - t2) * 1000)
        answer_ms.append((t4 - t3) * 1000)
        answered += answer.status == "answered"
    return {
        "questions": len(questions),
        "open_seconds": opened,
        "first_load_seconds": first_load,
        "rss_loaded_mib": rss_loaded,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "retrieval_ms": retrieval_ms,
        "answer_ms": answer_ms,
        "embed_ms": embed_ms,
        "dense_ms": dense_ms,
        "answered": answered,
    }


def _current_rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / (1024 * 1024)


# -- the orchestrator -----------------------------------------------------------------------------------------------
def _run_worker(*argv: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", *argv]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker {' '.join(argv)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = _common.parse_args(
        __doc__.splitlines()[0],
        [
            ("--sizes", {"default": "1000,10000,100000", "help": "Total chunk counts (default 1000,10000,100000)."}),
            ("--base", {"type": int, "default": 1000, "help": "Distinct synthetic chunks to embed (default 1000)."}),
            ("--workdir", {"type": Path, "help": "Keep the indexes here (default: a temporary folder)."}),
            ("--worker", {"nargs": "+", "help": argparse.SUPPRESS}),  # internal: one step in this process
        ],
    )
    if args.worker:
        step, workdir, *rest = args.worker
        if step == "prepare":
            prepare(Path(workdir), int(rest[0]))
            print(json.dumps({}))
        elif step == "build":
            print(json.dumps(build(Path(workdir), int(rest[0]))))
        else:
            print(json.dumps(query(Path(workdir), int(rest[0]), int(rest[1]))))
        return

    sizes = [500, 2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    base, limit = (200, 20) if args.quick else (args.base, 1000)
    with tempfile.TemporaryDirectory(prefix="dualuse-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"embedding {base} distinct synthetic chunks ...", file=sys.stderr)
        load_prepare = _common.load_average()
        _run_worker("prepare", str(workdir), str(base))
        embed_seconds = json.loads((workdir / "base.json").read_text())["embed_seconds"]
        results = []
        for size in sizes:
            print(f"{size} chunks: building ...", file=sys.stderr)
            load_build = _common.load_average()
            started = time.perf_counter()
            built = _run_worker("build", str(workdir), str(size))
            built["build_seconds"] = time.perf_counter() - started
            print(f"{size} chunks: querying ...", file=sys.stderr)
            load_query = _common.load_average()
            measured = _run_worker("query", str(workdir), str(size), str(limit))
            # A restart on the same index: the BM25 index the first query process saved is read, not rebuilt.
            load_restart = _common.load_average()
            restart = _run_worker("query", str(workdir), str(size), str(RESTART_QUESTIONS))
            results.append(
                {
                    "size": size,
                    "load_build": load_build,
                    "load_query": load_query,
                    "load_restart": load_restart,
                    "restart": restart,
                    **built,
                    **measured,
                }
            )
    _publish(results, base, embed_seconds, load_prepare, args)


def _publish(results: list[dict], base: int, embed_seconds: float, load_prepare: str, args) -> None:
    p = _common.percentile
    rows = []
    for r in results:
        rows.append(
            (
                f"{r['chunks']:,}",
                f"{p(r['retrieval_ms'], 50):.0f}",
                f"{p(r['retrieval_ms'], 95):.0f}",
                f"{p(r['answer_ms'], 50):.0f}",
                f"{p(r['answer_ms'], 95):.0f}",
                f"{p(r['embed_ms'], 50):.0f}",
                f"{p(r['dense_ms'], 50):.0f}",
                f"{r['first_load_seconds']:.1f}",
                f"{r['rss_loaded_mib']:.0f}",
                f"{r['peak_rss_mib']:.0f}",
                f"{r['answered']}/{r['questions']}",
                r["load_query"],
            )
        )
    headers = (
        "chunks",
        "retrieval p50 ms",
        "retrieval p95 ms",
        "answer p50 ms",
        "answer p95 ms",
        "query embedding alone p50 ms",
        "Chroma search alone p50 ms",
        "first start loads index (builds BM25), s",
        "RSS after index load MiB",
        "peak RSS MiB",
        "answered",
        "load avg at query start",
    )
    build_rows = [
        (
            f"{r['chunks']:,}",
            f"{r['build_seconds']:.0f}",
            f"{r['write_seconds']:.0f}",
            f"{(r['chunks'] - r['real_chunks']) / max(r['write_seconds'], 1e-9):.0f}",
            r["load_build"],
        )
        for r in results
    ]
    restart_rows = [
        (
            f"{r['chunks']:,}",
            f"{r['first_load_seconds']:.1f}",
            f"{r['restart']['first_load_seconds']:.1f}",
            f"{r['rss_loaded_mib']:.0f}",
            f"{r['restart']['rss_loaded_mib']:.0f}",
            f"{r['peak_rss_mib']:.0f}",
            f"{r['restart']['peak_rss_mib']:.0f}",
            r["load_restart"],
        )
        for r in results
    ]
    growth = []
    for a, b in zip(results, results[1:], strict=False):
        factor = b["chunks"] / a["chunks"]
        growth.append(
            f"{a['chunks']:,} -> {b['chunks']:,} chunks (x{factor:.0f}): retrieval p50 "
            f"x{p(b['retrieval_ms'], 50) / p(a['retrieval_ms'], 50):.2f}, answer p50 "
            f"x{p(b['answer_ms'], 50) / p(a['answer_ms'], 50):.2f}, first-query index load "
            f"x{b['first_load_seconds'] / a['first_load_seconds']:.1f}, peak RSS "
            f"+{b['peak_rss_mib'] - a['peak_rss_mib']:.0f} MiB"
        )
    body = "\n".join(
        [
            f"Measured {_common.timestamp()}. {results[0]['questions']} answerable golden questions per size, warm, "
            f"one at a time; each size queried in its own fresh process. {base} distinct synthetic chunks embedded "
            f"with MiniLM ({embed_seconds:.0f} s, load average {load_prepare}); the rest are perturbed near "
            f"duplicates (see the script's docstring).",
            "",
            "Command: `" + _common.command_line() + "`",
            "",
            _common.markdown_table(headers, rows),
            "",
            "Growth: " + "; ".join(growth) + "." if growth else "",
            "",
            "Restarting on the same index (a new process; the BM25 index the first start saved under the data "
            f"directory is read instead of rebuilt; {RESTART_QUESTIONS} questions answered for the peak):",
            "",
            _common.markdown_table(
                (
                    "chunks",
                    "index load s, first start",
                    "index load s, restart",
                    "RSS after load MiB, first start",
                    "RSS after load MiB, restart",
                    "peak RSS MiB, first start",
                    "peak RSS MiB, restart",
                    "load avg at restart",
                ),
                restart_rows,
            ),
            "",
            "Building each index (fresh process: real corpus ingest with embeddings, then synthetic documents of "
            f"{DOC_CHUNKS} chunks written through `CorpusIndex.replace_document`, one `commit` at the end):",
            "",
            _common.markdown_table(
                ("chunks", "build s (total)", "synthetic writes s", "synthetic chunks written/s", "load avg at start"),
                build_rows,
            ),
        ]
    )
    _common.publish("query_latency", body, args)


if __name__ == "__main__":
    main()
