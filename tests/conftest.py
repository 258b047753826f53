"""Shared fixtures. Every test runs offline (pytest-socket allows loopback only, see pyproject) with its own data
directory, and no OpenAI settings leak in from the developer's environment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.crosslingual import CrossLingualSearch
from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.retrieval import HybridRetriever
from bot.core.spaces import multilingual_e5_space
from bot.core.vector_cache import VectorCache
from corpus import documents_dir, vectors_dir
from ingest.chunking import Chunker
from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings
from ingest.index import CorpusIndex
from ingest.passage_vectors import SHIPPED_FILE, PassageVectors
from ingest.pipeline import Ingestor
from tests.openai_server import FakeOpenAI
from tests.stores import close, open_index


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DUALUSE_DATA_DIR", str(data_dir))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DUALUSE_ANSWER_MODE", "DUALUSE_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    return data_dir


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A local OpenAI-compatible server for one test (replies scripted through ``.script``)."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embeddings() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


@pytest.fixture(scope="session")
def chunker() -> Chunker:
    return Chunker()


@pytest.fixture(scope="session")
def shipped_index_dir(tmp_path_factory: pytest.TempPathFactory, embeddings: MiniLMEmbeddings, chunker: Chunker) -> Path:
    """The shipped corpus indexed once per session (a data directory: Chroma and the registry's database); tests
    copy it when they need to write."""
    path = tmp_path_factory.mktemp("shipped-index")
    index = open_index(path, embeddings)
    report = Ingestor(index, embeddings, chunker).ingest_paths([documents_dir()])
    assert not report.failed, [r.error for r in report.results if r.error]
    close(index)  # the database whole in one file, so that copies of the folder are complete
    return path


@pytest.fixture(scope="session")
def shipped_index(shipped_index_dir: Path, embeddings: MiniLMEmbeddings) -> CorpusIndex:
    return open_index(shipped_index_dir, embeddings)


@pytest.fixture(scope="session")
def shipped_engine(shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> AnswerEngine:
    return AnswerEngine(HybridRetriever(shipped_index, embeddings), embeddings, options=EngineOptions())


@pytest.fixture(scope="session")
def multilingual_model() -> MultilingualE5Embeddings:
    return MultilingualE5Embeddings()


@pytest.fixture(scope="session")
def multilingual_engine(
    shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, multilingual_model: MultilingualE5Embeddings
) -> AnswerEngine:
    """The shipped corpus answered in every language, wired as the application wires it (bot/app/container.py)."""
    passages = PassageVectors(multilingual_model.embed_array, None, shipped_file=vectors_dir() / SHIPPED_FILE)
    retriever = HybridRetriever(shipped_index, embeddings, crosslingual=CrossLingualSearch(passages))
    space = multilingual_e5_space(
        VectorCache(multilingual_model.embed_queries), VectorCache(multilingual_model.embed_array)
    )
    return AnswerEngine(retriever, embeddings, options=EngineOptions(), multilingual=space)


@pytest.fixture
def writable_index(tmp_path: Path, shipped_index_dir: Path, embeddings: MiniLMEmbeddings) -> CorpusIndex:
    """A private copy of the indexed shipped corpus that a test may change."""
    target = tmp_path / "index-copy"
    shutil.copytree(shipped_index_dir, target)
    return open_index(target, embeddings)


@pytest.fixture
def empty_index(tmp_path: Path, embeddings: MiniLMEmbeddings) -> CorpusIndex:
    return open_index(tmp_path / "empty-index", embeddings)
