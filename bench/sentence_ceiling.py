"""How much of the golden facts could an extractive answer state, and how close does our sentence choice come?

For each answerable golden question (categories ``in_scope`` and ``policy``), in extractive mode:

- our answer: ``AnswerEngine.ask``, as shown to the user ("no answer" states nothing);
- the ceiling within the budget: the retrieved passages' sentences an oracle would pick, knowing the facts, to state
  the most facts in at most ``BUDGET`` characters (greedy by new facts per character);
- the ceiling without a budget: every fact stated by some retrieved sentence;
- the ceiling of the whole corpus: every fact stated by some sentence of any passage (what an extractive answer could
  state with perfect retrieval; the rest is worded otherwise in the corpus, or not in it);
- a learned sentence scorer: logistic regression on the scorer's own signals (cosine, term overlap, the passage's
  rank and BM25 share, position, asked-for content, commentary, length), trained leave-one-set-out on the tuned
  sets (each tuned set scored by a model that never saw it; the blind set by one trained on all tuned sets) and
  used greedily up to the budget.

Needs scikit-learn (``pip install -e ".[train]"``).

    python bench/sentence_ceiling.py [--quick] [--no-write]
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _common
import numpy as np
from answer_baselines import BLIND, Tally

from bot.app.evaluation import ANSWERABLE, GoldenQuestion, load_golden
from bot.core.composition import is_commentary
from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.extractive import ScoredSentence, score_sentences
from bot.core.question_types import carries
from bot.core.question_types import shape as question_shape
from bot.core.retrieval import HybridRetriever
from corpus import documents_dir, eval_dir
from ingest.chunking import split_sentences
from ingest.embeddings import MiniLMEmbeddings
from ingest.pipeline import Ingestor

BUDGET = 900  # the ceiling on a median answer, in characters
SEPARATOR = 5  # a citation marker and a space per sentence, as the composer counts them
_DIGIT = re.compile(r"\d")
_NAME = re.compile(r"(?<!^)\b[A-Z][\w-]+")


@dataclass
class Case:
    question: GoldenQuestion
    answer: str
    corpus_ceiling: str  # every corpus sentence that states one of the question's facts
    sentences: list[ScoredSentence]
    features: np.ndarray
    labels: np.ndarray  # the sentence states at least one of the question's facts


def cells(tally: Tally) -> tuple[str, str]:
    """Fact coverage and median length: the two columns this benchmark reports."""
    return f"{tally.found / max(tally.facts, 1):.3f}", f"{_common.median(tally.lengths):.0f}"


def features(question: str, sentences: list[ScoredSentence]) -> np.ndarray:
    """One row per sentence: signals the composer has at hand, nothing from the golden facts."""
    shape = question_shape(question)
    passages = list(dict.fromkeys(s.passage for s in sentences))
    rank = {p.chunk.chunk_id: i for i, p in enumerate(passages)}
    top_lexical = max(p.lexical for p in passages) or 1.0
    best_semantic = max(s.semantic for s in sentences)
    best_lexical = max(s.lexical for s in sentences) or 1.0
    split = {p.chunk.chunk_id: split_sentences(p.chunk.text) for p in passages}
    rows = []
    for s in sentences:
        own = split[s.passage.chunk.chunk_id]
        position = own.index(s.text) if s.text in own else 0
        r = rank[s.passage.chunk.chunk_id]
        rows.append(
            [
                s.semantic,
                s.semantic - best_semantic,
                s.lexical,
                s.lexical / best_lexical,
                1.0 / (1 + r),
                s.passage.lexical / top_lexical,
                float(position == 0),
                min(position, 6) / 6,
                float(is_commentary(s.passage) and not shape.asks("implications")),
                sum(carries(s.text, kind) for kind in shape.kinds),
                min(len(s.text), 400) / 400,
                float(bool(_DIGIT.search(s.text))),
                min(len(_NAME.findall(s.text)), 6) / 6,
            ]
        )
    return np.array(rows, dtype=np.float64)


def greedy(sentences: list[str], gain: Callable[[list[str], str], float], budget: int = BUDGET) -> str:
    """Sentences in order of ``gain(chosen, sentence)`` per character while they fit in ``budget``."""
    chosen: list[str] = []
    length = 0
    while True:
        fits = [s for s in sentences if s not in chosen and length + len(s) + SEPARATOR <= budget]
        scored = [(gain(chosen, s) / len(s), s) for s in fits]
        scored = [pair for pair in scored if pair[0] > 0]
        if not scored:
            return " ".join(chosen)
        best = max(scored)[1]
        chosen.append(best)
        length += len(best) + SEPARATOR


def oracle(case: Case, budget: int) -> str:
    facts = case.question.facts

    def new_facts(chosen: list[str], sentence: str) -> float:
        said = " ".join(chosen)
        return sum(f.found_in(said + " " + sentence) and not f.found_in(said) for f in facts)

    return greedy([s.text for s in case.sentences], new_facts, budget)


def by_score(case: Case, scores: np.ndarray) -> str:
    """The highest-scoring sentences that fit in the budget, best first."""
    chosen, length = [], 0
    for i in np.argsort(-scores):
        text = case.sentences[i].text
        if length + len(text) + SEPARATOR <= BUDGET:
            chosen.append(text)
            length += len(text) + SEPARATOR
    return " ".join(chosen)


def learned_scores(cases: list[Case]) -> list[np.ndarray]:
    """Each case scored by a model trained on the tuned sets other than its own."""
    from sklearn.linear_model import LogisticRegression

    scores: list[np.ndarray] = [np.zeros(0)] * len(cases)
    for held_out in {c.question.set_name for c in cases}:
        train = [c for c in cases if c.question.set_name not in BLIND | {held_out}]
        model = LogisticRegression(max_iter=3000).fit(
            np.vstack([c.features for c in train]), np.concatenate([c.labels for c in train])
        )
        for i, c in enumerate(cases):
            if c.question.set_name == held_out:
                scores[i] = model.predict_proba(c.features)[:, 1]
    return scores


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    questions = [q for q in load_golden([eval_dir()]) if q.category in ANSWERABLE and q.expected_docs]
    if args.quick:
        questions = questions[::6]
    embeddings = MiniLMEmbeddings()
    load = _common.load_average()
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="dualuse-bench-") as tmp:
        index = _common.open_index(Path(tmp) / "index", embeddings)
        Ingestor(index, embeddings).ingest_paths([documents_dir()])
        retriever = HybridRetriever(index, embeddings)
        engine = AnswerEngine(retriever, embeddings, options=EngineOptions())
        corpus_sentences = sorted({s for c in index.live_chunks() for s in split_sentences(c.text)})
        for q in questions:
            answer = engine.ask(q.question)
            retrieval = engine.retrieve(q.question)
            sentences, _ = score_sentences(
                retrieval.query_vector,
                retrieval.query_terms,
                retrieval.passages,
                embeddings,
                retrieval.term_weights,
                term_variants=retrieval.term_variants,
            )
            if not sentences:
                continue
            labels = np.array([any(f.found_in(s.text) for f in q.facts) for s in sentences])
            text = answer.text if answer.status == "answered" else ""
            stating = " ".join(s for s in corpus_sentences if any(f.found_in(s) for f in q.facts))
            cases.append(Case(q, text, stating, sentences, features(q.question, sentences), labels))
    learned = learned_scores(cases)
    methods = [
        "our answer",
        "learned sentence scorer",
        f"ceiling within {BUDGET} chars",
        "ceiling, no budget",
        "ceiling, whole corpus",
    ]
    groups = sorted({c.question.set_name for c in cases} - BLIND) + ["tuned sets together"] + sorted(BLIND)
    tallies = {(g, m): Tally() for g in groups for m in methods}
    for case, scores in zip(cases, learned, strict=True):
        texts = [case.answer, by_score(case, scores), oracle(case, BUDGET), oracle(case, 10**6), case.corpus_ceiling]
        name = case.question.set_name
        for group in [name] if name in BLIND else [name, "tuned sets together"]:
            for method, text in zip(methods, texts, strict=True):
                tallies[(group, method)].add(case.question, text, set())
    rows = [(g + (" (blind)" if g in BLIND else ""), m, *cells(tallies[(g, m)])) for g in groups for m in methods]
    body = "\n".join(
        [
            f"Measured {_common.timestamp()}, load average at the start {load} (`uptime`).",
            f"{len(cases)} answerable golden questions with retrieved sentences; extractive mode.",
            "",
            f"Command: `{_common.command_line()}`",
            "",
            _common.markdown_table(("golden set", "answer", "fact coverage", "median chars"), rows),
        ]
    )
    _common.publish("sentence_ceiling", body, args)


if __name__ == "__main__":
    main()
