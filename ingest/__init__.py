"""Loading, chunking and indexing documents: the lower layer that the answering side (``bot``) builds on."""

from .chunking import Chunker, ChunkingConfig, split_sentences
from .documents import DOCUMENT_KINDS, Chunk, DocumentMeta, LoadedDocument, Section
from .embeddings import MiniLMEmbeddings, OpenAICompatibleEmbeddings
from .errors import (
    AnswerError,
    ConfigurationError,
    DocumentError,
    DualuseError,
    IndexError_,
    ModelFileError,
    UnsupportedTypeError,
)
from .index import CorpusIndex, DocumentRecord, ScoredChunk, StoredChunk, make_client
from .loaders import SUPPORTED_SUFFIXES, load_bytes, load_file
from .pipeline import FileResult, Ingestor, IngestReport
from .tokens import count_tokens, get_encoding, seed_tiktoken_cache

__all__ = [
    "DOCUMENT_KINDS",
    "SUPPORTED_SUFFIXES",
    "AnswerError",
    "Chunk",
    "Chunker",
    "ChunkingConfig",
    "ConfigurationError",
    "CorpusIndex",
    "DocumentError",
    "DocumentMeta",
    "DocumentRecord",
    "DualuseError",
    "FileResult",
    "IndexError_",
    "IngestReport",
    "Ingestor",
    "LoadedDocument",
    "MiniLMEmbeddings",
    "ModelFileError",
    "OpenAICompatibleEmbeddings",
    "ScoredChunk",
    "Section",
    "StoredChunk",
    "UnsupportedTypeError",
    "count_tokens",
    "get_encoding",
    "load_bytes",
    "load_file",
    "make_client",
    "seed_tiktoken_cache",
    "split_sentences",
]
