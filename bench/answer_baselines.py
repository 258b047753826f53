"""Answer-level baselines: does the composed answer state more of what the question asks than a passage dump?

On the same answerable golden questions (categories ``in_scope`` and ``policy``), per golden-set file, three
answers are scored for fact coverage (the golden facts found in the text, alternatives and at-least-K facts
included), length in characters and whether the right source is shown:

- top BM25 passage: the single best chunk by BM25 alone (our ``LexicalIndex`` over our chunks, the question's own
  words, no glossary), shown whole: what a search box would show;
- our top passage: the first passage of ``HybridRetriever`` (BM25 + dense, glossary-expanded), shown whole;
- our answer: ``AnswerEngine.ask`` in extractive mode, as shown to the user (markers, list bullets and all); a
  "no answer" counts as stating nothing.

    python bench/answer_baselines.py [--quick] [--no-write] [--sets codes,un]
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _common

from bot.app.evaluation import ANSWERABLE, GoldenQuestion, load_golden
from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.lexical import LexicalIndex
from bot.core.retrieval import HybridRetriever
from bot.core.text import content_terms
from corpus import documents_dir, eval_dir
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from ingest.pipeline import Ingestor

BLIND = {"practitioner"}  # written blind and never tuned on; reported apart from the sets tuning looked at

Method = Callable[[GoldenQuestion], tuple[str, set[str]]]  # question -> (text shown, doc ids shown)


@dataclass
class Tally:
    facts: int = 0
    found: int = 0
    right_source: int = 0
    questions: int = 0
    lengths: list[int] = field(default_factory=list)

    def add(self, q: GoldenQuestion, text: str, docs: set[str]) -> None:
        self.questions += 1
        self.facts += len(q.facts)
        self.found += sum(f.found_in(text) for f in q.facts)
        self.right_source += bool(docs & set(q.expected_docs))
        if text:
            self.lengths.append(len(text))

    def row(self, group: str, name: str) -> tuple[str, ...]:
        coverage = self.found / self.facts if self.facts else 1.0
        return (
            group,
            name,
            str(self.questions),
            f"{coverage:.3f}",
            f"{_common.median(self.lengths):.0f}",
            f"{self.right_source / max(self.questions, 1):.3f}",
        )


def methods(index: CorpusIndex, embeddings: MiniLMEmbeddings) -> dict[str, Method]:
    documents = {d.doc_id: d for d in index.documents()}
    chunks = index.live_chunks()
    lexical = LexicalIndex.build(chunks, documents)
    by_id = {c.chunk_id: c for c in chunks}
    retriever = HybridRetriever(index, embeddings)
    engine = AnswerEngine(retriever, embeddings, options=EngineOptions())

    def top_bm25(q: GoldenQuestion) -> tuple[str, set[str]]:
        hits = lexical.search(content_terms(q.question), 1)
        if not hits:
            return "", set()
        chunk = by_id[lexical.chunk_ids[hits[0][0]]]
        return chunk.text, {chunk.doc_id}

    def our_top(q: GoldenQuestion) -> tuple[str, set[str]]:
        passages = retriever.retrieve(q.question).passages
        return (passages[0].chunk.text, {passages[0].chunk.doc_id}) if passages else ("", set())

    def our_answer(q: GoldenQuestion) -> tuple[str, set[str]]:
        answer = engine.ask(q.question)
        if answer.status != "answered":
            return "", set()
        return answer.text, {c.doc_id for c in answer.citations}

    return {"top BM25 passage": top_bm25, "our top passage": our_top, "our answer": our_answer}


def main() -> None:
    args = _common.parse_args(
        __doc__.splitlines()[0],
        [("--sets", {"default": "", "help": "Comma-separated golden-set names (file stems) to run; default: all."})],
    )
    wanted = {s.strip() for s in args.sets.split(",") if s.strip()}
    questions = [
        q
        for q in load_golden([eval_dir()])
        if q.category in ANSWERABLE and q.expected_docs and (not wanted or q.set_name in wanted)
    ]
    if args.quick:
        questions = questions[::6]
    embeddings = MiniLMEmbeddings()
    load = _common.load_average()
    with tempfile.TemporaryDirectory(prefix="dualuse-bench-") as tmp:
        index = _common.open_index(Path(tmp) / "index", embeddings)
        Ingestor(index, embeddings).ingest_paths([documents_dir()])
        named = methods(index, embeddings)
        groups = list(dict.fromkeys(q.set_name for q in questions))
        tallies = {(g, m): Tally() for g in [*groups, "tuned sets together"] for m in named}
        for q in questions:
            for name, method in named.items():
                text, docs = method(q)
                tallies[(q.set_name, name)].add(q, text, docs)
                if q.set_name not in BLIND:
                    tallies[("tuned sets together", name)].add(q, text, docs)
    order = [g for g in groups if g not in BLIND] + ["tuned sets together"] + [g for g in groups if g in BLIND]
    rows = [tallies[(g, m)].row(g + (" (blind)" if g in BLIND else ""), m) for g in order for m in named]
    table = _common.markdown_table(
        ("golden set", "shown to the user", "questions", "fact coverage", "median chars", "right source shown"), rows
    )
    body = "\n".join(
        [
            f"Measured {_common.timestamp()}, load average at the start {load} (`uptime`).",
            f"{len(questions)} answerable golden questions; extractive mode; the same questions for all three.",
            "",
            f"Command: `{_common.command_line()}`",
            "",
            table,
        ]
    )
    _common.publish("answer_baselines", body, args)


if __name__ == "__main__":
    main()
