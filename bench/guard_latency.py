"""What the misuse guard adds to each question: the guard's own work (normalisation, rules, features, the
classifier's heads, compound parts and conversation context) on top of the question embedding the engine computes
anyway, and the whole assessment with that embedding included for comparison.

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
from corpus import safety_blind_dir
from ingest.embeddings import MiniLMEmbeddings


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    requests = load_requests([safety_blind_dir()])
    if args.quick:
        requests = requests[::20]
    embeddings = MiniLMEmbeddings()
    load = _common.load_average()

    cold_ms: list[float] = []
    for request in requests:  # a fresh cache per request: the embedding is part of the time
        guard = MisuseGuard(SentenceVectors(embeddings))
        started = time.perf_counter()
        guard.assess(request.text, history=request.history)
        cold_ms.append((time.perf_counter() - started) * 1000)

    vectors = SentenceVectors(embeddings, capacity=10_000)
    guard = MisuseGuard(vectors)
    for request in requests:
        guard.assess(request.text, history=request.history)
    warm_ms: list[float] = []
    for _ in range(1 if args.quick else 3):
        for request in requests:
            started = time.perf_counter()
            guard.assess(request.text, history=request.history)
            warm_ms.append((time.perf_counter() - started) * 1000)

    rows = [
        ("guard's own work (question vector cached, as in the engine)", *_figures(warm_ms)),
        ("whole assessment including the embedding(s)", *_figures(cold_ms)),
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
