"""The nudge detector's maintenance use cases: train its classifier, check the shipped model against its manifest
and data, and measure it on labelled messages, without building the rest of the assistant.

Errors are one line (:class:`NudgeDataError`); scikit-learn and the embedding engines load only inside the
functions that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.core.nudge.data import LabelledMessage
from ingest.errors import DualuseError

if TYPE_CHECKING:
    from bot.core.nudge.evaluate import Decision, NudgeReport
    from bot.core.nudge.train import TrainingReport

Embed = Callable[[Sequence[str]], np.ndarray]
Decide = Callable[[str], "Decision"]

__all__ = ["NudgeDataError", "check_nudge_model", "load_labelled_messages", "measure_nudges", "train_nudge_model"]


class NudgeDataError(DualuseError):
    """Labelled messages that cannot be used, or a model that does not match them."""


def load_labelled_messages(paths: Sequence[Path]) -> list[LabelledMessage]:
    """The labelled messages in ``paths``; a missing path, a bad line or an empty set is one line."""
    from bot.core.nudge.data import load_messages

    for path in paths:
        if not path.exists():
            raise NudgeDataError(f"{path} does not exist; give a .jsonl file or a folder of them")
    try:
        messages = load_messages(paths)
    except (OSError, ValueError) as exc:
        raise NudgeDataError(str(exc)) from None
    if not messages:
        raise NudgeDataError(f"no labelled messages in {', '.join(map(str, paths))}")
    return messages


def _message_vectors() -> tuple[str, Embed]:
    """The nudge model's dense features (MiniLM, then weighted multilingual-e5), as the guard computes them."""
    from bot.core.guard.features import joined
    from bot.core.guard.model import MINILM_ID, MULTILINGUAL_ID
    from ingest.embeddings import MiniLMEmbeddings, MultilingualE5Embeddings

    minilm, multilingual = MiniLMEmbeddings(), MultilingualE5Embeddings()

    def both(texts: Sequence[str]) -> np.ndarray:
        return joined(minilm.embed_array(texts), multilingual.embed_queries(texts))

    return f"{MINILM_ID}+{MULTILINGUAL_ID}", both


def train_nudge_model(
    paths: Sequence[Path], *, cache_dir: Path, out: Path | None = None
) -> tuple[TrainingReport, Path]:
    """Train on the labelled messages in ``paths`` and write the model (default: the shipped one)."""
    try:
        from bot.core.guard.train import CachedEmbed
        from bot.core.nudge.train import train
    except ImportError:
        raise NudgeDataError('training needs scikit-learn: pip install -e ".[train]"') from None
    from bot.core.nudge.data import data_hash
    from bot.core.nudge.model import MODEL_DIR

    messages = load_labelled_messages(paths)
    embedding_id, both = _message_vectors()
    embed = CachedEmbed(both, cache_dir / "nudge-embeddings.npz", embedding_id)
    model, report = train(messages, embed, embedding_id=embedding_id, data_sha256=data_hash(paths))
    target = out or MODEL_DIR
    model.save(target)
    return report, target


@dataclass(frozen=True)
class NudgeModelCheck:
    weights_sha256: str
    data_sha256: str
    threshold: float


def check_nudge_model(paths: Sequence[Path]) -> NudgeModelCheck:
    """The shipped model matches its manifest and was trained on the labelled data as it is now."""
    from bot.core.nudge.data import data_hash
    from bot.core.nudge.model import NudgeModelError, load_model

    try:
        model = load_model()
    except NudgeModelError as exc:
        raise NudgeDataError(str(exc)) from None
    expected = data_hash(paths)
    if model.manifest.get("data_sha256") != expected:
        raise NudgeDataError(
            "the nudge model was trained on different labelled data; rebuild it with `dualuse nudge train`"
        )
    return NudgeModelCheck(str(model.manifest["weights_sha256"]), expected, model.threshold)


def classifier_decisions() -> tuple[Decide, Callable[[Sequence[str]], None]]:
    """Decide with the shipped classifier alone (no index: every nudge it flags is assumed to find guidance), and
    embed messages ahead in a batch (five times faster per text than one by one, the same vectors)."""
    from bot.core.nudge.evaluate import Decision
    from bot.core.nudge.model import load_model
    from bot.core.vector_cache import VectorCache

    model = load_model()
    _, both = _message_vectors()
    vectors = VectorCache(both, capacity=1_000)

    def decide(text: str) -> Decision:
        score = model.judge(text, vectors([text])[0]).score
        return Decision(score >= model.threshold, score)

    def prefetch(texts: Sequence[str]) -> None:
        vectors(texts)

    return decide, prefetch


def measure_nudges(paths: Sequence[Path], decide: Decide | None = None) -> NudgeReport:
    """Precision, recall and false nudges per 1,000 everyday messages on labelled messages. ``decide`` defaults to
    the shipped classifier alone; the assistant's evaluation passes its full detector."""
    from bot.core.nudge.evaluate import evaluate_nudges

    messages = load_labelled_messages(paths)
    if decide is not None:
        return evaluate_nudges(messages, decide)
    return evaluate_nudges(messages, *classifier_decisions())
