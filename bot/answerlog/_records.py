"""Plain dataclasses the answer log returns; nothing outside this package sees a database row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from bot.core.answers import Citation, RetrievedPassage

FEEDBACK_KINDS: tuple[str, ...] = ("helpful", "not_helpful", "flag")
REVIEW_ACTIONS: tuple[str, ...] = ("approve", "flag", "correct", "note")
REVIEW_STATES: tuple[str, ...] = ("unreviewed", "approved", "flagged", "corrected")
STATUSES: tuple[str, ...] = ("answered", "no_answer", "refused")
FEEDBACK_FILTERS: tuple[str, ...] = (*FEEDBACK_KINDS, "none", "any")
NUDGE_FEEDBACK_KINDS: tuple[str, ...] = ("useful", "not_now", "dont_nudge")
NUDGE_SURFACE = "nudge"  # the answer-log surface of nudges
STATE_AFTER: dict[str, str] = {"approve": "approved", "flag": "flagged", "correct": "corrected"}


@dataclass(frozen=True)
class AnswerFilter:
    """Every field optional; empty means "any". ``until`` is inclusive (the whole day)."""

    status: str = ""
    feedback: str = ""  # helpful | not_helpful | flag | none (no feedback at all) | any (some feedback)
    review: str = ""  # unreviewed | approved | flagged | corrected
    since: date | None = None
    until: date | None = None
    text: str = ""
    surface: str = ""
    area: str = ""  # the misuse guard's harm area (bot.guard.AREAS)


@dataclass(frozen=True)
class AnswerSummary:
    id: str
    created_at: datetime
    surface: str
    status: str
    question: str
    review_state: str
    reviewed: bool
    helpful: int
    not_helpful: int
    flags: int
    latency_ms: float
    area: str = ""  # the misuse guard's harm area, for refusals

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = _iso(self.created_at)
        return data


@dataclass(frozen=True)
class Page:
    items: list[AnswerSummary]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class FeedbackRecord:
    kind: str
    user: str
    created_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ReviewRecord:
    id: int
    action: str
    note: str
    reviewer: str
    created_at: datetime
    corrected_answer: str = ""


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    answer_id: str
    question: str
    answer: str
    sources: list[Citation]
    created_at: datetime


@dataclass(frozen=True)
class AnswerRecord:
    id: str
    created_at: datetime
    surface: str
    channel: str
    user: str
    question: str
    standalone_question: str
    status: str
    mode: str
    model: str
    answer: str
    notice: str
    reviewed: bool
    question_tokens: int
    answer_tokens: int
    context_tokens: int
    retrieval_ms: float
    generation_ms: float
    latency_ms: float
    review_state: str
    safety_area: str = ""
    safety_score: float = 0.0
    safety_layer: str = ""
    unsupported: list[str] = field(default_factory=list)  # LLM sentences removed from the answer as shown
    citations: list[Citation] = field(default_factory=list)
    passages: list[RetrievedPassage] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)
    reviews: list[ReviewRecord] = field(default_factory=list)
    correction: CorrectionRecord | None = None  # the active one

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = _iso(self.created_at)
        data["citations"] = [{**c.as_dict(), "chunk_id": c.chunk_id} for c in self.citations]
        for item in (*data["feedback"], *data["reviews"]):
            item["created_at"] = _iso(item["created_at"])
        if self.correction is not None:
            data["correction"]["created_at"] = _iso(self.correction.created_at)
            data["correction"]["sources"] = [c.as_dict() for c in self.correction.sources]
        return data


@dataclass(frozen=True)
class GapQuestion:
    question: str
    count: int
    last_seen: datetime
    answer_id: str
    corrected: bool


@dataclass(frozen=True)
class GapGroup:
    """No-answer questions whose nearest (but not close enough) document is ``topic``."""

    topic: str
    count: int
    questions: list[GapQuestion]


@dataclass(frozen=True)
class Stats:
    days: list[tuple[date, dict[str, int]]]  # oldest first; every day of the range, counts by status
    feedback: dict[str, int]
    top_documents: list[tuple[str, str, int]]  # (doc_id, title, citations)
    total: int
    refusals_by_area: list[tuple[str, int]] = field(default_factory=list)  # most first


@dataclass(frozen=True)
class ChannelWatch:
    """A channel's nudge opt-in as recorded: ``set_by`` is pseudonymised like the log's users."""

    channel: str
    watching: bool
    set_by: str
    set_at: datetime
    quiet_until: datetime | None = None

    def quiet_at(self, now: datetime) -> bool:
        return self.quiet_until is not None and now < self.quiet_until


@dataclass(frozen=True)
class NudgeSummary:
    """One nudge as the admin page and ``dualuse log`` list it: the triggering message, the nudge, and its feedback."""

    id: str
    created_at: datetime
    channel: str  # the Slack channel id when the channel is watched or was; else its pseudonym
    message: str
    nudge: str
    topic: str
    kind: str
    score: float
    guidance: str  # the cited document's title
    feedback: list[str] = field(default_factory=list)  # useful | not_now | dont_nudge, oldest first

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = _iso(self.created_at)
        return data


@dataclass(frozen=True)
class NudgePage:
    items: list[NudgeSummary]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ChannelNudges:
    """How many nudges one channel got in a period, and what people said about them."""

    channel: str
    nudges: int
    useful: int
    not_now: int
    dont_nudge: int


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"
