"""The answering engine: safety check, retrieval, the relevance gate, then an extractive or LLM answer.

Plain Python with its collaborators passed in, so the CLI, Slack and the tests drive the same code.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.errors import AnswerError

from .answers import Answer, Citation, Mode, RetrievedPassage, SentenceSupport
from .extractive import ScoredSentence, SentenceVectors, score_sentences, select_sentences
from .links import restrict_links
from .llm import LLMAnswerer
from .retrieval import HybridRetriever, Passage, Retrieval
from .safety import SafetyVerdict, assess
from .text import content_terms
from .verification import verify

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# Calibrated on the golden set (see `dualuse eval` and docs/benchmarks.md): the best sentence's combined score
# (0.75 x cosine + 0.25 x term overlap) separates covered questions from off-topic ones.
DEFAULT_MIN_RELEVANCE = 0.38
GENERAL_GUIDANCE = ("rip-handbook-2025", "acm-code-of-ethics")
# The corpus is a snapshot: questions about what just happened are out of its reach whatever retrieval finds.
_CURRENT_EVENTS = re.compile(
    r"\b(?:yesterday|today|tonight|last night|this (?:morning|afternoon|evening|week)|breaking news|"
    r"latest news|news (?:on|about|from))\b",
    re.IGNORECASE,
)

Turn = tuple[str, str]  # (speaker, text): earlier turns of a conversation, oldest first


class ReviewedAnswers(Protocol):
    """Answers the programme team corrected and approved; consulted before retrieval."""

    def lookup(self, question: str, vector: Sequence[float] | None = None) -> Answer | None:
        """An approved corrected answer for a question close to ``question`` (embedded as ``vector``), or None."""
        ...


@dataclass(frozen=True)
class EngineOptions:
    mode: Mode = "extractive"
    min_relevance: float = DEFAULT_MIN_RELEVANCE
    max_sentences: int = 3


class AnswerEngine:
    """Answers one question. ``embeddings`` is the model the retriever's index was built with: the question is
    embedded once and that vector serves the corrections, the dense search and the sentence scorer."""

    def __init__(
        self,
        retriever: HybridRetriever,
        embeddings: Embeddings,
        *,
        llm: LLMAnswerer | None = None,
        options: EngineOptions | None = None,
        reviewed: ReviewedAnswers | None = None,
    ) -> None:
        self.reviewed = reviewed
        self.sentence_vectors = SentenceVectors(embeddings)
        self.retriever = retriever
        self.embeddings = embeddings
        self.llm = llm
        self.options = options or EngineOptions()
        if self.options.mode == "llm" and llm is None:
            raise AnswerError("llm mode needs an LLM: set OPENAI_API_KEY or OPENAI_BASE_URL")

    # -- public ----------------------------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise AnswerError(
                "the question is empty; ask something like: what does the UN say about autonomous weapons?"
            )
        if len(question) > MAX_QUESTION_CHARS:
            raise AnswerError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
        standalone = self._standalone(question, history)
        verdict = assess(standalone)
        if verdict.refuse:
            answer = self._refusal(question, verdict)
        else:
            # Embedded once for the corrections, the dense search and the sentence scorer.
            vector = self.embeddings.embed_query(standalone)
            reviewed = self.reviewed.lookup(standalone, vector) if self.reviewed is not None else None
            if reviewed is not None:
                answer = reviewed
                answer.question = question
                answer.reviewed = True
            else:
                retrieval = self.retriever.retrieve(standalone, vector=vector)
                answer = self._answer(question, standalone, retrieval)
        if not answer.reviewed:  # links only to the cited sources (bot/links.py); an admin's correction is trusted
            answer.answer = restrict_links(answer.answer, {c.url for c in answer.citations}, bare=answer.mode == "llm")
        answer.standalone_question = standalone if standalone != question else ""
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    # -- steps -----------------------------------------------------------------------------------------------
    def _standalone(self, question: str, history: Sequence[Turn]) -> str:
        if not history:
            return question
        if self.llm is not None and self.options.mode == "llm":
            try:
                return self.llm.condense(history, question)
            except Exception:  # noqa: BLE001 - any client failure: fall back to the heuristic below
                logger.warning("could not condense the follow-up question with the LLM", exc_info=True)
        # Without a model: a short follow-up borrows the last user question's terms ("and what about biology?").
        previous = [text for speaker, text in history if speaker == "user"]
        if previous and len(content_terms(question)) <= 6:
            return f"{previous[-1]} {question}"
        return question

    def _answer(self, question: str, standalone: str, retrieval: Retrieval) -> Answer:
        log_passages = [_log_passage(p) for p in retrieval.passages]
        scored, vectors = score_sentences(
            retrieval.query_vector,
            retrieval.query_terms,
            retrieval.passages,
            self.embeddings,
            retrieval.term_weights,
            self.sentence_vectors,
        )
        best = max((s.score for s in scored), default=0.0)
        if best < self.options.min_relevance:
            return self._no_answer(question, retrieval, log_passages)
        if _CURRENT_EVENTS.search(standalone):
            answer = self._no_answer(question, retrieval, log_passages)
            answer.answer = (
                "I answer from a fixed corpus of documents, not live news, so I can't tell what happened recently. "
                "For current events, check the UN Office for Disarmament Affairs meetings pages."
            )
            if answer.suggestions:
                answer.answer += " Related background the corpus covers: " + "; ".join(answer.suggestions) + "."
            return answer
        if self.options.mode == "llm":
            generated = self._llm_answer(question, standalone, retrieval)
            if generated is not None:
                return generated
            fallback = self._extractive(question, retrieval, scored, vectors)
            fallback.notice = (
                "The language model was unavailable or its answer could not be verified against the sources, "
                "so this answer quotes the sources directly."
            )
            return fallback
        return self._extractive(question, retrieval, scored, vectors)

    def _extractive(
        self, question: str, retrieval: Retrieval, scored: list[ScoredSentence], vectors: np.ndarray
    ) -> Answer:
        chosen = select_sentences(scored, vectors, max_sentences=self.options.max_sentences)
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        supports: list[SentenceSupport] = []
        # Sentences are shown grouped by source in retrieval order, so the answer reads source by source; one
        # number per passage, quoting the best of its chosen sentences.
        rank = {p.chunk.chunk_id: i for i, p in enumerate(retrieval.passages)}
        for sentence in sorted(chosen, key=lambda s: (rank[s.passage.chunk.chunk_id], -s.score)):
            chunk_id = sentence.passage.chunk.chunk_id
            if chunk_id not in numbers:
                numbers[chunk_id] = len(citations) + 1
                citations.append(_citation(numbers[chunk_id], sentence.passage, sentence.text, sentence.score))
            parts.append(f"{sentence.text} [{numbers[chunk_id]}]")
            supports.append(SentenceSupport(sentence.text, [(numbers[chunk_id], sentence.text)]))
        return Answer(
            question=question,
            status="answered",
            answer=" ".join(parts),
            citations=citations,
            mode="extractive",
            latency_ms=0.0,
            retrieval_ms=retrieval.elapsed_ms,
            passages=[_log_passage(p) for p in retrieval.passages],
            sentences=supports,
        )

    def _llm_answer(self, question: str, standalone: str, retrieval: Retrieval) -> Answer | None:
        assert self.llm is not None
        started = time.perf_counter()
        try:
            text = self.llm.answer(standalone, retrieval.passages)
        except Exception as exc:  # noqa: BLE001 - timeouts, HTTP errors, bad responses: all mean "fall back"
            logger.warning("LLM answer failed (%s); falling back to the extractive answer", type(exc).__name__)
            return None
        generation_ms = (time.perf_counter() - started) * 1000
        if self.llm.declined(text):
            answer = self._no_answer(question, retrieval, [_log_passage(p) for p in retrieval.passages])
            answer.mode, answer.model, answer.generation_ms = "llm", self.llm.model_name, generation_ms
            return answer
        verification = verify(text, retrieval.passages, self.embeddings, embed_sentences=self.sentence_vectors)
        if not verification.order or verification.mostly_unsupported():
            logger.warning(
                "LLM answer not supported by its sources (%d of %d sentences); falling back to the extractive answer",
                len(verification.unsupported),
                len(verification.sentences),
            )
            return None
        citations = []
        for new, old in enumerate(verification.order, start=1):
            quotes = [(q, s) for s in verification.sentences for n, q in s.citations if n == new]
            quote = quotes[0][0]
            citations.append(_citation(new, retrieval.passages[old - 1], quote, retrieval.passages[old - 1].dense))
        return Answer(
            question=question,
            status="answered",
            answer=verification.text,
            citations=citations,
            mode="llm",
            latency_ms=0.0,
            model=self.llm.model_name,
            retrieval_ms=retrieval.elapsed_ms,
            generation_ms=generation_ms,
            passages=[_log_passage(p) for p in retrieval.passages],
            sentences=verification.sentences,
            unsupported=verification.unsupported,
        )

    def _no_answer(self, question: str, retrieval: Retrieval, log_passages: list[RetrievedPassage]) -> Answer:
        topics = self._suggested_topics(retrieval)
        text = "The corpus I answer from does not cover this question, so I won't guess."
        if topics:
            text += " The closest topics it does cover: " + "; ".join(topics) + "."
        return Answer(
            question=question,
            status="no_answer",
            answer=text,
            citations=[],
            mode=self.options.mode,
            latency_ms=0.0,
            retrieval_ms=retrieval.elapsed_ms,
            passages=log_passages,
            suggestions=topics,
        )

    def _suggested_topics(self, retrieval: Retrieval, limit: int = 3) -> list[str]:
        titles: list[str] = []
        for passage in retrieval.passages:
            if passage.document.title not in titles:
                titles.append(passage.document.title)
            if len(titles) == limit:
                break
        return titles

    def _refusal(self, question: str, verdict: SafetyVerdict) -> Answer:
        documents = self.retriever.documents
        guidance = [d for d in (*verdict.guidance_doc_ids, *GENERAL_GUIDANCE) if d in documents]
        guidance = list(dict.fromkeys(guidance))[:3]
        citations = []
        for n, doc_id in enumerate(guidance, start=1):
            record = documents[doc_id]
            citations.append(
                Citation(n, doc_id, record.title, record.publisher, record.date, record.url, "", None, "", 0.0)
            )
        text = (
            "I can't help with that: it asks for operational help towards weapons or their delivery, which could "
            "cause serious harm. I can explain the risks, the rules and the codes of conduct that apply"
        )
        if citations:
            text += "; for responsible-practice guidance see " + ", ".join(f"[{c.n}]" for c in citations) + "."
        else:
            text += "."
        return Answer(
            question=question,
            status="refused",
            answer=text,
            citations=citations,
            mode=self.options.mode,
            latency_ms=0.0,
        )


def _citation(n: int, passage: Passage, quote: str, score: float) -> Citation:
    document = passage.document
    return Citation(
        n=n,
        doc_id=document.doc_id,
        title=document.title,
        publisher=document.publisher,
        date=document.date,
        url=document.url,
        section=passage.chunk.section,
        page=passage.chunk.page,
        quote=quote,
        score=score,
        chunk_id=passage.chunk.chunk_id,
    )


def _log_passage(passage: Passage) -> RetrievedPassage:
    chunk = passage.chunk
    return RetrievedPassage(
        chunk.chunk_id,
        chunk.doc_id,
        passage.document.title,
        chunk.section,
        chunk.page,
        chunk.text,
        passage.dense,
        passage.lexical,
        passage.fused,
    )
