"""Multilingual-e5 vectors of passages (and of their sentences), addressed by their text, for questions asked in
other languages.

The English path searches Chroma's MiniLM vectors. A question in French, Russian or Chinese is searched in the
multilingual-e5 space instead, and e5 embeds about five times slower than MiniLM: embedding the shipped corpus
would cost the first question of a fresh install a minute or more. So vectors are keyed by a hash of the exact text
embedded (title, section and passage, as ingest embeds them) and looked up, in order, in memory, in the data
directory's cache file and in the file shipped with the corpus (``corpus/vectors``, rebuilt by
``python -m ingest.passage_vectors``); only texts found nowhere are embedded, and then remembered. A changed passage
has a new hash, so a stale vector can never be used, and a missing or damaged file only costs time.

    python -m ingest.passage_vectors [OUTPUT]   # rebuild the shipped file from corpus/documents
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4"
DIMENSIONS = 384
SHIPPED_FILE = "multilingual-e5-small.npz"
BATCH = 8
SAVE_AFTER = 256  # vectors embedded in passing (answer sentences) are written to the cache file in batches

Encode = Callable[[Sequence[str]], np.ndarray]  # passage texts -> L2-normalised rows


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def read_vectors(path: Path) -> dict[str, np.ndarray]:
    """The vectors in ``path`` by key; empty when it is missing, damaged or made with another model."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != MODEL_ID:
                logger.info("ignoring %s: its vectors are from %s, not %s", path, data["model"], MODEL_ID)
                return {}
            keys, vectors = data["keys"], data["vectors"]
            if vectors.shape != (len(keys), DIMENSIONS):
                raise ValueError(f"vectors of shape {vectors.shape} for {len(keys)} keys")
            return {str(k): v for k, v in zip(keys, vectors, strict=True)}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        logger.warning("ignoring the passage-vector file %s (%s); the vectors will be computed again", path, exc)
        return {}


def write_vectors(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sorted(vectors)
    matrix = np.stack([vectors[k] for k in keys]).astype(np.float16) if keys else np.zeros((0, DIMENSIONS), np.float16)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vectors-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, model=np.array(MODEL_ID), keys=np.array(keys), vectors=matrix)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the shipped file and a shared cache are read by others
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class PassageVectors:
    """Passage vectors by text: from memory, the cache file or the shipped file, else embedded and remembered."""

    def __init__(self, encode: Encode, cache_file: Path | None, shipped_file: Path | None = None) -> None:
        self.encode = encode
        self.cache_file = cache_file
        self._known: dict[str, np.ndarray] = {}
        self._unsaved: list[str] = []
        self._loaded = False
        self._shipped_file = shipped_file
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._loaded:
            return
        if self._shipped_file is not None:
            self._known.update(read_vectors(self._shipped_file))
        if self.cache_file is not None:
            self._known.update(read_vectors(self.cache_file))
        self._loaded = True

    def vectors(self, texts: Sequence[str], *, save: bool = True) -> np.ndarray:
        """One float32 row per text, in order. ``save=False`` for texts embedded in passing (the sentences of an
        answer): their vectors are written with the next save, or once SAVE_AFTER of them have gathered."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            self._load()
            missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._known}
            if missing:
                logger.info("embedding %d passages in the multilingual space", len(missing))
                pending = list(missing.items())
                # In small batches: the model is shared with every question's guard, which must not wait for a
                # whole document to be embedded.
                for start in range(0, len(pending), BATCH):
                    batch = pending[start : start + BATCH]
                    fresh = self.encode([text for _, text in batch])
                    self._known.update(zip([k for k, _ in batch], np.asarray(fresh, dtype=np.float16), strict=True))
                self._unsaved.extend(missing)
                if save or len(self._unsaved) >= SAVE_AFTER:
                    self._save(self._unsaved)
                    self._unsaved = []
            if not keys:
                return np.zeros((0, DIMENSIONS), dtype=np.float32)
            return np.stack([self._known[k] for k in keys]).astype(np.float32)

    def _save(self, new_keys: list[str]) -> None:
        if self.cache_file is None:
            return
        try:
            # Another process (an ingest, a second replica) may have added vectors meanwhile: keep theirs too.
            merged = read_vectors(self.cache_file)
            merged.update((k, self._known[k]) for k in new_keys)
            write_vectors(self.cache_file, merged)
        except OSError as exc:  # a full or read-only disk costs time on the next start, never the answer
            logger.warning("could not save passage vectors to %s: %s", self.cache_file, exc)


def shipped_sentence_texts() -> list[str]:
    """Every sentence of every shipped passage: what an answer to a question in another language is composed of."""
    from corpus import documents_dir

    from .chunking import Chunker, ChunkingConfig, split_sentences
    from .loaders import load_file

    chunker = Chunker(ChunkingConfig())
    sentences: dict[str, None] = {}
    for path in sorted(documents_dir().rglob("*.md")):
        for chunk in chunker.chunk(load_file(path)):
            sentences.update(dict.fromkeys(split_sentences(chunk.text)))
    return list(sentences)


def shipped_passage_texts() -> list[str]:
    from corpus import documents_dir

    from .chunking import Chunker, ChunkingConfig
    from .loaders import load_file
    from .pipeline import embedding_text

    chunker = Chunker(ChunkingConfig())
    texts: list[str] = []
    for path in sorted(documents_dir().rglob("*.md")):
        document = load_file(path)
        texts.extend(embedding_text(document.meta.title, chunk) for chunk in chunker.chunk(document))
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    from corpus import vectors_dir

    from .embeddings import MultilingualE5Embeddings

    args = list(sys.argv[1:] if argv is None else argv)
    output = Path(args[0]) if args else vectors_dir() / SHIPPED_FILE
    texts = shipped_passage_texts() + shipped_sentence_texts()
    matrix = MultilingualE5Embeddings().embed_array(texts)
    write_vectors(output, {text_key(t): v for t, v in zip(texts, matrix, strict=True)})
    print(f"wrote {len(texts)} passage and sentence vectors to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
