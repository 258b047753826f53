"""The guard's trained classifier: logistic-regression heads over the request's features, stored as plain numpy
arrays (no pickle: loading the model runs no code) beside a JSON manifest with its hashes and threshold.

``dualuse guard train`` writes both files from the labelled data; ``dualuse guard check`` confirms that the shipped
model is the one its manifest describes and was trained on the labelled data as it is now.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict, cast

import numpy as np

from ..linear_heads import WEIGHT_ARRAYS, head_logits, read_model_files, write_weights
from ..neighbours import NeighbourManifest, Neighbours, combined_score, read_neighbours, write_neighbours
from .features import SparseFeatures, multilingual_part

MODEL_DIR = Path(__file__).parent / "model"
WEIGHTS_FILE = "guard-weights.npz"
MANIFEST_FILE = "guard-manifest.json"
NEIGHBOURS_FILE = "guard-neighbours.npz"
MINILM_ID = "minilm-l6-int8"
MULTILINGUAL_ID = "multilingual-e5-small-q4"


class GuardModelError(Exception):
    """The guard model is missing, damaged or does not match its manifest."""


class OutOfFold(TypedDict):
    recall: float  # refusal recall on harmful training requests, at the threshold
    false_refusals: float  # share of benign training requests refused


class Manifest(TypedDict):
    """``guard-manifest.json``: how the weights beside it were trained, and their hash."""

    # The heads whose probabilities multiply into the harm score, in row order before the area heads: "harm" (is
    # the request harmful), "topic" (is it about a weapon or an attack at all, as opposed to a recipe, a game or a
    # figure of speech) and "intent" (among such requests, does it ask for operational help). The product is a
    # soft AND: an everyday how-to or a policy question must convince only one head to stay answered.
    score_heads: NotRequired[list[str]]

    threshold: float
    borderline: float
    embedding_id: str
    data_sha256: str
    examples: int
    harmful_examples: int
    regularisation: float
    max_false_refusals: float
    out_of_fold: OutOfFold
    neighbours: NotRequired[NeighbourManifest]  # written by ``GuardModel.save`` when the model has neighbours
    areas: NotRequired[list[str]]  # written by ``GuardModel.save``
    weights_sha256: NotRequired[str]  # written by ``GuardModel.save``


@dataclass(frozen=True)
class GuardModel:
    areas: tuple[str, ...]  # rows 0.. are the score heads (see Manifest), then one head per area in this order
    dense_coef: np.ndarray  # (1 + areas, embedding + rule features)
    sparse_cols: np.ndarray  # sorted hash buckets that carry weight
    sparse_coef: np.ndarray  # (1 + areas, len(sparse_cols))
    intercept: np.ndarray  # (1 + areas,)
    manifest: Manifest
    neighbours: Neighbours | None = None  # the labelled training vectors (see neighbours.py)

    @property
    def threshold(self) -> float:
        return float(self.manifest["threshold"])

    @property
    def uses_multilingual(self) -> bool:
        """Whether the model reads multilingual-e5 question vectors after the MiniLM ones."""
        return MULTILINGUAL_ID in self.manifest["embedding_id"].split("+")

    @property
    def borderline(self) -> float:
        return float(self.manifest["borderline"])

    @property
    def score_heads(self) -> int:
        return len(self.manifest.get("score_heads", ["harm"]))

    def logits(self, dense: np.ndarray, sparse: SparseFeatures) -> np.ndarray:
        """Every head's logit for one request: the score heads first, then one per area."""
        return head_logits(self.dense_coef, self.sparse_cols, self.sparse_coef, self.intercept, dense, sparse)

    def harm_score(self, logits: np.ndarray, vector: np.ndarray | None = None) -> float:
        """The product of the score heads' probabilities (high only when every head finds the request harmful),
        moved by the nearest-neighbour margin of the request's embedding ``vector`` when the model has neighbours."""
        heads = np.asarray(logits[: self.score_heads], dtype=np.float64)
        product = float(np.prod(1.0 / (1.0 + np.exp(-heads))))
        if self.neighbours is None or vector is None:
            return product
        return combined_score(product, self.neighbours.shift(multilingual_part(vector)))

    def area_scores(self, logits: np.ndarray) -> dict[str, float]:
        return {area: float(logits[i + self.score_heads]) for i, area in enumerate(self.areas)}

    # -- files -----------------------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        weights_sha256 = write_weights(directory / WEIGHTS_FILE, {name: getattr(self, name) for name in WEIGHT_ARRAYS})
        manifest: Manifest = {**self.manifest, "areas": list(self.areas), "weights_sha256": weights_sha256}
        manifest.pop("neighbours", None)
        if self.neighbours is not None:
            manifest["neighbours"] = write_neighbours(directory / NEIGHBOURS_FILE, self.neighbours)
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@functools.lru_cache(maxsize=4)
def load_model(directory: Path = MODEL_DIR) -> GuardModel:
    manifest, arrays = read_model_files(
        directory,
        WEIGHTS_FILE,
        MANIFEST_FILE,
        lambda reason: GuardModelError(f"the misuse guard's model {reason}; rebuild it with `dualuse guard train`"),
    )
    neighbours = read_neighbours(
        directory / NEIGHBOURS_FILE,
        manifest.get("neighbours"),
        lambda reason: GuardModelError(f"the misuse guard's neighbours {reason}; rebuild with `dualuse guard train`"),
    )
    return GuardModel(
        tuple(manifest["areas"]),
        arrays["dense_coef"],
        arrays["sparse_cols"],
        arrays["sparse_coef"],
        arrays["intercept"],
        cast(Manifest, manifest),
        neighbours,
    )
