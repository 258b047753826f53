"""The answer an engine returns: plain dataclasses that every surface (CLI, Slack, log) renders its own way."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

Status = Literal["answered", "no_answer", "refused"]
Mode = Literal["extractive", "llm"]


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    publisher: str
    date: str
    url: str
    section: str
    page: int | None
    quote: str
    score: float
    chunk_id: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
            "section": self.section,
            "page": self.page,
            "quote": self.quote,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class SentenceSupport:
    """One sentence of an answer and, per citation number, the verbatim passage sentence that supports it."""

    text: str
    citations: list[tuple[int, str]]

    def as_dict(self) -> dict[str, object]:
        return {"text": self.text, "citations": [{"n": n, "quote": quote} for n, quote in self.citations]}


@dataclass(frozen=True)
class RetrievedPassage:
    """What the retriever handed to the composer, kept for the answer log."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    page: int | None
    text: str
    dense: float
    lexical: float
    fused: float
    rank: int = 0  # position in the retriever's list, 0 first (set by the answer log when it reads them back)


# The field names the answer log's columns mirror, for reading rows back into the one type.
CITATION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Citation))
PASSAGE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RetrievedPassage))


@dataclass
class Answer:
    question: str
    status: Status
    text: str  # what is shown: quotes or generated sentences with [n] markers, or the refusal / not-covered text
    citations: list[Citation]
    mode: Mode
    latency_ms: float
    standalone_question: str = ""
    notice: str = ""
    model: str = ""
    retrieval_ms: float = 0.0
    generation_ms: float = 0.0
    passages: list[RetrievedPassage] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # closest covered topics, for no_answer
    sentences: list[SentenceSupport] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # generated sentences no cited passage supports
    answer_id: str = ""  # set when the answer log records it; Slack feedback refers to it
    corrected: bool = False  # served from a correction the programme team approved (the log calls it 'reviewed')
    # The misuse guard's verdict: harm area, classifier score and deciding layer (see bot/core/guard).
    safety_area: str = ""
    safety_score: float = 0.0
    safety_layer: str = ""
    # The language the answer is written for (ISO 639-1): the question's, or the asker's locale when it is unclear.
    language: str = "en"

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "question": self.question,
            "status": self.status,
            "answer": self.text,
            "citations": [c.as_dict() for c in self.citations],
            "mode": self.mode,
            "latency_ms": round(self.latency_ms, 1),
            "language": self.language,
            "sentences": [s.as_dict() for s in self.sentences],
            "unsupported": list(self.unsupported),
        }
        if self.notice:
            data["notice"] = self.notice
        if self.status == "refused" and self.safety_area:
            data["area"] = self.safety_area
        return data
