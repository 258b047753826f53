"""What answering in other languages costs (issue 16): latency, memory, and the embedding work a new document adds.

In one process on a fresh data directory: the first English question (indexes the shipped corpus), English
questions, then the first question in another language (loads the shipped passage vectors and builds the matrix)
and further questions in the five other UN languages. Resident memory is read after each stage. Last, how fast
each model embeds passages: MiniLM is what ingest pays; multilingual-e5 is what the bot pays in the background
for each new passage (the shipped corpus comes with its vectors).

    python bench/multilingual_cost.py [--quick] [--no-write]
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import _common

from corpus import eval_dir
from ingest.passage_vectors import shipped_passage_texts

LANGUAGES = ("fr", "es", "ru", "ar", "zh")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def questions(language: str, n: int) -> list[str]:
    if language == "en":
        rows = [json.loads(line) for line in (eval_dir() / "un.jsonl").read_text(encoding="utf-8").splitlines() if line]
    else:
        path = eval_dir() / "i18n" / f"{language}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if r["category"] == "in_scope"][:n]


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    per_language = 3 if args.quick else 10
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["DUALUSE_DATA_DIR"] = data_dir
        from bot.app.container import Services
        from bot.settings import Settings

        services = Services(Settings())
        engine = services.engine
        stages: list[list[object]] = [["process started", "", f"{rss_mib():.0f}"]]
        started = time.perf_counter()
        services.ensure_corpus()
        engine.ask(questions("en", 1)[0])
        stages.append(["first English question (indexes the corpus)", f"{time.perf_counter() - started:.1f}", ""])
        stages[-1][2] = f"{rss_mib():.0f}"
        english = []
        for question in questions("en", per_language):
            started = time.perf_counter()
            engine.ask(question)
            english.append(time.perf_counter() - started)
        stages.append(["English questions, median", f"{_common.median(english):.2f}", f"{rss_mib():.0f}"])
        started = time.perf_counter()
        engine.ask(questions("fr", 1)[0])
        stages.append(["first question in another language", f"{time.perf_counter() - started:.1f}", ""])
        stages[-1][2] = f"{rss_mib():.0f}"
        other = []
        for language in LANGUAGES:
            for question in questions(language, per_language):
                started = time.perf_counter()
                engine.ask(question)
                other.append(time.perf_counter() - started)
        stages.append([f"questions in fr, es, ru, ar, zh ({len(other)}), median", f"{_common.median(other):.2f}", ""])
        stages[-1][2] = f"{rss_mib():.0f}"
        texts = shipped_passage_texts()[: 24 if args.quick else 96]
        speeds = []
        for name, encode in (
            ("MiniLM (ingest)", services.embeddings.embed_documents),
            ("multilingual-e5 (bot, in the background)", services.multilingual_model.embed_array),
        ):
            started = time.perf_counter()
            encode(texts)
            speeds.append([name, f"{len(texts) / (time.perf_counter() - started):.1f}"])
    body = (
        f"{_common.timestamp()} · `{_common.command_line()}` · load average {_common.load_average()}\n\n"
        + _common.markdown_table(["stage", "seconds", "RSS MiB after"], stages)
        + "\n\n"
        + _common.markdown_table(["model", "passages embedded per second"], speeds)
        + "\n"
    )
    print(body)
    if not (args.quick or args.no_write):
        _common.update_section("multilingual_cost", body)


if __name__ == "__main__":
    main()
