"""Helpers shared by the benchmark scripts: machine facts, Markdown tables, and the results file.

Each script owns one section of ``docs/benchmarks.md`` between ``<!-- BEGIN bench:NAME -->`` and
``<!-- END bench:NAME -->`` and rewrites only that; the machine section is refreshed by every full run.
Text outside the markers (notes, explanations) is written by hand and left alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"

_SKELETON = """# Benchmarks

Generated sections are refreshed by the scripts in `bench/`; notes outside them are written by hand.

<!-- BEGIN bench:machine -->
<!-- END bench:machine -->
"""


def open_index(folder: Path, embeddings):  # type: ignore[no-untyped-def]
    """A CorpusIndex laid out like a data directory: Chroma in ``folder/index``, the registry's SQLite database
    (migrated, as the composition root does) in ``folder/dualuse.sqlite3``."""
    from bot.answerlog import open_database
    from ingest.index import CorpusIndex, make_client
    from ingest.registry import DocumentRegistry

    folder.mkdir(parents=True, exist_ok=True)
    registry = DocumentRegistry(open_database(f"sqlite:///{folder / 'dualuse.sqlite3'}"))
    return CorpusIndex(make_client(folder / "index"), embeddings, registry)


def parse_args(description: str, extra: Sequence[tuple[str, dict]] = ()) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick", action="store_true", help="Small sizes and few repeats, to check the script; results are not saved."
    )
    parser.add_argument("--no-write", action="store_true", help=f"Print the table only; leave {RESULTS.name} alone.")
    for flag, options in extra:
        parser.add_argument(flag, **options)
    return parser.parse_args()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine_lines() -> list[str]:
    return [
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores (`nproc`: {len(os.sched_getaffinity(0))})",
        f"- Memory: {memory_total_gib():.1f} GiB",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
    ]


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (p in 0..100), like numpy's default."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def command_line(args: Sequence[str] = ()) -> str:
    script = Path(sys.argv[0]).resolve().relative_to(ROOT)
    return " ".join(["python", str(script), *args])


def update_section(name: str, body: str) -> None:
    """Replace the generated section ``name`` of the results file (appending it the first time)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else _SKELETON
    text = _replace(text, "machine", "\n".join(machine_lines()))
    text = _replace(text, name, body.strip())
    RESULTS.write_text(text, encoding="utf-8")


def _replace(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- BEGIN bench:{name} -->", f"<!-- END bench:{name} -->"
    block = f"{begin}\n{body}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + f"\n\n{block}\n"


def publish(name: str, body: str, args: argparse.Namespace) -> None:
    """Print the section and, for a full run, write it into the results file."""
    print(body)
    if args.quick or args.no_write:
        print(f"\n(not written to {RESULTS.relative_to(ROOT)}: {'--quick' if args.quick else '--no-write'})")
        return
    update_section(name, body)
    print(f"\n(written to {RESULTS.relative_to(ROOT)}, section '{name}')")


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server the benchmark starts."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(base: str, bot: subprocess.Popen, log: Path, timeout: float) -> None:
    """Wait until ``dualuse serve`` at ``base`` answers /readyz; stop with its log's tail if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            raise SystemExit(f"dualuse serve exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"dualuse serve did not become ready within {timeout:.0f} s")
