"""Train the nudge detector's classifier from the labelled messages, reproducibly (fixed folds, liblinear).

Needs scikit-learn (``pip install -e ".[train]"``); serving needs numpy only. The threshold is chosen on
out-of-fold scores of the training data so that at most ``max_false_nudges`` of everyday training messages would be
nudged; the blind split plays no part in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..guard.features import N_BUCKETS, hashed, multilingual_part
from ..guard.model import MULTILINGUAL_ID
from ..guard.normalize import normalize
from ..neighbours import Neighbours, combined_score, out_of_fold_margins, quantised
from .data import LabelledMessage
from .model import Manifest, NudgeModel

if TYPE_CHECKING:  # imported when training only; neither ships type information
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

Embed = Callable[[Sequence[str]], np.ndarray]
REGULARISATION = 32.0  # inverse strength (scikit-learn C): best of 4, 16, 32 out of fold on the training data
FOLDS = 5
# The goal is at most 2 false nudges per 1,000 everyday messages; fresh messages trip a classifier more often than
# out-of-fold ones, so the threshold aims at half that.
MAX_FALSE_NUDGES = 0.001
# What one unit of nearest-neighbour margin adds to the nudge head's logit, chosen out of fold on the training data:
# recall at 0.1% false nudges 0.45 without, 0.55 at 40, 0.57 at 60 and 80.
NEIGHBOUR_WEIGHT = 60.0


@dataclass(frozen=True)
class TrainingReport:
    examples: int
    nudges: int
    threshold: float
    oof_precision: float
    oof_recall: float
    oof_false_nudges_per_1000: float


def features(texts: Sequence[str], vectors: np.ndarray) -> csr_matrix:
    """One row per message: its embedding (``vectors``), then its hashed word and character n-grams."""
    from scipy import sparse

    vectors = np.asarray(vectors, dtype=np.float64)
    rows, cols, values = [], [], []
    for i, text in enumerate(texts):
        grams = hashed(normalize(text))
        rows += [i] * len(grams.indices)
        cols += grams.indices.tolist()
        values += grams.values.tolist()
    hashed_part = sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), N_BUCKETS), dtype=np.float64)
    return sparse.hstack([sparse.csr_matrix(vectors), hashed_part], format="csr")


def _classifier(regularisation: float) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=regularisation, solver="liblinear", max_iter=2000, tol=1e-6)


def out_of_fold_scores(
    x: csr_matrix, nudge: np.ndarray, regularisation: float = REGULARISATION, space: np.ndarray | None = None
) -> np.ndarray:
    """Each message's nudge probability from a head (and, given the multilingual ``space``, neighbours) that never
    saw it (stratified folds, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(nudge))
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(np.zeros(len(nudge)), nudge))
    for train_rows, test_rows in folds:
        head = _classifier(regularisation).fit(x[train_rows], nudge[train_rows])
        scores[test_rows] = head.predict_proba(x[test_rows])[:, 1]
    if space is not None:
        margins = out_of_fold_margins(space, nudge, folds)
        scores = np.array([combined_score(p, NEIGHBOUR_WEIGHT * m) for p, m in zip(scores, margins, strict=True)])
    return scores


def threshold_for(scores: np.ndarray, nudge: np.ndarray, max_false_nudges: float) -> float:
    """The lowest threshold at which at most ``max_false_nudges`` of the everyday messages score at or above it."""
    everyday = np.sort(scores[~nudge])[::-1]
    allowed = int(np.floor(max_false_nudges * len(everyday)))
    if len(everyday) == 0:
        return 0.5
    return float(np.clip(everyday[min(allowed, len(everyday) - 1)] + 1e-6, 0.05, 0.999))


def train(
    messages: Sequence[LabelledMessage],
    embed: Embed,
    *,
    embedding_id: str,
    data_sha256: str,
    max_false_nudges: float = MAX_FALSE_NUDGES,
    regularisation: float = REGULARISATION,
) -> tuple[NudgeModel, TrainingReport]:
    texts = [m.text for m in messages]
    nudge = np.array([m.nudge for m in messages])
    vectors = embed(texts)
    x = features(texts, vectors)
    n_dense = x.shape[1] - N_BUCKETS
    # The margin is measured between multilingual vectors; a MiniLM-only model goes without neighbours.
    space = multilingual_part(vectors) if MULTILINGUAL_ID in embedding_id.split("+") else None
    scores = out_of_fold_scores(x, nudge, regularisation, space)
    threshold = threshold_for(scores, nudge, max_false_nudges)
    flagged = scores >= threshold

    # The nudge head on everything, then one head per consideration on the nudges (which consideration, not whether).
    heads = [_classifier(regularisation).fit(x, nudge)]
    nudge_rows = np.flatnonzero(nudge)
    kinds = np.array([messages[int(i)].consideration for i in nudge_rows])
    considerations = tuple(sorted(set(kinds.tolist())))
    for consideration in considerations:
        heads.append(_classifier(regularisation).fit(x[nudge_rows], kinds == consideration))
    coef = np.vstack([h.coef_[0] for h in heads])
    intercept = np.array([h.intercept_[0] for h in heads])
    sparse_coef = coef[:, n_dense:]
    used = np.flatnonzero(np.abs(sparse_coef).max(axis=0) > 1e-6)

    everyday_total = int((~nudge).sum())
    report = TrainingReport(
        examples=len(texts),
        nudges=int(nudge.sum()),
        threshold=threshold,
        oof_precision=float(nudge[flagged].mean()) if flagged.any() else 1.0,
        oof_recall=float(flagged[nudge].mean()) if nudge.any() else 1.0,
        oof_false_nudges_per_1000=1000 * float(flagged[~nudge].sum()) / everyday_total if everyday_total else 0.0,
    )
    manifest: Manifest = {
        "threshold": round(threshold, 6),
        "embedding_id": embedding_id,
        "data_sha256": data_sha256,
        "examples": report.examples,
        "nudge_examples": report.nudges,
        "regularisation": regularisation,
        "max_false_nudges": max_false_nudges,
        "out_of_fold": {
            "precision": round(report.oof_precision, 4),
            "recall": round(report.oof_recall, 4),
            "false_nudges_per_1000": round(report.oof_false_nudges_per_1000, 3),
        },
    }
    model = NudgeModel(
        considerations=considerations,
        dense_coef=coef[:, :n_dense].astype(np.float32),
        sparse_cols=used.astype(np.int64),
        sparse_coef=sparse_coef[:, used].astype(np.float32),
        intercept=intercept.astype(np.float32),
        manifest=manifest,
        neighbours=None if space is None else Neighbours(quantised(space), nudge, NEIGHBOUR_WEIGHT),
    )
    return model, report
