"""Feedback clicks (helpful / not helpful / flag for review), recorded with the answer they are about.

A small table of its own for now; the answer log will take it over.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Float, Integer, String, Table, Text, insert, select

from .storage import metadata

logger = logging.getLogger(__name__)

slack_feedback = Table(
    "slack_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(64), nullable=False, index=True),
    Column("rating", String(20), nullable=False),  # helpful | not_helpful | flag
    Column("status", String(20), nullable=False, default=""),  # the answer's status: answered, no_answer, refused
    Column("question", Text, nullable=False, default=""),
    Column("user_id", String(64), nullable=False, default=""),
    Column("team_id", String(64), nullable=False, default=""),
    Column("channel_id", String(64), nullable=False, default=""),
    Column("message_ts", String(64), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    rating: str
    status: str = ""
    question: str = ""
    user_id: str = ""
    team_id: str = ""
    channel_id: str = ""
    message_ts: str = ""


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, feedback: Feedback) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(slack_feedback).values(**feedback.__dict__, created_at=time.time()))
        logger.info("feedback %s on answer %s", feedback.rating, feedback.answer_id)

    def for_answer(self, answer_id: str) -> list[Feedback]:
        columns = [slack_feedback.c[name] for name in Feedback.__dataclass_fields__]
        query = select(*columns).where(slack_feedback.c.answer_id == answer_id).order_by(slack_feedback.c.id)
        with self.engine.connect() as connection:
            return [Feedback(*row) for row in connection.execute(query)]
