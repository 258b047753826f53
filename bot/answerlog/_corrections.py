"""Approved corrections feed back into answering: a question close to a corrected one gets the corrected answer.

"Close" is the cosine of MiniLM question embeddings. 0.89 was calibrated on re-worded corpus questions (0.897 to 0.98)
against the distinct questions of the golden set, many on the same topics (up to 0.883; the few above are
narrower variants of one question, e.g. "...autonomous weapons that target people?"). Serving a correction to a
different question is worse than missing a re-wording; tests/answerlog/test_corrections.py keeps both sides honest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings
from sqlalchemy.exc import SQLAlchemyError

from bot.core.answers import Answer
from ingest.errors import DualuseError

from ._store import AnswerLog

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.89
CORRECTION_NOTICE = "This answer was reviewed and corrected by the programme team."


class CorrectedAnswers:
    """The engine's ``Corrections``: reads the active corrections on every lookup, so new ones apply at once."""

    def __init__(self, log: AnswerLog, embeddings: Embeddings, *, threshold: float = DEFAULT_THRESHOLD) -> None:
        self._log = log
        self.embeddings = embeddings
        self.threshold = threshold
        self._vectors: dict[tuple[int, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def lookup(self, question: str, vector: Sequence[float] | None = None) -> Answer | None:
        try:
            corrections = self._log.active_corrections()
        except (SQLAlchemyError, DualuseError) as exc:
            # A broken log (or a database server away) must not stop the assistant from answering from the corpus.
            logger.warning("could not read the reviewed answers (%s); answering from the corpus", _first_line(exc))
            logger.debug("reading the reviewed answers failed", exc_info=True)
            return None
        if not corrections:
            return None
        vectors = self._embed([(c.id, c.question) for c in corrections])
        if vector is None:
            vector = self.embeddings.embed_query(question)
        query = _unit(np.asarray(vector, dtype=np.float32))
        scores = vectors @ query
        best = int(np.argmax(scores))
        if float(scores[best]) < self.threshold:
            return None
        chosen = corrections[best]
        logger.info("using correction %d (similarity %.3f)", chosen.id, float(scores[best]))
        return Answer(
            question=question,
            status="answered",
            text=chosen.answer,
            citations=list(chosen.sources),
            mode="extractive",
            latency_ms=0.0,
            notice=CORRECTION_NOTICE,
            corrected=True,
        )

    def similarity(self, a: str, b: str) -> float:
        first, second = (_unit(np.asarray(v, dtype=np.float32)) for v in self.embeddings.embed_documents([a, b]))
        return float(first @ second)

    def _embed(self, items: list[tuple[int, str]]) -> np.ndarray:
        with self._lock:
            missing = [item for item in items if item not in self._vectors]
            if missing:
                for item, vector in zip(missing, self.embeddings.embed_documents([q for _, q in missing]), strict=True):
                    self._vectors[item] = _unit(np.asarray(vector, dtype=np.float32))
            return np.stack([self._vectors[item] for item in items])


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0]}" if lines else type(orig).__name__


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
