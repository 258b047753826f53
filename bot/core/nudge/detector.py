"""The nudge detector: judges one workplace message in memory and, when it describes work with dual-use potential,
returns the consideration to name and the one piece of guidance to cite.

Order, cheapest first: too short to judge; the classifier (bot/core/nudge/model); the misuse guard, whose refusal
points the nudge to its harm area's responsible-practice guidance (what a refusal cites) first; the guidance lookup,
which must find a relevant passage or the message gets no nudge (a nudge without a citation is only an opinion).
The guard's classifier is not a trigger of its own: on everyday team chat ("ack, looking into it") it is far too
eager; its rule layer, which refuses only the unmistakable, is (it refused none of 980 everyday training messages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from ..answers import Citation
from ..engine import citation_of
from ..extractive import candidate_sentences, term_overlap
from ..guard.normalize import normalize
from ..guard.policy import GENERAL_GUIDANCE, HARM_AREAS
from ..guard.rules import read
from ..retrieval import Passage, Retrieval
from ..text import content_terms
from .considerations import CONSIDERATIONS
from .model import Judgement, NudgeModel, load_model
from .notice import Notice, NoticeKind

Embed = Callable[[Sequence[str]], np.ndarray]
MIN_WORDS = 4  # "ship it", "lgtm 🚀": too little to judge
MIN_CJK_CHARS = 6
GUIDANCE_CANDIDATES = 12
# Without a preferred guidance document among the candidates, the best passage must be at least this close to the
# consideration's search to be cited.
MIN_GUIDANCE_SIMILARITY = 0.35
MAX_QUOTE_CHARS = 220
_CJK = re.compile("[\u3400-\u9fff]")


class GuidanceSource(Protocol):
    """What the detector needs from retrieval (bot.core.retrieval.HybridRetriever)."""

    def refresh(self) -> None: ...

    def retrieve(self, question: str, k: int | None = None, *, vector: Sequence[float] | None = None) -> Retrieval: ...


class Guard(Protocol):
    def assess(self, question: str, history: Sequence[str] = (), standalone: str = "") -> _Verdict: ...


class _Verdict(Protocol):
    @property
    def refuse(self) -> bool: ...

    @property
    def area(self) -> str: ...


class NudgeDetector:
    """``embed`` gives the message's dense features as the model was trained on them (the guard's ``embed``:
    MiniLM, then multilingual-e5); ``sentence_embed`` gives MiniLM vectors for choosing the quote."""

    def __init__(
        self,
        embed: Embed,
        sentence_embed: Embed,
        guidance: GuidanceSource,
        guard: Guard | None = None,
        model: NudgeModel | None = None,
    ) -> None:
        self.model = model or load_model()
        self._embed = embed
        self._sentence_embed = sentence_embed
        self._guidance = guidance
        self._guard = guard

    def judge(self, text: str) -> Judgement:
        """The classifier's probability that ``text`` deserves a nudge, and the consideration it would name."""
        return self.model.judge(text, self._embed([text])[0])

    def notice(self, text: str) -> Notice | None:
        text = " ".join(text.split())
        if not _judgeable(text):
            return None
        judgement = self.judge(text)
        # The guard's rule layer ("the synthesis route for sarin") also triggers: it never fires on team chat.
        if judgement.score < self.model.threshold and not read(normalize(text)).refuse:
            return None
        consideration = CONSIDERATIONS[judgement.consideration]
        # A message the misuse guard would refuse as a request is pointed to the responsible-practice guidance of
        # its harm area (what a refusal cites) before the consideration's own documents.
        verdict = self._guard.assess(text) if self._guard is not None else None
        kind: NoticeKind = "guard" if verdict is not None and verdict.refuse else "guidance"
        preferred: tuple[str, ...] = consideration.guidance
        if verdict is not None and verdict.refuse:
            area = HARM_AREAS.get(verdict.area)
            preferred = (*(area.guidance if area else ()), *GENERAL_GUIDANCE, *consideration.guidance)
        citation = self._cite(consideration.search, text, preferred)
        if citation is None:
            return None
        return Notice(judgement.score, consideration.key, consideration.line, citation, kind)

    # -- the guidance ------------------------------------------------------------------------------------------
    def _cite(self, search: str, text: str, preferred: Sequence[str]) -> Citation | None:
        self._guidance.refresh()  # the corpus may have changed since the last nudge (cheap when it has not)
        retrieval = self._guidance.retrieve(f"{search}. {text}", k=GUIDANCE_CANDIDATES)
        passage = _preferred(retrieval.passages, preferred)
        if passage is None:
            passages = [p for p in retrieval.passages if p.dense >= MIN_GUIDANCE_SIMILARITY]
            if not passages:
                return None
            passage = passages[0]
        return citation_of(1, passage, self._quote(passage, search), passage.fused)

    def _quote(self, passage: Passage, search: str) -> str:
        """The passage's sentence closest to the consideration, verbatim (cut at a word if very long)."""
        sentences = [s for s, _ in candidate_sentences([passage])]
        if not sentences:
            return _shortened(passage.chunk.text)
        vectors = np.asarray(self._sentence_embed([search, *sentences]), np.float32)
        semantic = vectors[1:] @ vectors[0]
        terms = content_terms(search)
        scores = [0.75 * float(c) + 0.25 * term_overlap(terms, s) for c, s in zip(semantic, sentences, strict=True)]
        return _shortened(sentences[int(np.argmax(scores))])


def _preferred(passages: Sequence[Passage], preferred: Sequence[str]) -> Passage | None:
    """The best-ranked passage of the most preferred guidance document among the candidates."""
    for doc_id in preferred:
        for passage in passages:
            if passage.document.doc_id == doc_id:
                return passage
    return None


def _judgeable(text: str) -> bool:
    if _CJK.search(text):
        return len(_CJK.findall(text)) >= MIN_CJK_CHARS
    return len(text.split()) >= MIN_WORDS


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    return text[: MAX_QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
