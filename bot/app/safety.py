"""The misuse guard's maintenance use cases: train the classifier, check the shipped model against its
manifest and data, and measure it on labelled requests, without building the rest of the assistant.

Errors are one line (:class:`GuardDataError`, :class:`bot.core.guard.model.GuardModelError`); importing this
module stays light: scikit-learn and the model runtime load only inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.core.guard.data import LabelledRequest
from ingest.errors import DualuseError

if TYPE_CHECKING:
    from bot.core.guard.evaluate import GuardReport
    from bot.core.guard.train import TrainingReport

__all__ = [
    "GuardDataError",
    "LabelledRequest",
    "ModelCheck",
    "check_guard",
    "load_labelled_requests",
    "measure_guard",
    "train_guard",
]


class GuardDataError(DualuseError):
    """Labelled requests that cannot be used, or a model that does not match them."""


def load_labelled_requests(paths: Sequence[Path]) -> list[LabelledRequest]:
    """The labelled requests in ``paths``; a missing path, a bad line or an empty set is one line."""
    from bot.core.guard.data import load_requests

    for path in paths:
        if not path.exists():
            raise GuardDataError(f"{path} does not exist; give a .jsonl file or a folder of them")
    try:
        requests = load_requests(paths)
    except (OSError, ValueError) as exc:
        raise GuardDataError(str(exc)) from None
    if not requests:
        raise GuardDataError(f"no labelled requests in {', '.join(map(str, paths))}")
    return requests


def train_guard(paths: Sequence[Path], *, cache_dir: Path, out: Path | None = None) -> tuple[TrainingReport, Path]:
    """Train on the labelled requests in ``paths`` and write the model (default: the shipped one)."""
    try:
        from bot.core.guard.train import CachedEmbed, train
    except ImportError:
        raise GuardDataError('training needs scikit-learn: pip install -e ".[train]"') from None
    from bot.core.guard.data import data_hash
    from bot.core.guard.features import joined
    from bot.core.guard.model import MINILM_ID, MODEL_DIR, MULTILINGUAL_ID
    from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings

    requests = load_labelled_requests(paths)
    # The guard reads MiniLM vectors (shared with retrieval) and multilingual-e5 question vectors, whatever
    # backend retrieval uses.
    minilm, multilingual = MiniLMEmbeddings(), MultilingualE5Embeddings()
    embedding_id = f"{MINILM_ID}+{MULTILINGUAL_ID}"

    def both(texts: Sequence[str]) -> np.ndarray:
        return joined(minilm.embed_array(texts), multilingual.embed_queries(texts))

    embed = CachedEmbed(both, cache_dir / "guard-embeddings.npz", embedding_id)
    model, report = train(requests, embed, embedding_id=embedding_id, data_sha256=data_hash(paths))
    target = out or MODEL_DIR
    model.save(target)
    return report, target


@dataclass(frozen=True)
class ModelCheck:
    weights_sha256: str
    data_sha256: str
    threshold: float


def check_guard(paths: Sequence[Path]) -> ModelCheck:
    """The shipped model matches its manifest and was trained on the labelled data as it is now."""
    from bot.core.guard.data import data_hash
    from bot.core.guard.model import GuardModelError, load_model

    try:
        model = load_model()
    except GuardModelError as exc:
        raise GuardDataError(str(exc)) from None
    expected = data_hash(paths)
    if model.manifest.get("data_sha256") != expected:
        raise GuardDataError(
            "the guard model was trained on different labelled data; rebuild it with `dualuse guard train`"
        )
    return ModelCheck(str(model.manifest["weights_sha256"]), expected, model.threshold)


def measure_guard(paths: Sequence[Path]) -> GuardReport:
    """Refusal recall per area, precision and over-refusal of the guard alone (no index, no LLM)."""
    from bot.core.extractive import SentenceVectors
    from bot.core.guard import MisuseGuard
    from bot.core.guard.evaluate import evaluate_guard
    from ingest.embeddings import MiniLMEmbeddings

    requests = load_labelled_requests(paths)
    return evaluate_guard(requests, MisuseGuard(SentenceVectors(MiniLMEmbeddings())))
