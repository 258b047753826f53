"""What the misuse guard adds to each question: the guard's own work (normalisation, rules, features, the
classifier's heads, compound parts and conversation context) on top of the question embeddings, then what the
product pays today (the MiniLM vector is shared with retrieval; the multilingual-e5 vector is the guard's own), and
the whole assessment with every embedding included for comparison.

The questions are the guard's blind split (the harmful and benign requests of ``corpus/safety/blind``), each timed
warm: the first pass fills the question-vector cache the engine shares with the guard, the timed passes measure
``MisuseGuard.assess`` with the vector already cached (what a question costs the guard in the product), and then
with an empty cache (embedding included). The goal (issue 11) is at most 5 ms at p95 for the guard's own work.

    python bench/guard_latency.py [--quick]
"""

from __future__ import annotations

import time

import _common

from bot.core.extractive import SentenceVectors
from bot.core.guard import MisuseGuard
from bot.core.guard.data import load_requests
from bot.core.vector_cache import VectorCache
from corpus import safety_blind_dir
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    requests = load_requests([safety_blind_dir()])
    if args.quick:
        requests = requests[::20]
    embeddings = MiniLMEmbeddings()
    multilingual = MultilingualE5Embeddings()
    load = _common.load_average()

    cold_ms: list[float] = []
    for request in requests:  # fresh caches per request: every embedding is part of the time
        guard = MisuseGuard(SentenceVectors(embeddings), multilingual=VectorCache(multilingual.embed_queries))
        started = time.perf_counter()
        guard.assess(request.text, history=request.history)
        cold_ms.append((time.perf_counter() - started) * 1000)

    vectors = SentenceVectors(embeddings, capacity=10_000)
    for request in requests:
        vectors([request.text])  # the engine embeds the question for retrieval anyway
    product_ms: list[float] = []
    for request in requests:  # MiniLM shared with retrieval, the multilingual vector computed for the guard
        guard = MisuseGuard(vectors, multilingual=VectorCache(multilingual.embed_queries))
        started = time.perf_counter()
        guard.assess(request.text, history=request.history)
        product_ms.append((time.perf_counter() - started) * 1000)

    guard = MisuseGuard(vectors, multilingual=VectorCache(multilingual.embed_queries, capacity=10_000))
    for request in requests:
        guard.assess(request.text, history=request.history)
    warm_ms: list[float] = []
    for _ in range(1 if args.quick else 3):
        for request in requests:
            started = time.perf_counter()
            guard.assess(request.text, history=request.history)
            warm_ms.append((time.perf_counter() - started) * 1000)

    rows = [
        ("guard's own work (every vector cached)", *_figures(warm_ms)),
        ("in the product today (MiniLM shared with retrieval, multilingual-e5 the guard's own)", *_figures(product_ms)),
        ("whole assessment including every embedding", *_figures(cold_ms)),
    ]
    body = "\n".join(
        [
            f"Measured {_common.timestamp()} over {len(requests)} requests of the blind split; load average "
            f"{load} (`uptime`). Command: `{_common.command_line()}`",
            "",
            _common.markdown_table(("what", "p50 ms", "p95 ms", "max ms"), rows),
        ]
    )
    _common.publish("guard_latency", body, args)


def _figures(values: list[float]) -> tuple[str, str, str]:
    return (f"{_common.percentile(values, 50):.2f}", f"{_common.percentile(values, 95):.2f}", f"{max(values):.2f}")


if __name__ == "__main__":
    main()
