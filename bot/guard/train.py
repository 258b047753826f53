"""Train the guard's classifier from the labelled requests, reproducibly (fixed folds, deterministic solver).

Needs scikit-learn (``pip install -e ".[train]"``); serving needs numpy only. The refusal threshold is chosen on
out-of-fold scores of the training data so that at most ``max_false_refusals`` of benign training requests would be
refused; the blind split plays no part in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .data import LabelledRequest, training_text
from .features import N_BUCKETS, dense, hashed
from .model import GuardModel
from .normalize import normalize
from .policy import BENIGN, LABELS
from .rules import read

Embed = Callable[[Sequence[str]], np.ndarray]
REGULARISATION = 8.0  # inverse strength (scikit-learn's C), chosen by cross-validation on the training data
FOLDS = 5


@dataclass(frozen=True)
class TrainingReport:
    examples: int
    harmful: int
    threshold: float
    oof_recall: float  # out-of-fold refusal recall on harmful training requests, at the threshold
    oof_false_refusals: float  # out-of-fold share of benign training requests refused


def _matrix(texts: Sequence[str], embed: Embed):  # -> (scipy.sparse.csr_matrix, rule refusals)
    from scipy import sparse

    vectors = embed(list(texts))
    rows, cols, values, dense_rows, rule_refusals = [], [], [], [], []
    for i, text in enumerate(texts):
        normalized = normalize(text)
        rules = read(normalized)
        feats = hashed(normalized)
        rows += [i] * len(feats.indices)
        cols += feats.indices.tolist()
        values += feats.values.tolist()
        dense_rows.append(dense(vectors[i], rules))
        rule_refusals.append(rules.refuse)
    hashed_part = sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), N_BUCKETS), dtype=np.float64)
    dense_part = sparse.csr_matrix(np.vstack(dense_rows).astype(np.float64))
    return sparse.hstack([dense_part, hashed_part], format="csr"), np.array(rule_refusals)


def _classifier():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=REGULARISATION, max_iter=3000, solver="lbfgs", tol=1e-6)


def _threshold(harm: np.ndarray, harmful: np.ndarray, rule_refusals: np.ndarray, max_false_refusals: float) -> float:
    """The lowest score threshold whose out-of-fold false-refusal rate on benign requests stays within bounds."""
    benign_scores = np.sort(harm[~harmful & ~rule_refusals])[::-1]
    allowed = int(np.floor(max_false_refusals * (~harmful).sum())) - int((rule_refusals & ~harmful).sum())
    allowed = max(allowed, 0)
    if len(benign_scores) <= allowed:
        return 0.5
    # Just above the (allowed+1)-th highest benign score, never below 0.25 nor above 0.9.
    return float(np.clip(benign_scores[allowed] + 1e-4, 0.25, 0.9))


def train(
    requests: Sequence[LabelledRequest],
    embed: Embed,
    *,
    embedding_id: str,
    data_sha256: str,
    max_false_refusals: float = 0.005,
) -> tuple[GuardModel, TrainingReport]:
    from sklearn.model_selection import StratifiedKFold

    texts = [training_text(r) for r in requests]
    y = np.array([LABELS.index(r.label) for r in requests])
    harmful = y != LABELS.index(BENIGN)
    x, rule_refusals = _matrix(texts, embed)
    n_dense = x.shape[1] - N_BUCKETS

    # Out-of-fold harm scores choose the threshold.
    harm = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train_rows, test_rows in folds.split(np.zeros(len(y)), y):
        fold_model = _classifier().fit(x[train_rows], y[train_rows])
        probabilities = np.zeros((len(test_rows), len(LABELS)))
        probabilities[:, fold_model.classes_] = fold_model.predict_proba(x[test_rows])
        harm[test_rows] = 1.0 - probabilities[:, LABELS.index(BENIGN)]
    threshold = _threshold(harm, harmful, rule_refusals, max_false_refusals)
    refused = (harm >= threshold) | rule_refusals

    final = _classifier().fit(x, y)
    coef = np.zeros((len(LABELS), x.shape[1]))
    coef[final.classes_] = final.coef_
    intercept = np.full(len(LABELS), -30.0)
    intercept[final.classes_] = final.intercept_
    sparse_coef = coef[:, n_dense:]
    used = np.flatnonzero(np.abs(sparse_coef).max(axis=0) > 1e-6)
    report = TrainingReport(
        examples=len(texts),
        harmful=int(harmful.sum()),
        threshold=threshold,
        oof_recall=float(refused[harmful].mean()) if harmful.any() else 1.0,
        oof_false_refusals=float(refused[~harmful].mean()) if (~harmful).any() else 0.0,
    )
    manifest: dict[str, object] = {
        "threshold": round(threshold, 6),
        "borderline": round(threshold / 2, 6),
        "embedding_id": embedding_id,
        "data_sha256": data_sha256,
        "examples": report.examples,
        "harmful_examples": report.harmful,
        "regularisation": REGULARISATION,
        "out_of_fold": {"recall": round(report.oof_recall, 4), "false_refusals": round(report.oof_false_refusals, 4)},
    }
    model = GuardModel(
        labels=LABELS,
        dense_coef=coef[:, :n_dense].astype(np.float32),
        sparse_cols=used.astype(np.int64),
        sparse_coef=sparse_coef[:, used].astype(np.float32),
        intercept=intercept.astype(np.float32),
        manifest=manifest,
    )
    return model, report
