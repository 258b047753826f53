"""Run every benchmark in turn, each in its own process, and refresh docs/benchmarks.md.

    python bench/run_all.py [--quick]

About 10-15 minutes on two cores; ``--quick`` checks that the scripts work in a few minutes and saves nothing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = (
    "retrieval_quality.py",
    "answer_baselines.py",
    "sentence_ceiling.py",
    "ingest_throughput.py",
    "cold_start.py",
    "query_latency.py",
    "search_during_ingest.py",
    "live_read.py",
    "guard_latency.py",
    "slack_load.py",
)


def main() -> None:
    here = Path(__file__).resolve().parent
    extra = [a for a in sys.argv[1:] if a in ("--quick", "--no-write")]
    failed = []
    for script in SCRIPTS:
        started = time.perf_counter()
        print(f"== {script}", flush=True)
        done = subprocess.run([sys.executable, str(here / script), *extra], check=False)
        print(f"== {script}: {'ok' if done.returncode == 0 else 'FAILED'} in {time.perf_counter() - started:.0f} s\n")
        if done.returncode != 0:
            failed.append(script)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
