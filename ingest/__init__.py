"""Loading, chunking and indexing documents: the lower layer that the answering side (``bot``) builds on.

Names are imported on first use (PEP 562), so that ``import ingest.documents`` does not load Chroma, ONNX Runtime
and LangChain: the command line's ``--help`` and the parsing worker stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Chunker": "chunking",
    "ChunkingConfig": "chunking",
    "split_sentences": "chunking",
    "DOCUMENT_KINDS": "documents",
    "Chunk": "documents",
    "DocumentMeta": "documents",
    "LoadedDocument": "documents",
    "Section": "documents",
    "MiniLMEmbeddings": "embeddings",
    "OpenAICompatibleEmbeddings": "embeddings",
    "AnswerError": "errors",
    "ConfigurationError": "errors",
    "DocumentError": "errors",
    "DualuseError": "errors",
    "IndexError_": "errors",
    "ModelFileError": "errors",
    "UnsupportedTypeError": "errors",
    "CorpusIndex": "index",
    "DocumentRecord": "records",
    "VersionEvent": "records",
    "DocumentRegistry": "registry",
    "ScoredChunk": "index",
    "make_client": "index",
    "SUPPORTED_SUFFIXES": "loaders",
    "load_bytes": "loaders",
    "load_file": "loaders",
    "FileResult": "pipeline",
    "IngestReport": "pipeline",
    "Ingestor": "pipeline",
    "count_tokens": "tokens",
    "get_encoding": "tokens",
    "seed_tiktoken_cache": "tokens",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
