"""Logistic-regression heads over a dense row plus hashed sparse features, stored as plain numpy arrays.

The misuse guard and the nudge detector both ship such weights: ``np.load`` with ``allow_pickle=False`` runs no code,
and a content hash in the manifest beside the weights tells a damaged or hand-edited file from the trained one.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any, Protocol

import numpy as np

WEIGHT_ARRAYS = ("dense_coef", "sparse_cols", "sparse_coef", "intercept")


class Sparse(Protocol):
    @property
    def indices(self) -> np.ndarray: ...  # int64 hash buckets, unique

    @property
    def values(self) -> np.ndarray: ...


def head_logits(
    dense_coef: np.ndarray,
    sparse_cols: np.ndarray,
    sparse_coef: np.ndarray,
    intercept: np.ndarray,
    dense: np.ndarray,
    sparse: Sparse,
) -> np.ndarray:
    """Every head's logit for one row: ``sparse_cols`` are the sorted buckets that carry weight."""
    logits: np.ndarray = dense_coef @ dense + intercept
    if len(sparse_cols) == 0:
        return logits
    positions = np.minimum(np.searchsorted(sparse_cols, sparse.indices), len(sparse_cols) - 1)
    known = sparse_cols[positions] == sparse.indices
    if known.any():
        logits = logits + sparse_coef[:, positions[known]] @ sparse.values[known]
    return logits


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the arrays' shapes and bytes: the same weights give the same hash whatever the zip timestamps."""
    digest = hashlib.sha256()
    for name in WEIGHT_ARRAYS:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def write_weights(path: Path, arrays: dict[str, np.ndarray]) -> str:
    """Write the arrays compressed; returns their content hash for the manifest."""
    buffer = io.BytesIO()
    named: dict[str, Any] = {name: arrays[name] for name in WEIGHT_ARRAYS}
    np.savez_compressed(buffer, **named)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return content_hash(arrays)


def read_weights(path: Path) -> dict[str, np.ndarray]:
    """The arrays at ``path``; raises OSError, ValueError or KeyError when missing or damaged."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in WEIGHT_ARRAYS}
