"""Logistic-regression heads over a dense row plus hashed sparse features, stored as plain numpy arrays.

The misuse guard and the nudge detector both ship such weights: ``np.load`` with ``allow_pickle=False`` runs no code,
and a content hash in the manifest beside the weights tells a damaged or hand-edited file from the trained one.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
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


def content_hash(arrays: dict[str, np.ndarray], names: Sequence[str] = WEIGHT_ARRAYS) -> str:
    """SHA-256 over the arrays' shapes and bytes: the same weights give the same hash whatever the zip timestamps."""
    digest = hashlib.sha256()
    for name in names:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def write_weights(path: Path, arrays: dict[str, np.ndarray], names: Sequence[str] = WEIGHT_ARRAYS) -> str:
    """Write the arrays compressed; returns their content hash for the manifest."""
    buffer = io.BytesIO()
    named: dict[str, Any] = {name: arrays[name] for name in names}
    np.savez_compressed(buffer, **named)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return content_hash(arrays, names)


def read_weights(path: Path, names: Sequence[str] = WEIGHT_ARRAYS) -> dict[str, np.ndarray]:
    """The arrays at ``path``; raises OSError, ValueError or KeyError when missing or damaged."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in names}
    except zipfile.BadZipFile as exc:  # a damaged archive that still starts like one
        raise ValueError(f"not a numpy archive: {exc}") from None


def read_model_files(
    directory: Path, weights_file: str, manifest_file: str, fail: Callable[[str], Exception]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The manifest and the weight arrays in ``directory``, checked against each other; ``fail(reason)`` builds the
    one-line error for a missing or damaged model."""
    try:
        manifest: dict[str, Any] = json.loads((directory / manifest_file).read_text(encoding="utf-8"))
        arrays = read_weights(directory / weights_file)
    except (OSError, ValueError, KeyError) as exc:
        raise fail(f"in {directory} cannot be read ({exc})") from None
    if content_hash(arrays) != manifest.get("weights_sha256"):
        raise fail(f"weights in {directory} do not match their manifest")
    return manifest, arrays
