"""A bounded, thread-safe cache of text vectors in front of any encoder: questions and passage sentences come back
again and again, and embedding them is most of what answering and judging a question costs."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import numpy as np

Encode = Callable[[Sequence[str]], np.ndarray]  # texts -> one vector per text, in order
T = TypeVar("T")
# Texts embedded together when many are known ahead (an evaluation): a fifth of the cost per text of embedding them
# one at a time (measured on multilingual-e5), with the same vectors.
AHEAD = 64


class VectorCache:
    """``encode`` for the texts not seen lately; the least recently used are evicted beyond ``capacity``."""

    def __init__(self, encode: Encode, capacity: int = 20_000) -> None:
        self.encode = encode
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            fresh = self.encode(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            for text in texts:
                if text in self._cache:
                    self._cache.move_to_end(text)  # recently used: evicted last
            cached = [self._cache.get(t) for t in texts]
        rows = [row for row in cached if row is not None]
        if len(rows) < len(cached):  # evicted meanwhile by a concurrent question: encode directly
            return np.asarray(self.encode(texts), dtype=np.float32)
        return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)


def prefetched(items: Sequence[T], prefetch: Callable[[Sequence[T]], None] | None, size: int = AHEAD) -> Iterator[T]:
    """``items`` in order, with ``prefetch`` called on each next ``size`` of them before they are yielded, so that the
    work done per item finds their vectors cached."""
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        if prefetch is not None:
            prefetch(batch)
        yield from batch
