"""The guard's trained classifier: two logistic-regression heads over the request's features (is it harmful; which
harm area is it closest to), stored as plain numpy arrays (no pickle: loading the model runs no code) beside a
JSON manifest with its hashes and threshold.

``dualuse guard train`` writes both files from the labelled data; ``dualuse guard check`` confirms that the shipped
model is the one its manifest describes and was trained on the labelled data as it is now.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

import numpy as np

from .features import SparseFeatures

MODEL_DIR = Path(__file__).parent / "model"
WEIGHTS_FILE = "guard-weights.npz"
MANIFEST_FILE = "guard-manifest.json"
_ARRAYS = ("dense_coef", "sparse_cols", "sparse_coef", "intercept")


class GuardModelError(Exception):
    """The guard model is missing, damaged or does not match its manifest."""


class OutOfFold(TypedDict):
    recall: float  # refusal recall on harmful training requests, at the threshold
    false_refusals: float  # share of benign training requests refused


class Manifest(TypedDict):
    """``guard-manifest.json``: how the weights beside it were trained, and their hash."""

    threshold: float
    borderline: float
    embedding_id: str
    data_sha256: str
    examples: int
    harmful_examples: int
    regularisation: float
    max_false_refusals: float
    out_of_fold: OutOfFold
    areas: NotRequired[list[str]]  # written by ``GuardModel.save``
    weights_sha256: NotRequired[str]  # written by ``GuardModel.save``


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the arrays' shapes and bytes: the same weights give the same hash whatever the zip timestamps."""
    digest = hashlib.sha256()
    for name in _ARRAYS:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class GuardModel:
    areas: tuple[str, ...]  # row 0 of each array is the harm head, rows 1.. the area heads in this order
    dense_coef: np.ndarray  # (1 + areas, embedding + rule features)
    sparse_cols: np.ndarray  # sorted hash buckets that carry weight
    sparse_coef: np.ndarray  # (1 + areas, len(sparse_cols))
    intercept: np.ndarray  # (1 + areas,)
    manifest: Manifest

    @property
    def threshold(self) -> float:
        return float(self.manifest["threshold"])

    @property
    def borderline(self) -> float:
        return float(self.manifest["borderline"])

    def logits(self, dense: np.ndarray, sparse: SparseFeatures) -> np.ndarray:
        """Every head's logit for one request: the harm head first, then one per area."""
        logits: np.ndarray = self.dense_coef @ dense + self.intercept
        positions = np.searchsorted(self.sparse_cols, sparse.indices)
        positions = np.minimum(positions, len(self.sparse_cols) - 1)
        known = self.sparse_cols[positions] == sparse.indices
        if known.any():
            logits = logits + self.sparse_coef[:, positions[known]] @ sparse.values[known]
        return logits

    def harm_score(self, logits: np.ndarray) -> float:
        """P(harmful) from the harm head."""
        return float(1.0 / (1.0 + np.exp(-float(logits[0]))))

    def area_scores(self, logits: np.ndarray) -> dict[str, float]:
        return {area: float(logits[i + 1]) for i, area in enumerate(self.areas)}

    # -- files -----------------------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        (directory / WEIGHTS_FILE).write_bytes(buffer.getvalue())
        manifest: Manifest = {**self.manifest, "areas": list(self.areas), "weights_sha256": content_hash(arrays)}
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@functools.lru_cache(maxsize=4)
def load_model(directory: Path = MODEL_DIR) -> GuardModel:
    try:
        manifest: Manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _ARRAYS}
    except (OSError, ValueError, KeyError) as exc:
        raise GuardModelError(
            f"the misuse guard's model in {directory} cannot be read ({exc}); rebuild it with `dualuse guard train`"
        ) from None
    if content_hash(arrays) != manifest.get("weights_sha256"):
        raise GuardModelError(
            f"the misuse guard's weights in {directory} do not match their manifest; rebuild with `dualuse guard train`"
        )
    return GuardModel(
        tuple(manifest["areas"]),
        arrays["dense_coef"],
        arrays["sparse_cols"],
        arrays["sparse_coef"],
        arrays["intercept"],
        manifest,
    )
