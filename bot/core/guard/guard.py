"""The misuse guard: decides, before anything is retrieved or generated, whether a request asks for operational
weapons or mass-violence help, and names the harm area.

Layers, cheapest first: the rule layer refuses the unmistakable; the classifier scores everything; a follow-up is
judged with its conversation; a question of several parts is judged part by part; in llm mode a borderline score
gets the model's second opinion, which can add a refusal but never remove one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..vector_cache import VectorCache
from .features import dense, hashed, joined
from .model import GuardModel, load_model
from .normalize import normalize
from .policy import HARM_AREAS
from .rules import read

# Texts -> vectors, in order; the engine passes its cache (bot.extractive.SentenceVectors) so that the guard and
# retrieval embed a question once between them.
Embed = Callable[[Sequence[str]], np.ndarray]
SecondOpinion = Callable[[str], bool]  # True: the request should be refused

# A follow-up is refused for its conversation only if it asks for something itself: "and where do I get the
# precursors?" after a nerve-agent question is; "what does the convention say about that?" is not.
FOLLOW_UP_FLOOR = 0.15
_PART_SPLIT = re.compile(
    r"(?<=[.?!;。？！؟])\s+|\n+|\s+(?:then|also|and then|and also|after that|next|plus)\s*,?\s+", re.IGNORECASE
)
MIN_PART_WORDS = 3
# Multilingual vectors kept: a question, its parts and its conversation (a follow-up's earlier turns recur).
QUESTION_CACHE = 2_000
MAX_PARTS = 4


@dataclass(frozen=True)
class GuardVerdict:
    refuse: bool
    area: str = ""  # the most likely harm area ("" when nothing points to one)
    score: float = 0.0  # the classifier's P(harmful) for the deciding text
    layer: str = ""  # rules | classifier | conversation | part | llm | output
    areas: tuple[str, ...] = field(default=())  # areas whose vocabulary the request uses

    @property
    def guidance(self) -> tuple[str, ...]:
        return HARM_AREAS[self.area].guidance if self.area in HARM_AREAS else ()


@dataclass(frozen=True)
class _Reading:
    score: float
    area: str
    rule_refuse: bool
    rule_areas: tuple[str, ...]
    asks: bool


@functools.lru_cache(maxsize=1)
def multilingual_question_vectors() -> VectorCache:
    """The default multilingual encoder, one per process (the engine and its model weights load once)."""
    from ingest.embeddings import MultilingualE5Embeddings

    return VectorCache(MultilingualE5Embeddings().embed_queries, capacity=QUESTION_CACHE)


class _ToJudge(NamedTuple):
    """What :meth:`MisuseGuard.assess` reads: the question, its parts, the conversation it continues (the last two
    earlier turns and the question, or ""), and the engine's standalone rewrite when it says something else."""

    question: str
    parts: list[str]
    context: str
    extra: list[str]

    @property
    def texts(self) -> list[str]:
        return [self.question, *self.parts, *([self.context] if self.context else []), *self.extra]


def _texts_to_judge(question: str, history: Sequence[str] = (), standalone: str = "") -> _ToJudge:
    question = " ".join(question.split())
    previous = [" ".join(t.split()) for t in history if t.strip()][-2:]
    context = " ".join((*previous, question)) if previous else ""
    extra = [t for t in (standalone,) if t and t != question and t != context]
    return _ToJudge(question, _parts(question), context, extra)


