"""The answer log: every answer from every surface, with what was retrieved and shown, feedback and reviews.

    log = open_answer_log(settings)
    answer_id = log.record(answer, surface="slack", channel="C123", user="U456")
    log.record_feedback(answer_id, "helpful", user="U456")
    log.review(answer_id, "correct", corrected_answer="...")

SQLite in the data directory by default, any SQLAlchemy URL (``postgresql://...`` included) by
``DUALUSE_DATABASE_URL``; the schema is migrated to the newest version when the log is opened.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.datadir import prepare_data_dir
from bot.settings import Settings

from ._corrections import CORRECTION_NOTICE, DEFAULT_THRESHOLD, CorrectedAnswers
from ._db import make_engine, normalise_url, open_database, upgrade, wait_for_database
from ._errors import AnswerLogError, AnswerLogUnavailable
from ._nudges import NudgeLog, ThreadAlreadyNudged
from ._records import (
    FEEDBACK_FILTERS,
    FEEDBACK_KINDS,
    NUDGE_FEEDBACK_KINDS,
    NUDGE_SURFACE,
    REVIEW_ACTIONS,
    REVIEW_STATES,
    STATUSES,
    AnswerFilter,
    AnswerRecord,
    AnswerSummary,
    ChannelNudges,
    ChannelWatch,
    CorrectionRecord,
    FeedbackRecord,
    GapGroup,
    GapQuestion,
    NudgePage,
    NudgeSummary,
    Page,
    ReviewRecord,
    Stats,
)
from ._secrets import load_or_create_secret, pseudonymise
from ._spool import SPOOL_FILE, AnswerSpool
from ._store import AnswerLog

PSEUDONYM_KEY_FILE = "log-pseudonym.key"


def pseudonym_key(settings: Settings) -> bytes | None:
    """The key that pseudonymises user and channel ids, or None when raw ids are kept."""
    if settings.log_raw_users:
        return None
    return load_or_create_secret(settings.data_dir / PSEUDONYM_KEY_FILE, settings.log_pseudonym_key).encode("utf-8")


def answer_spool(settings: Settings) -> AnswerSpool | None:
    """Where answers wait while a database server is unreachable; None for SQLite, a file in the data dir itself."""
    if make_url(normalise_url(settings.database_url_or_default)).get_backend_name() == "sqlite":
        return None
    return AnswerSpool(settings.data_dir / SPOOL_FILE)


def answer_log_on(engine: Engine, settings: Settings) -> AnswerLog:
    """The answer log on an engine already opened (and migrated) for the database the settings name."""
    return AnswerLog(
        engine,
        pseudonym_key=pseudonym_key(settings),
        spool=answer_spool(settings),
        retry_seconds=settings.log_retry_seconds,
    )


def open_answer_log(settings: Settings) -> AnswerLog:
    """Open (and migrate) the log the settings name."""
    prepare_data_dir(settings.data_dir)
    engine = make_engine(settings.database_url_or_default)
    upgrade(engine)
    return answer_log_on(engine, settings)


__all__ = [
    "DEFAULT_THRESHOLD",
    "FEEDBACK_FILTERS",
    "FEEDBACK_KINDS",
    "NUDGE_FEEDBACK_KINDS",
    "NUDGE_SURFACE",
    "CORRECTION_NOTICE",
    "REVIEW_ACTIONS",
    "REVIEW_STATES",
    "STATUSES",
    "AnswerFilter",
    "AnswerLog",
    "AnswerLogError",
    "AnswerLogUnavailable",
    "AnswerRecord",
    "AnswerSpool",
    "AnswerSummary",
    "ChannelNudges",
    "ChannelWatch",
    "CorrectedAnswers",
    "CorrectionRecord",
    "FeedbackRecord",
    "GapGroup",
    "GapQuestion",
    "NudgeLog",
    "NudgePage",
    "NudgeSummary",
    "SPOOL_FILE",
    "Page",
    "ReviewRecord",
    "ThreadAlreadyNudged",
    "Stats",
    "answer_log_on",
    "answer_spool",
    "load_or_create_secret",
    "make_engine",
    "normalise_url",
    "open_answer_log",
    "open_database",
    "pseudonym_key",
    "pseudonymise",
    "wait_for_database",
]
