"""The answering engine: the misuse guard, retrieval, the relevance gate, an extractive or LLM answer, then the
output check (no answer that carries operational weapons detail is shown, whatever its source).

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

from bot.i18n import translations
from ingest.errors import AnswerError
from ingest.language import detect_language

from .answers import Answer, Citation, Mode, RetrievedPassage, SentenceSupport
from .composition import compose, overlap_scores
from .extractive import ScoredSentence, SentenceVectors, score_sentences
from .guard import GENERAL_GUIDANCE, GuardVerdict, MisuseGuard, operational_sentences, refusal_text
from .links import restrict_links
from .llm import LLMAnswerer
from .question_types import shape as question_shape
from .relevance import covered
from .retrieval import HybridRetriever, Passage, Retrieval
from .spaces import VectorSpace
from .text import content_terms
from .vector_cache import Encode
from .verification import verify

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# Calibrated on the golden set (see `dualuse eval` and docs/benchmarks.md): the best sentence's combined score
# (0.75 x cosine + 0.25 x term overlap) separates covered questions from off-topic ones; bot/relevance.py adds the
# two ways a question scoring just below it still passes (a strong BM25 first passage, a glossary definition).
DEFAULT_MIN_RELEVANCE = 0.38
# The corpus is a snapshot: questions about what just happened are out of its reach whatever retrieval finds.
# The same words in the other UN languages (Chinese and Arabic have no word boundaries to anchor on).
_CURRENT_EVENTS = re.compile(
    r"\b(?:yesterday|today|tonight|last night|this (?:morning|afternoon|evening|week)|breaking news|"
    r"latest news|news (?:on|about|from)|"
    r"hier|aujourd'hui|ce (?:matin|soir)|cette semaine|hier soir|(?:derni[eè]res |l')actu(?:alit[ée]s?)?|"
    r"ayer|hoy|esta (?:mañana|tarde|noche|semana)|anoche|[uú]ltimas noticias|"
    r"вчера|сегодня|этим (?:утром|вечером)|на этой неделе|последние новости)\b|"
    r"昨天|今天|今早|今晚|本周|这周|最新消息|新闻|أمس|البارحة|اليوم|هذا الصباح|هذا الأسبوع|آخر الأخبار",
    re.IGNORECASE,
)

Turn = tuple[str, str]  # (speaker, text): earlier turns of a conversation, oldest first


class Corrections(Protocol):
    """Answers the programme team corrected and approved; consulted before retrieval."""

    def lookup(self, question: str, vector: Sequence[float] | None = None) -> Answer | None:
        """An approved corrected answer for a question close to ``question`` (embedded as ``vector``), or None."""
        ...


@dataclass(frozen=True)
class EngineOptions:
    mode: Mode = "extractive"
    min_relevance: float = DEFAULT_MIN_RELEVANCE


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
        corrections: Corrections | None = None,
        guard: MisuseGuard | None = None,
        vectors: SentenceVectors | None = None,
        multilingual: VectorSpace | None = None,
        claim_vectors: Encode | None = None,
    ) -> None:
        """``multilingual``: the space questions in other languages are answered in (multilingual-e5), used when
        the retriever searches across languages; without it every question is read as English. ``claim_vectors``:
        multilingual-e5 question vectors that check an LLM answer's claims against passages in another language."""
        self.corrections = corrections
        # multilingual-e5 vectors: an LLM answer's claims checked against passages in another language.
        self.claim_vectors = claim_vectors
        # One cache of sentence and question vectors; the guard shares it when it reads the same model.
        self.sentence_vectors = vectors or SentenceVectors(embeddings)
        self.english = VectorSpace(queries=self.sentence_vectors, sentences=self.sentence_vectors)
        self.multilingual = multilingual
        self.retriever = retriever
        self.embeddings = embeddings
        self.llm = llm
        self.options = options or EngineOptions()
        second_opinion = llm.judge_misuse if llm is not None and self.options.mode == "llm" else None
        self.guard = guard or MisuseGuard(self.sentence_vectors, second_opinion=second_opinion)
        if self.options.mode == "llm" and llm is None:
            raise AnswerError("llm mode needs an LLM: set OPENAI_API_KEY or OPENAI_BASE_URL")

    # -- public ----------------------------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = (), language: str | None = None) -> Answer:
        """``language``: the asker's interface language (a Slack locale), used when the question's own language
        cannot be told (a short or mixed question); otherwise the answer follows the question's language."""
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise AnswerError(
                "the question is empty; ask something like: what does the UN say about autonomous weapons?"
            )
        if len(question) > MAX_QUESTION_CHARS:
            raise AnswerError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
        asked_in = detect_language(question, default=language or "en")
        standalone = self._standalone(question, history, asked_in)
        user_turns = [text for speaker, text in history if speaker == "user"]
        verdict = self.guard.assess(question, history=user_turns, standalone=standalone)
        if verdict.refuse:
            answer = self._refusal(question, verdict, asked_in)
        else:
            space = self._space_for(asked_in)
            # Embedded once for the guard, the corrections, the dense search and the sentence scorer (in English;
            # a question in another language is embedded by multilingual-e5, which the guard reads as well).
            vector = space.queries([self._search_text(standalone, space)])[0].tolist()
            correction = None
            if self.corrections is not None:  # corrections are looked up by their MiniLM vectors
                correction = self.corrections.lookup(standalone, vector if space is self.english else None)
            if correction is not None:
                answer = correction
                answer.question = question
                answer.corrected = True
            else:
                retrieval = self._retrieve(standalone, asked_in, space, vector)
                answer = self._answer(question, standalone, retrieval, space, asked_in)
            answer = self._checked(answer, verdict, asked_in)
        if not answer.corrected:  # links only to the cited sources (bot/links.py); an admin's correction is trusted
            answer.text = restrict_links(answer.text, {c.url for c in answer.citations}, bare=answer.mode == "llm")
        answer.standalone_question = standalone if standalone != question else ""
        answer.language = asked_in
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def retrieve(self, question: str, language: str | None = None) -> Retrieval:
        """The passages a question would be answered from, searched in the space of its language."""
        asked_in = detect_language(question, default=language or "en")
        space = self._space_for(asked_in)
        return self._retrieve(
            question, asked_in, space, space.queries([self._search_text(question, space)])[0].tolist()
        )

    # -- steps -----------------------------------------------------------------------------------------------
    def _space_for(self, language: str) -> VectorSpace:
        """Multilingual-e5 for a question not in English, when the retriever can search across languages."""
        if self.multilingual is not None and self.retriever.searches_across_languages(language):
            return self.multilingual
        return self.english

    def _search_text(self, question: str, space: VectorSpace) -> str:
        """What is embedded for the search: across languages, the question with the English names of the bodies and
        treaties it names in its own language (the glossary's translations), which the corpus uses."""
        if space is self.english:
            return question
        names = self.retriever.glossary.english_names(question)
        return f"{question} ({'; '.join(names)})" if names else question

    def _retrieve(self, question: str, language: str, space: VectorSpace, vector: list[float]) -> Retrieval:
        return self.retriever.retrieve(
            question, vector=vector, language=language if space is not self.english else "en"
        )

    def _standalone(self, question: str, history: Sequence[Turn], language: str = "en") -> str:
        if not history:
            return question
        if self.llm is not None and self.options.mode == "llm":
            try:
                return self.llm.condense(history, question, language=language)
            except Exception:  # noqa: BLE001 - any client failure: fall back to the heuristic below
                logger.warning("could not condense the follow-up question with the LLM", exc_info=True)
        # Without a model: a short follow-up borrows the last user question's terms ("and what about biology?").
        previous = [text for speaker, text in history if speaker == "user"]
        if previous and len(content_terms(question)) <= 6:
            return f"{previous[-1]} {question}"
        return question

    def _answer(
        self, question: str, standalone: str, retrieval: Retrieval, space: VectorSpace, language: str = "en"
    ) -> Answer:
        t = translations(language)  # our own sentences in the question's language; quotes stay verbatim
        log_passages = [_log_passage(p) for p in retrieval.passages]
        scored, vectors = score_sentences(
            retrieval.query_vector,
            retrieval.query_terms,
            retrieval.passages,
            self.embeddings,
            retrieval.term_weights,
            space.sentences,
            retrieval.term_variants,
            calibrate=space.calibrated,
        )
        definition = self.retriever.glossary.definition_for(standalone)
        if not covered(retrieval, scored, self.options.min_relevance, definition, space.passage_gate(language)):
            return self._no_answer(question, retrieval, log_passages, language)
        if _CURRENT_EVENTS.search(standalone):
            answer = self._no_answer(question, retrieval, log_passages, language)
            answer.text = t.gettext(
                "I answer from a fixed corpus of documents, not live news, so I can't tell what happened recently. "
                "For current events, check the UN Office for Disarmament Affairs meetings pages."
            )
            if answer.suggestions:
                topics = t.isolate("; ".join(answer.suggestions))
                answer.text += " " + t.gettext("Related background the corpus covers: {topics}.").format(topics=topics)
            return answer
        if self.options.mode == "llm":
            generated = self._llm_answer(question, standalone, retrieval, language)
            if generated is not None:
                return generated
            fallback = self._extractive(question, retrieval, scored, vectors, space, language)
            fallback.notice = t.gettext(
                "The language model was unavailable or its answer could not be verified against the sources, "
                "so this answer quotes the sources directly."
            )
            return fallback
        return self._extractive(question, retrieval, scored, vectors, space, language)

    def _extractive(
        self,
        question: str,
        retrieval: Retrieval,
        scored: list[ScoredSentence],
        vectors: np.ndarray,
        space: VectorSpace,
        language: str = "en",
    ) -> Answer:
        shape = question_shape(retrieval.question)

        def part_scores(part: str) -> np.ndarray:
            part_vector = np.asarray(space.queries([part])[0], dtype=np.float32)
            overlap = overlap_scores(content_terms(part), [s.text for s in scored], retrieval.term_weights)
            return 0.75 * space.calibrated(vectors @ part_vector) + 0.25 * overlap

        definition = self.retriever.glossary.definition_for(retrieval.question)
        spans = compose(
            shape, scored, vectors, retrieval.passages, part_scores, definition, redundant_cosine=space.redundant_cosine
        )
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        supports: list[SentenceSupport] = []
        prose: list[str] = []
        blocks: list[str] = []
        score_of = {(s.passage.chunk.chunk_id, s.text): s.score for s in scored}
        for span in spans:
            chunk_id = span.passage.chunk.chunk_id
            if chunk_id not in numbers:
                numbers[chunk_id] = len(citations) + 1
                quote = span.texts[0]
                score = score_of.get((chunk_id, quote), 0.0)
                citations.append(citation_of(numbers[chunk_id], span.passage, quote, score))
            n = numbers[chunk_id]
            supports.extend(SentenceSupport(text, [(n, text)]) for text in span.texts)
            if not span.as_list:
                prose.extend(f"{text} [{n}]" for text in span.texts)
                continue
            if prose:
                blocks.append(" ".join(prose))
                prose = []
            texts = span.texts
            header = [f"{texts[0]} [{n}]"] if texts[0].rstrip().endswith(":") or ": " in texts[0] else []
            items = texts[1:] if header else texts
            blocks.append("\n".join(header + [f"\u2022 {text} [{n}]" for text in items]))
        if prose:
            blocks.append(" ".join(prose))
        if any(span.passage.document.language != language for span in spans):
            # Quotes stay verbatim in the source's language; a short line in the asker's language says so.
            blocks.insert(0, translations(language).gettext("The sources, quoted as written in their own language:"))
        notice = ""
        if definition is not None:
            # The glossary's one-line definition is our own wording, so it is a note beside the answer, never one
            # of its sentences: every answer sentence stays a verbatim quote of the passage it cites.
            t = translations(language)
            notice = t.gettext("Glossary: {term} means: {definition} (the assistant's own wording)").format(
                term=t.isolate(definition.term), definition=t.isolate(definition.definition)
            )
        return Answer(
            question=question,
            status="answered",
            text="\n".join(blocks),
            notice=notice,
            citations=citations,
            mode="extractive",
            latency_ms=0.0,
            retrieval_ms=retrieval.elapsed_ms,
            passages=[_log_passage(p) for p in retrieval.passages],
            sentences=supports,
        )

    def _llm_answer(self, question: str, standalone: str, retrieval: Retrieval, language: str = "en") -> Answer | None:
        assert self.llm is not None
        started = time.perf_counter()
        try:
            text = self.llm.answer(standalone, retrieval.passages, language=language)
        except Exception as exc:  # noqa: BLE001 - timeouts, HTTP errors, bad responses: all mean "fall back"
            logger.warning("LLM answer failed (%s); falling back to the extractive answer", type(exc).__name__)
            return None
        generation_ms = (time.perf_counter() - started) * 1000
        if self.llm.declined(text):
            answer = self._no_answer(question, retrieval, [_log_passage(p) for p in retrieval.passages], language)
            answer.mode, answer.model, answer.generation_ms = "llm", self.llm.model_name, generation_ms
            return answer
        verification = verify(
            text,
            retrieval.passages,
            self.embeddings,
            embed_sentences=self.sentence_vectors,
            language=language,
            multilingual=self.claim_vectors,
        )
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
            citations.append(citation_of(new, retrieval.passages[old - 1], quote, retrieval.passages[old - 1].dense))
        return Answer(
            question=question,
            status="answered",
            text=verification.text,
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

    def _no_answer(
        self, question: str, retrieval: Retrieval, log_passages: list[RetrievedPassage], language: str = "en"
    ) -> Answer:
        topics = self._suggested_topics(retrieval)
        t = translations(language)
        text = t.gettext("The corpus I answer from does not cover this question, so I won't guess.")
        if topics:
            closest = t.gettext("The closest topics it does cover: {topics}.")
            text += " " + closest.format(topics=t.isolate("; ".join(topics)))
        return Answer(
            question=question,
            status="no_answer",
            text=text,
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

    def _checked(self, answer: Answer, verdict: GuardVerdict, language: str = "en") -> Answer:
        """The output check: an answer whose text or quotes carry operational weapons detail becomes a refusal."""
        if answer.status == "answered":
            findings = operational_sentences([answer.text, *(c.quote for c in answer.citations)])
            if findings:
                logger.warning(
                    "withheld an answer with operational detail (%s): %r", findings[0].area, findings[0].sentence[:120]
                )
                withheld = GuardVerdict(True, findings[0].area, verdict.score, "output")
                refusal = self._refusal(answer.question, withheld, language)
                refusal.passages = answer.passages
                return refusal
        if verdict.area:  # answered, but near the line: the admin page shows how near
            answer.safety_area, answer.safety_score = verdict.area, verdict.score
        return answer

    def _refusal(self, question: str, verdict: GuardVerdict, language: str = "en") -> Answer:
        documents = self.retriever.documents
        guidance = [d for d in (*verdict.guidance, *GENERAL_GUIDANCE) if d in documents]
        guidance = list(dict.fromkeys(guidance))[:3]
        citations = []
        for n, doc_id in enumerate(guidance, start=1):
            record = documents[doc_id]
            citations.append(
                Citation(n, doc_id, record.title, record.publisher, record.date, record.url, "", None, "", 0.0)
            )
        return Answer(
            question=question,
            status="refused",
            text=refusal_text(verdict.area, [c.n for c in citations], language),
            citations=citations,
            mode=self.options.mode,
            latency_ms=0.0,
            safety_area=verdict.area,
            safety_score=verdict.score,
            safety_layer=verdict.layer,
        )


def citation_of(n: int, passage: Passage, quote: str, score: float) -> Citation:
    """Source number ``n``: the passage's document and place, with ``quote`` taken verbatim from it."""
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
