"""Cold start: from process start to the first answer, `dualuse ask --json` as a subprocess.

The data directory is indexed once (the first-ever run, which indexes the shipped corpus, is reported too); then
each run starts a new process on it and waits for the JSON answer. Processes are cold; the operating system's file
cache is warm after the first run (dropping it would disturb the other users of a shared machine).

    python bench/cold_start.py [--quick]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

QUESTION = "What does the UN say about autonomous weapons?"


def dualuse_command() -> str:
    beside = Path(sys.executable).parent / "dualuse"
    found = str(beside) if beside.exists() else shutil.which("dualuse")
    if not found:
        raise SystemExit("the 'dualuse' command is not installed in this environment: pip install -e .")
    return found


def timed_run(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    args = _common.parse_args(
        __doc__.splitlines()[0], [("--runs", {"type": int, "default": 7, "help": "Cold starts to time (default 7)."})]
    )
    runs = 2 if args.quick else args.runs
    dualuse = dualuse_command()
    with tempfile.TemporaryDirectory(prefix="dualuse-bench-") as tmp:
        workdir = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DUALUSE_"))}
        env["DUALUSE_DATA_DIR"] = str(workdir / "data")
        ask = [dualuse, "ask", "--json", QUESTION]

        load_first = _common.load_average()
        first_seconds, output = timed_run(ask, env, workdir)  # empty data dir: indexes the shipped corpus first
        first = json.loads(output)
        assert first["status"] == "answered", first

        help_seconds = [timed_run([dualuse, "--help"], env, workdir)[0] for _ in range(runs)]
        loads, totals, engine_ms = [], [], []
        for _ in range(runs):
            loads.append(_common.load_average())
            seconds, output = timed_run(ask, env, workdir)
            answer = json.loads(output)
            assert answer["status"] == "answered", answer
            totals.append(seconds)
            engine_ms.append(float(answer["latency_ms"]))

    median_total = _common.median(totals)
    median_engine = _common.median(engine_ms) / 1000
    rows = [
        (
            "`dualuse ask --json` on an indexed data dir: start to answer",
            f"**{median_total:.2f}**",
            f"{min(totals):.2f}-{max(totals):.2f}",
        ),
        ("  of which answering inside the process (`latency_ms`)", f"{median_engine:.2f}", ""),
        (
            "  of which start-up: interpreter, imports, model, index, BM25 build",
            f"{median_total - median_engine:.2f}",
            "",
        ),
        ("`dualuse --help` (interpreter and CLI imports only)", f"{_common.median(help_seconds):.2f}", ""),
        ("first-ever `dualuse ask` on an empty data dir (indexes the corpus)", f"{first_seconds:.2f}", "1 run"),
    ]
    body = "\n".join(
        [
            f"Measured {_common.timestamp()}; load average before each timed run: {'; '.join(loads)} (`uptime`); "
            f"before the first-ever run: {load_first}.",
            f'Median of {runs} runs of `dualuse ask --json "{QUESTION}"`, extractive mode, nothing else running '
            "in the data dir.",
            "",
            "Command: `" + _common.command_line() + "`",
            "",
            _common.markdown_table(("what", "seconds (median)", "range"), rows),
        ]
    )
    _common.publish("cold_start", body, args)


if __name__ == "__main__":
    main()
