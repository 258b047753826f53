"""The composition root: build the embeddings, index, ingestor, retriever and engine from the settings, once.

The database comes first: one engine per process for the database the settings name, migrated to the newest
Alembic revision before anything reads it, and shared by the document registry, the answer log and the Slack tables.
"""

from __future__ import annotations

import functools
import getpass
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine

from bot.answerlog import AnswerLog, CorrectedAnswers, answer_log_on, open_database, wait_for_database
from bot.core.crosslingual import CrossLingualSearch
from bot.core.engine import DEFAULT_MIN_RELEVANCE, AnswerEngine, EngineOptions
from bot.core.extractive import SentenceVectors
from bot.core.glossary import GLOSSARY_FILE, Glossary
from bot.core.guard import MisuseGuard
from bot.core.guard.guard import QUESTION_CACHE
from bot.core.llm import LLMAnswerer, make_chat_model
from bot.core.nudge import DeferredNoticer, Noticer, NudgeDetector
from bot.core.retrieval import HybridRetriever
from bot.core.spaces import VectorSpace, multilingual_e5_space
from bot.core.vector_cache import VectorCache
from bot.datadir import prepare_data_dir
from bot.settings import Settings
from corpus import glossary_path, vectors_dir
from ingest import consistency
from ingest.chunking import Chunker, ChunkingConfig
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings, OpenAICompatibleEmbeddings
from ingest.fetch import FetchLimits
from ingest.index import CorpusIndex, make_client
from ingest.locks import file_lock, file_lock_unless_read_only
from ingest.passage_vectors import SHIPPED_FILE, PassageVectors
from ingest.pipeline import Ingestor, IngestReport, ProgressCallback
from ingest.registry import DocumentRegistry
from ingest.sandbox import IsolatedParser, ParseLimits
from ingest.tokens import seed_tiktoken_cache

from .metrics import Metrics
from .nudges import Clock, Nudges, utcnow

logger = logging.getLogger(__name__)

# multilingual-e5 vectors of LLM claims and of the passage sentences they cite in another language.
VERIFICATION_CACHE = 5_000