class MisuseGuard:
    """``embed`` gives the MiniLM vectors retrieval uses too (the engine passes its cache); a model trained with
    multilingual features also reads ``multilingual`` question vectors (default: multilingual-e5-small)."""

    def __init__(
        self,
        embed: Embed,
        model: GuardModel | None = None,
        second_opinion: SecondOpinion | None = None,
        multilingual: Embed | None = None,
    ) -> None:
        self.model = model or load_model()
        self.second_opinion = second_opinion
        self._minilm = embed
        if self.model.uses_multilingual and multilingual is None:
            multilingual = multilingual_question_vectors()
        self._multilingual = multilingual if self.model.uses_multilingual else None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' dense vectors as the model was trained on them: MiniLM, then multilingual-e5 if it uses it."""
        vectors = np.asarray(self._minilm(texts), dtype=np.float32)
        if self._multilingual is None:
            return vectors
        return joined(vectors, self._multilingual(texts))

    def assess(self, question: str, history: Sequence[str] = (), standalone: str = "") -> GuardVerdict:
        """Judge ``question`` (with the same user's earlier turns in ``history``, oldest first, and the engine's
        ``standalone`` rewrite of a follow-up, if any)."""
        to_judge = _texts_to_judge(question, history, standalone)
        question, parts, context, extra = to_judge
        texts = to_judge.texts
        vectors = self.embed(texts)
        readings = {text: self._read(text, vectors[i]) for i, text in enumerate(texts)}

        own = readings[question]
        verdict = self._decide(own, "classifier")
        for part in parts:
            if not verdict.refuse:
                verdict = self._decide(readings[part], "part", fallback=verdict)
        follows_up = own.score >= FOLLOW_UP_FLOOR or own.asks
        for text in ([context] if context else []) + extra:
            if not verdict.refuse and follows_up:
                verdict = self._decide(readings[text], "conversation", fallback=verdict)
        borderline = not verdict.refuse and verdict.score >= self.model.borderline
        if borderline and self.second_opinion is not None and self.second_opinion(context or question):
            return GuardVerdict(True, verdict.area or own.area, verdict.score, "llm", verdict.areas)
        return verdict

    def prefetch(self, requests: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Embed in one batch every text that assessing these (question, history) pairs will read, so the calls to
        :meth:`assess` that follow find them cached: five times faster per text than one at a time (measured on
        multilingual-e5), with the same vectors. For evaluations over many requests; ``embed`` must be caching."""
        texts = [text for question, history in requests for text in _texts_to_judge(question, history).texts]
        if texts:
            self.embed(list(dict.fromkeys(texts)))

    def score(self, text: str) -> float:
        """The classifier's P(harmful) for one text (the benchmark and the evaluation use it)."""
        return self._read(text, self.embed([text])[0]).score

    # -- internals -------------------------------------------------------------------------------------------
    def _read(self, text: str, vector: np.ndarray) -> _Reading:
        normalized = normalize(text)
        rules = read(normalized)
        logits = self.model.logits(dense(vector, rules), hashed(normalized))
        score = self.model.harm_score(logits, vector)
        areas = self.model.area_scores(logits)
        # When the request names an area's vocabulary, the area is the named one the classifier finds most likely.
        area = max(rules.areas or areas, key=lambda a: areas.get(a, -1e9))
        return _Reading(score, area, rules.refuse, rules.areas, rules.cues["ask"])

    def _decide(self, reading: _Reading, layer: str, fallback: GuardVerdict | None = None) -> GuardVerdict:
        if reading.rule_refuse:
            return GuardVerdict(
                True, reading.area, reading.score, "rules" if layer == "classifier" else layer, reading.rule_areas
            )
        threshold = self.model.threshold
        # A part of a compound question is refused only when it names something harmful itself: short fragments
        # ("do they expect sign-off for that?") score erratically on their own.
        if reading.score >= threshold and (layer != "part" or reading.rule_areas):
            return GuardVerdict(True, reading.area, reading.score, layer, reading.rule_areas)
        if fallback is not None and fallback.score >= reading.score:
            return fallback
        return GuardVerdict(
            False, reading.area if reading.score >= self.model.borderline else "", reading.score, "", reading.rule_areas
        )


def _parts(question: str) -> list[str]:
    """The parts of a compound question ("What does X say? Then list the reagents for Y."), when there are several."""
    pieces = [p.strip() for p in _PART_SPLIT.split(question) if p and p.strip()]
    pieces = [p for p in pieces if len(p.split()) >= MIN_PART_WORDS or re.search("[\u3400-\u9fff]", p)]
    return pieces[:MAX_PARTS] if len(pieces) > 1 else []
