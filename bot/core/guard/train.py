"""Train the guard's classifier from the labelled requests, reproducibly (fixed folds, deterministic solver).

Needs scikit-learn (``pip install -e ".[train]"``); serving needs numpy only. The refusal threshold is chosen on
out-of-fold scores of the training data so that at most ``max_false_refusals`` of benign training requests would be
refused; the blind split plays no part in it.

Three heads score a request and their probabilities multiply: harm (harmful or not, over everything), topic (about
weapons and attacks at all, over everything) and intent (harmful or not, over on-topic requests only). Out of fold
on the training data, the product refuses 0.84 of harmful requests at 1% false refusals where the harm head alone
refuses 0.80, and 0.80 against 0.77 at 0.75%.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..neighbours import Neighbours, combined_score, out_of_fold_margins, quantised
from .data import LabelledRequest, on_topic, training_text
from .features import N_BUCKETS, dense, hashed, multilingual_part
from .model import MULTILINGUAL_ID, GuardModel, Manifest
from .normalize import normalize
from .policy import AREAS, BENIGN
from .rules import read

if TYPE_CHECKING:  # imported when training only; neither ships type information
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

Embed = Callable[[Sequence[str]], np.ndarray]
REGULARISATION = 32.0  # inverse strength (scikit-learn's C), chosen by cross-validation on the training data
FOLDS = 5
# Fresh benign requests are refused more often than out-of-fold ones (the blind split's over-refusal has run at about
# 1.5 times the out-of-fold rate), so the threshold keeps a margin under the 1% goal.
MAX_FALSE_REFUSALS = 0.0075
SCORE_HEADS = ["harm", "topic", "intent"]
# What one unit of nearest-neighbour margin adds to the heads' logit, chosen out of fold on the training data: recall
# at 0.75% false refusals 0.82 at 50, 0.83 at 70, 0.75 without; larger weights let the neighbours overrule the heads.
NEIGHBOUR_WEIGHT = 60.0


class CachedEmbed:
    """Embeddings of labelled texts kept on disk between trainings: retraining after adding fifty requests embeds
    fifty texts, not three thousand. The cache is keyed by the text's hash and the embedding model's id."""

    def __init__(self, embed: Embed, path: Path, embedding_id: str) -> None:
        self.embed, self.path, self.embedding_id = embed, path, embedding_id

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedding_id}\x00{text}".encode()).hexdigest()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        cache: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                cache = {}  # a damaged cache is only a slower run
        keys = [self._key(t) for t in texts]
        missing = [t for k, t in zip(keys, texts, strict=True) if k not in cache]
        if missing:
            for text, vector in zip(missing, self.embed(missing), strict=True):
                cache[self._key(text)] = np.asarray(vector, dtype=np.float32)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp.npz")
            np.savez(temporary, keys=np.array(list(cache)), vectors=np.vstack(list(cache.values())))
            temporary.replace(self.path)
        return np.vstack([cache[k] for k in keys])


@dataclass(frozen=True)
class LanguageFigures:
    harmful: int
    benign: int
    recall: float  # out of fold, at the one threshold every language shares
    false_refusals: float


@dataclass(frozen=True)
class TrainingReport:
    examples: int
    harmful: int
    threshold: float
    oof_recall: float  # out-of-fold refusal recall on harmful training requests, at the threshold
    oof_false_refusals: float  # out-of-fold share of benign training requests refused
    # The same per language of the labelled data: where to write more of it (the shared threshold favours none).
    by_language: dict[str, LanguageFigures]


def _matrix(texts: Sequence[str], vectors: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """The requests' features (``vectors`` are their embeddings), one row each, and whether the rule layer refuses
    each one."""
    from scipy import sparse

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


def _by_language(languages: np.ndarray, harmful: np.ndarray, refused: np.ndarray) -> dict[str, LanguageFigures]:
    figures = {}
    for language in sorted(set(languages.tolist())):
        rows = languages == language
        bad, good = rows & harmful, rows & ~harmful
        figures[language] = LanguageFigures(
            harmful=int(bad.sum()),
            benign=int(good.sum()),
            recall=float(refused[bad].mean()) if bad.any() else 1.0,
            false_refusals=float(refused[good].mean()) if good.any() else 0.0,
        )
    return figures


def _classifier(regularisation: float = REGULARISATION) -> LogisticRegression:
    from sklearn.linear_model import LogisticRegression

    # liblinear is deterministic and fast on sparse rows; one binary head at a time.
    return LogisticRegression(C=regularisation, solver="liblinear", max_iter=2000, tol=1e-6)


def _threshold(harm: np.ndarray, harmful: np.ndarray, rule_refusals: np.ndarray, max_false_refusals: float) -> float:
    """The lowest score threshold whose out-of-fold false-refusal rate on benign requests stays within bounds
    (counting the benign requests the rule layer already refuses)."""
    benign = ~harmful
    allowed = int(np.floor(max_false_refusals * benign.sum())) - int((rule_refusals & benign).sum())
    scores = np.sort(harm[benign & ~rule_refusals])[::-1]
    if allowed < 0 or len(scores) == 0:
        return 0.99
    if allowed >= len(scores):
        return 0.5
    return float(np.clip(scores[allowed] + 1e-6, 0.05, 0.99))


def train(
    requests: Sequence[LabelledRequest],
    embed: Embed,
    *,
    embedding_id: str,
    data_sha256: str,
    max_false_refusals: float = MAX_FALSE_REFUSALS,
) -> tuple[GuardModel, TrainingReport]:
    from sklearn.model_selection import StratifiedKFold

    texts = [training_text(r) for r in requests]
    labels = np.array([r.label for r in requests])
    harmful = labels != BENIGN
    topical = np.array([on_topic(r) for r in requests])
    vectors = embed(texts)
    x, rule_refusals = _matrix(texts, vectors)
    n_dense = x.shape[1] - N_BUCKETS
    # The margin is measured between multilingual vectors; a MiniLM-only model goes without neighbours.
    space = multilingual_part(vectors) if MULTILINGUAL_ID in embedding_id.split("+") else None

    def score_heads(rows: np.ndarray) -> list[LogisticRegression]:
        on = rows[topical[rows]]
        return [
            _classifier().fit(x[rows], harmful[rows]),
            _classifier().fit(x[rows], topical[rows]),
            _classifier().fit(x[on], harmful[on]),
        ]

    # Out-of-fold harm scores choose the threshold; folds are stratified by label.
    harm = np.ones(len(texts))
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(np.zeros(len(labels)), labels))
    for train_rows, test_rows in folds:
        for head in score_heads(train_rows):
            harm[test_rows] *= head.predict_proba(x[test_rows])[:, 1]
    if space is not None:
        margins = out_of_fold_margins(space, harmful, folds)
        harm = np.array([combined_score(p, NEIGHBOUR_WEIGHT * m) for p, m in zip(harm, margins, strict=True)])
    threshold = _threshold(harm, harmful, rule_refusals, max_false_refusals)
    refused = (harm >= threshold) | rule_refusals

    # The score heads on everything, then one head per area on the harmful requests (which area, not whether).
    heads = score_heads(np.arange(len(texts)))
    harmful_rows = np.flatnonzero(harmful)
    for area in AREAS:
        heads.append(_classifier().fit(x[harmful_rows], labels[harmful_rows] == area))
    coef = np.vstack([h.coef_[0] for h in heads])
    intercept = np.array([h.intercept_[0] for h in heads])
    sparse_coef = coef[:, n_dense:]
    used = np.flatnonzero(np.abs(sparse_coef).max(axis=0) > 1e-6)
    report = TrainingReport(
        examples=len(texts),
        harmful=int(harmful.sum()),
        threshold=threshold,
        oof_recall=float(refused[harmful].mean()) if harmful.any() else 1.0,
        oof_false_refusals=float(refused[~harmful].mean()) if (~harmful).any() else 0.0,
        by_language=_by_language(np.array([r.lang for r in requests]), harmful, refused),
    )
    manifest: Manifest = {
        "threshold": round(threshold, 6),
        "borderline": round(threshold / 2, 6),
        "embedding_id": embedding_id,
        "data_sha256": data_sha256,
        "examples": report.examples,
        "harmful_examples": report.harmful,
        "regularisation": REGULARISATION,
        "score_heads": SCORE_HEADS,
        "max_false_refusals": max_false_refusals,
        "out_of_fold": {"recall": round(report.oof_recall, 4), "false_refusals": round(report.oof_false_refusals, 4)},
    }
    model = GuardModel(
        areas=AREAS,
        dense_coef=coef[:, :n_dense].astype(np.float32),
        sparse_cols=used.astype(np.int64),
        sparse_coef=sparse_coef[:, used].astype(np.float32),
        intercept=intercept.astype(np.float32),
        manifest=manifest,
        neighbours=None if space is None else Neighbours(quantised(space), harmful, NEIGHBOUR_WEIGHT),
    )
    return model, report