@dataclass
class Services:
    """Lazily built collaborators; each is created on first use and then shared.

    ``noticer`` judges messages in watched channels (default: the trained ``nudge_detector``, built on first use).
    ``clock`` (naive UTC) is what the nudge limits count days with.
    """

    settings: Settings
    noticer: Noticer | None = None
    clock: Clock = utcnow

    def __post_init__(self) -> None:
        prepare_data_dir(self.settings.data_dir)  # private: 0700
        try:
            seed_tiktoken_cache(cache_dir=self.settings.cache_dir / "tiktoken")
        except OSError:  # a read-only data dir: the user's own cache instead
            seed_tiktoken_cache()

    @functools.cached_property
    def embeddings(self) -> Embeddings:
        s = self.settings
        if s.embedding_backend == "openai":
            key = s.openai_api_key.get_secret_value() if s.openai_api_key else None
            return OpenAICompatibleEmbeddings(s.embedding_model, s.openai_base_url, key, timeout=s.llm_timeout)
        return MiniLMEmbeddings(threads=s.embedding_threads or None)

    @functools.cached_property
    def database(self) -> Engine:
        return open_database(self.settings.database_url_or_default)

    def wait_for_database(self, seconds: float) -> Engine:
        """Open the database now, waiting up to ``seconds`` for a server that cannot be reached yet (a long-running
        process: it starts once the database does, instead of failing or answering without its registry)."""
        if "database" not in self.__dict__:  # not opened yet (cached_property keeps it in the instance dict)
            self.__dict__["database"] = wait_for_database(self.settings.database_url_or_default, seconds)
        return self.database

    @property
    def _lock_file(self) -> Path:
        """The data directory's write lock: concurrent ingests' check-and-switch, and a 0.1.0 index's upgrade."""
        return self.settings.data_dir / "ingest.lock"

    @functools.cached_property
    def registry(self) -> DocumentRegistry:
        return DocumentRegistry(self.database)

    @functools.cached_property
    def index(self) -> CorpusIndex:
        registry = self.registry  # the schema first: opening the index may move 0.1.0's records into it
        client = make_client(self.settings.index_dir, self.settings.chroma_url)
        upgrade_lock = functools.partial(file_lock_unless_read_only, self._lock_file)
        return CorpusIndex(client, self.embeddings, registry, self.settings.embedding_id, upgrade_lock)

    @functools.cached_property
    def ingestor(self) -> Ingestor:
        s = self.settings
        config = ChunkingConfig(s.chunk_tokens, s.chunk_overlap)
        # Documents are parsed in a limited child process: a hostile file cannot hang or exhaust the service.
        parse = IsolatedParser(ParseLimits(timeout=s.parse_timeout, memory_mb=s.parse_memory_mb))
        limits = FetchLimits(
            max_bytes=s.max_upload_mb * 1024 * 1024,
            timeout=s.fetch_timeout,
            allow_private=s.allow_private_urls,
            private_hosts=frozenset(h.strip().lower() for h in s.private_url_hosts.split(",") if h.strip()),
        )
        actor = f"cli:{getpass.getuser()}"
        return Ingestor(
            self.index,
            self.embeddings,
            Chunker(config),
            parse=parse,
            fetch_limits=limits,
            actor=actor,
            write_lock=functools.partial(file_lock, self._lock_file),
            storage=None if s.chroma_url else s.index_dir,
        )

    @functools.cached_property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(
            self.index,
            self.embeddings,
            top_k=s.top_k,
            max_per_doc=s.max_chunks_per_doc,
            dense_weight=s.dense_weight,
            lexical_cache=s.cache_dir / "lexical",
            # The shipped glossary, extended by a trainer's glossary.yml in the data directory when there is one.
            glossary=Glossary.load([glossary_path(), s.data_dir / GLOSSARY_FILE]),
            crosslingual=CrossLingualSearch(self.passage_vectors) if s.multilingual else None,
        )

    @functools.cached_property
    def multilingual_model(self) -> MultilingualE5Embeddings:
        # One engine and one copy of the weights for the guard, cross-language search and sentence scoring.
        return MultilingualE5Embeddings()

    @functools.cached_property
    def multilingual_queries(self) -> VectorCache:
        return VectorCache(self.multilingual_model.embed_queries, capacity=QUESTION_CACHE)

    @functools.cached_property
    def passage_vectors(self) -> PassageVectors:
        return PassageVectors(
            self.multilingual_model.embed_array,
            self.settings.cache_dir / "passage-vectors-e5.npz",
            shipped_file=vectors_dir() / SHIPPED_FILE,
        )

    @functools.cached_property
    def multilingual_space(self) -> VectorSpace:
        # Sentences come from the same store as passages: the shipped corpus's are in the shipped file.
        return multilingual_e5_space(
            self.multilingual_queries, functools.partial(self.passage_vectors.vectors, save=False)
        )

    @functools.cached_property
    def llm(self) -> LLMAnswerer | None:
        s = self.settings
        if s.effective_answer_mode != "llm":
            return None
        key = s.openai_api_key.get_secret_value() if s.openai_api_key else None
        return LLMAnswerer(make_chat_model(s.llm_model, s.openai_base_url, key, s.llm_timeout), s.llm_model)

    @functools.cached_property
    def vectors(self) -> SentenceVectors:
        return SentenceVectors(self.embeddings)

    @functools.cached_property
    def guard(self) -> MisuseGuard:
        # The guard's classifier reads MiniLM vectors: shared with retrieval on the default backend, its own
        # (local, ~2 ms a question) when retrieval embeds through an API.
        if self.settings.embedding_backend == "onnx":
            vectors = self.vectors
        else:
            vectors = SentenceVectors(MiniLMEmbeddings(threads=self.settings.embedding_threads or None))
        llm = self.llm
        return MisuseGuard(
            vectors,
            second_opinion=llm.judge_misuse if llm is not None else None,
            multilingual=self.multilingual_queries,
        )

    @functools.cached_property
    def nudge_detector(self) -> NudgeDetector:
        # Reads the guard's question vectors (MiniLM and multilingual-e5, cached) and cites from the same index.
        return NudgeDetector(self.guard.embed, self.vectors, self.retriever, guard=self.guard)

    @functools.cached_property
    def engine(self) -> AnswerEngine:
        s = self.settings
        options = EngineOptions(mode=s.effective_answer_mode, min_relevance=s.min_relevance or DEFAULT_MIN_RELEVANCE)
        # The database is part of the corpus (the document registry lives there too), so it is opened first.
        corrections = CorrectedAnswers(self.answer_log, self.embeddings)
        return AnswerEngine(
            self.retriever,
            self.embeddings,
            llm=self.llm,
            options=options,
            corrections=corrections,
            guard=self.guard,
            vectors=self.vectors,
            multilingual=self.multilingual_space if s.multilingual else None,
            claim_vectors=VectorCache(self.multilingual_model.embed_queries, capacity=VERIFICATION_CACHE),
        )

    @functools.cached_property
    def metrics(self) -> Metrics:
        return Metrics()

    @functools.cached_property
    def answer_log(self) -> AnswerLog:
        return answer_log_on(self.database, self.settings)

    @functools.cached_property
    def nudges(self) -> Nudges:
        s = self.settings
        return Nudges(
            self.answer_log.nudges,
            self.noticer if self.noticer is not None else DeferredNoticer(lambda: self.nudge_detector),
            per_day=s.nudges_per_day,
            quiet_days=s.nudge_quiet_days,
            clock=self.clock,
        )

    def ensure_corpus(self, progress: ProgressCallback | None = None) -> IngestReport | None:
        """Index the shipped corpus when the index is empty, so that a first question has something to answer from."""
        if not self.index.is_empty():
            return None
        from corpus import documents_dir

        logger.info("the index is empty: indexing the shipped corpus from %s", documents_dir())
        return self.ingestor.ingest_paths([documents_dir()], progress=progress)

    def check_index(self) -> consistency.CheckReport:
        """Where Chroma's passages and the document registry disagree (reads only)."""
        return consistency.check(self.index)

    def repair_index(self, report: consistency.CheckReport) -> Iterator[consistency.Repair]:
        """Act on each finding of :meth:`check_index`, one :class:`~ingest.consistency.Repair` at a time."""
        return consistency.repair(self.index, self.ingestor, report)
