"""The nudge detector's trained classifier: a "deserves a nudge" head and one head per consideration, logistic
regressions over the message's features, stored as numpy arrays beside a JSON manifest (see bot/core/linear_heads).

``dualuse nudge train`` writes both files from the labelled messages; ``dualuse nudge check`` confirms that the
shipped model is the one its manifest describes and was trained on the labelled data as it is now.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict, cast

import numpy as np

from ..guard.features import SparseFeatures, hashed, multilingual_part
from ..guard.normalize import normalize
from ..linear_heads import WEIGHT_ARRAYS, head_logits, read_model_files, write_weights
from ..neighbours import NeighbourManifest, Neighbours, combined_score, read_neighbours, write_neighbours

MODEL_DIR = Path(__file__).parent / "model"
WEIGHTS_FILE = "nudge-weights.npz"
MANIFEST_FILE = "nudge-manifest.json"
NEIGHBOURS_FILE = "nudge-neighbours.npz"


class NudgeModelError(Exception):
    """The nudge model is missing, damaged or does not match its manifest."""


class OutOfFold(TypedDict):
    precision: float
    recall: float  # share of training nudges flagged out of fold, at the threshold
    false_nudges_per_1000: float  # out-of-fold false nudges per 1,000 everyday training messages


class Manifest(TypedDict):
    threshold: float
    embedding_id: str
    data_sha256: str
    examples: int
    nudge_examples: int
    regularisation: float
    max_false_nudges: float
    out_of_fold: OutOfFold
    neighbours: NotRequired[NeighbourManifest]  # written by ``NudgeModel.save`` when the model has neighbours
    considerations: NotRequired[list[str]]  # written by ``NudgeModel.save``
    weights_sha256: NotRequired[str]  # written by ``NudgeModel.save``


@dataclass(frozen=True)
class Judgement:
    score: float  # P(the message deserves a nudge)
    consideration: str  # the consideration it would name


@dataclass(frozen=True)
class NudgeModel:
    considerations: tuple[str, ...]  # row 0 scores "deserves a nudge"; rows 1.. one consideration each, in order
    dense_coef: np.ndarray
    sparse_cols: np.ndarray
    sparse_coef: np.ndarray
    intercept: np.ndarray
    manifest: Manifest
    neighbours: Neighbours | None = None  # the labelled training vectors (see bot/core/neighbours.py)

    @property
    def threshold(self) -> float:
        return float(self.manifest["threshold"])

    def logits(self, dense: np.ndarray, sparse: SparseFeatures) -> np.ndarray:
        return head_logits(self.dense_coef, self.sparse_cols, self.sparse_coef, self.intercept, dense, sparse)

    def score(self, logits: np.ndarray, vector: np.ndarray | None = None) -> float:
        """P(the message deserves a nudge), moved by the nearest-neighbour margin of its embedding ``vector`` when
        the model has neighbours."""
        probability = 1.0 / (1.0 + math.exp(-float(logits[0])))
        if self.neighbours is None or vector is None:
            return probability
        return combined_score(probability, self.neighbours.shift(multilingual_part(vector)))

    def consideration(self, logits: np.ndarray) -> str:
        """The consideration whose head scores highest."""
        return self.considerations[int(np.argmax(logits[1:]))]

    def judge(self, text: str, vector: np.ndarray) -> Judgement:
        """Score ``text`` given its dense features ``vector`` (MiniLM then multilingual-e5, as trained)."""
        vector = np.asarray(vector, np.float32)
        logits = self.logits(vector, hashed(normalize(text)))
        return Judgement(self.score(logits, vector), self.consideration(logits))

    def save(self, directory: Path) -> None:
        weights_sha256 = write_weights(directory / WEIGHTS_FILE, {name: getattr(self, name) for name in WEIGHT_ARRAYS})
        manifest: Manifest = {
            **self.manifest,
            "considerations": list(self.considerations),
            "weights_sha256": weights_sha256,
        }
        manifest.pop("neighbours", None)
        if self.neighbours is not None:
            manifest["neighbours"] = write_neighbours(directory / NEIGHBOURS_FILE, self.neighbours)
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@functools.lru_cache(maxsize=4)
def load_model(directory: Path = MODEL_DIR) -> NudgeModel:
    manifest, arrays = read_model_files(
        directory,
        WEIGHTS_FILE,
        MANIFEST_FILE,
        lambda reason: NudgeModelError(f"the nudge model {reason}; rebuild it with `dualuse nudge train`"),
    )
    neighbours = read_neighbours(
        directory / NEIGHBOURS_FILE,
        manifest.get("neighbours"),
        lambda reason: NudgeModelError(f"the nudge model's neighbours {reason}; rebuild with `dualuse nudge train`"),
    )
    return NudgeModel(
        tuple(manifest.get("considerations", [])),
        arrays["dense_coef"],
        arrays["sparse_cols"],
        arrays["sparse_coef"],
        arrays["intercept"],
        cast(Manifest, manifest),
        neighbours,
    )
