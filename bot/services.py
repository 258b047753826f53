"""The composition root: build the embeddings, index, ingestor, retriever and engine from the settings, once."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from ingest.chunking import Chunker, ChunkingConfig
from ingest.embeddings import MiniLMEmbeddings, OpenAICompatibleEmbeddings
from ingest.index import CorpusIndex, make_client
from ingest.pipeline import Ingestor, IngestReport, ProgressCallback
from ingest.tokens import seed_tiktoken_cache

from .engine import DEFAULT_MIN_RELEVANCE, AnswerEngine, EngineOptions
from .llm import LLMAnswerer, make_chat_model
from .retrieval import HybridRetriever
from .settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Lazily built collaborators; each is created on first use and then shared."""

    settings: Settings

    def __post_init__(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        seed_tiktoken_cache(cache_dir=self.settings.cache_dir / "tiktoken")

    @functools.cached_property
    def embeddings(self) -> Embeddings:
        s = self.settings
        if s.embedding_backend == "openai":
            key = s.openai_api_key.get_secret_value() if s.openai_api_key else None
            return OpenAICompatibleEmbeddings(s.embedding_model, s.openai_base_url, key, timeout=s.llm_timeout)
        return MiniLMEmbeddings(threads=s.embedding_threads or None)

    @functools.cached_property
    def index(self) -> CorpusIndex:
        client = make_client(self.settings.index_dir, self.settings.chroma_url)
        return CorpusIndex(client, self.embeddings, self.settings.embedding_id)

    @functools.cached_property
    def ingestor(self) -> Ingestor:
        config = ChunkingConfig(self.settings.chunk_tokens, self.settings.chunk_overlap)
        return Ingestor(self.index, self.embeddings, Chunker(config))

    @functools.cached_property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(self.index, self.embeddings, top_k=s.top_k, max_per_doc=s.max_chunks_per_doc)

    @functools.cached_property
    def llm(self) -> LLMAnswerer | None:
        s = self.settings
        if s.effective_answer_mode != "llm":
            return None
        key = s.openai_api_key.get_secret_value() if s.openai_api_key else None
        return LLMAnswerer(make_chat_model(s.llm_model, s.openai_base_url, key, s.llm_timeout), s.llm_model)

    @functools.cached_property
    def engine(self) -> AnswerEngine:
        s = self.settings
        options = EngineOptions(mode=s.effective_answer_mode, min_relevance=s.min_relevance or DEFAULT_MIN_RELEVANCE)
        return AnswerEngine(self.retriever, self.embeddings, llm=self.llm, options=options)

    def ensure_corpus(self, progress: ProgressCallback | None = None) -> IngestReport | None:
        """Index the shipped corpus when the index is empty, so that a first question has something to answer from."""
        if not self.index.is_empty():
            return None
        from corpus import documents_dir

        logger.info("the index is empty: indexing the shipped corpus from %s", documents_dir())
        return self.ingestor.ingest_paths([documents_dir()], progress=progress)
