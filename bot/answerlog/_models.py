"""The answer log's tables (SQLAlchemy 2 declarative). Changes here need a new migration in ``migrations/versions``.

Times are naive UTC on every database, so SQLite and PostgreSQL compare them the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _answer_fk() -> Mapped[str]:
    return mapped_column(String(32), ForeignKey("answers.id", ondelete="CASCADE"), index=True)


class AnswerRow(Base):
    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    surface: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[str] = mapped_column(String(128), default="")
    question: Mapped[str] = mapped_column(Text)
    standalone_question: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(128), default="")
    answer: Mapped[str] = mapped_column(Text)
    notice: Mapped[str] = mapped_column(Text, default="")
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)  # served from an approved correction
    question_tokens: Mapped[int] = mapped_column(Integer, default=0)
    answer_tokens: Mapped[int] = mapped_column(Integer, default=0)
    context_tokens: Mapped[int] = mapped_column(Integer, default=0)
    retrieval_ms: Mapped[float] = mapped_column(Float, default=0.0)
    generation_ms: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    review_state: Mapped[str] = mapped_column(String(16), default="unreviewed", index=True)
    # The misuse guard's verdict: the harm area (refusals, and answered requests near the line), its score and the
    # layer that decided (rules, classifier, conversation, part, llm, output).
    safety_area: Mapped[str] = mapped_column(String(32), default="", index=True)
    safety_score: Mapped[float] = mapped_column(Float, default=0.0)
    safety_layer: Mapped[str] = mapped_column(String(16), default="")
    # LLM sentences no cited passage supports: not shown to the user, kept for review.
    unsupported: Mapped[list[str] | None] = mapped_column(JSON, nullable=True, default=list)


class PassageRow(Base):
    __tablename__ = "retrieved_passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = _answer_fk()
    rank: Mapped[int] = mapped_column(Integer)
    chunk_id: Mapped[str] = mapped_column(String(256))
    doc_id: Mapped[str] = mapped_column(String(256))
    title: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(Text, default="")
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    dense: Mapped[float] = mapped_column(Float, default=0.0)
    lexical: Mapped[float] = mapped_column(Float, default=0.0)
    fused: Mapped[float] = mapped_column(Float, default=0.0)


class CitationRow(Base):
    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = _answer_fk()
    n: Mapped[int] = mapped_column(Integer)
    doc_id: Mapped[str] = mapped_column(String(256), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    publisher: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str] = mapped_column(String(32), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(Text, default="")
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quote: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    chunk_id: Mapped[str] = mapped_column(String(256), default="")


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = _answer_fk()
    kind: Mapped[str] = mapped_column(String(16), index=True)  # helpful | not_helpful | flag
    user_id: Mapped[str] = mapped_column(String(128), default="")  # one row per named user and answer (0003)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")  # optional, for not_helpful and flag


class ReviewRow(Base):
    __tablename__ = "review_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = _answer_fk()
    action: Mapped[str] = mapped_column(String(16))  # approve | flag | correct | note
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CorrectionRow(Base):
    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = _answer_fk()
    review_id: Mapped[int] = mapped_column(Integer, ForeignKey("review_actions.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)  # the newest correction of its answer
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AdminSessionRow(Base):
    """A signed-in admin session; signing out deletes it, so a copied cookie stops working."""

    __tablename__ = "admin_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the session id, never the id
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class NudgeRow(Base):
    """What makes an answer-log record a nudge (surface "nudge"): where it was posted and why (migration 0007).

    The triggering message is the record's question and the nudge its answer; the channel is pseudonymised like the
    record's. One nudge per thread: the unique key holds it across retries and processes.
    """

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("channel_id", "thread_ts", name="ux_nudges_channel_thread"),)

    answer_id: Mapped[str] = mapped_column(String(32), ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_ts: Mapped[str] = mapped_column(
        String(32)
    )  # the thread the nudge went to (the message's own ts at top level)
    message_ts: Mapped[str] = mapped_column(String(32))
    nudge_ts: Mapped[str] = mapped_column(String(32), default="")  # the nudge's own message, once posted
    topic: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16), default="guidance")  # guidance | guard
    score: Mapped[float] = mapped_column(Float, default=0.0)  # the classifier's score
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class NudgeChannelRow(Base):
    """A channel's nudge opt-in: who turned it on or off and when, and a quiet period after "don't nudge".

    The channel id is kept as Slack gives it (the App Home lists the watched channels); the person is pseudonymised
    like the answer log's users.
    """

    __tablename__ = "nudge_channels"

    channel_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    watching: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by: Mapped[str] = mapped_column(String(128), default="")
    set_at: Mapped[datetime] = mapped_column(DateTime)
    quiet_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
