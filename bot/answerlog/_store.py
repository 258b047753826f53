"""The answer log: record every answer with what was retrieved and shown, then feedback and review actions.

Methods take plain arguments and return the dataclasses of ``_records``; sessions never leave this module.
"""

from __future__ import annotations

import builtins
import functools
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.answers import Answer
from ingest.tokens import count_tokens

from . import _queries
from ._db import make_engine, upgrade
from ._errors import AnswerLogError, AnswerLogUnavailable
from ._models import (
    AdminSessionRow,
    AnswerRow,
    CitationRow,
    CorrectionRow,
    FeedbackRow,
    NudgeRow,
    PassageRow,
    ReviewRow,
)
from ._nudges import NudgeLog
from ._records import (
    FEEDBACK_KINDS,
    REVIEW_ACTIONS,
    STATE_AFTER,
    AnswerFilter,
    AnswerRecord,
    CorrectionRecord,
    GapGroup,
    Page,
    ReviewRecord,
    Stats,
)
from ._secrets import pseudonymise
from ._spool import AnswerSpool
from ._writes import DEFAULT_RETRY_SECONDS, AnswerWriter, first_line, unreachable

logger = logging.getLogger(__name__)

MIN_ID_PREFIX = 6
EVERYTHING = AnswerFilter()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AnswerLog:
    """One database (SQLite or PostgreSQL); safe to share between threads (one session per call)."""

    def __init__(
        self,
        engine: Engine,
        *,
        pseudonym_key: bytes | None,
        spool: AnswerSpool | None = None,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
    ) -> None:
        """``spool``: where answers wait while the database server cannot be reached (``_writes``); None raises."""
        self.engine = engine
        self.pseudonym_key = pseudonym_key  # None: keep raw user and channel ids
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = AnswerWriter(self._sessions, spool, retry_seconds)

    @classmethod
    def open(
        cls,
        url: str,
        *,
        pseudonym_key: bytes | None,
        migrate: bool = True,
        spool: AnswerSpool | None = None,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
    ) -> AnswerLog:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, pseudonym_key=pseudonym_key, spool=spool, retry_seconds=retry_seconds)

    def close(self) -> None:
        self._writer.close()
        self.engine.dispose()

    def write_kept(self) -> bool:
        """Write the answers kept while the database was unreachable; True when none is left waiting."""
        return self._writer.drain()

    @functools.cached_property
    def nudges(self) -> NudgeLog:
        """The nudge side of the log: channels' opt-ins and the nudges posted (``_nudges``)."""
        return NudgeLog(self.engine, pseudonym_key=self.pseudonym_key)

    # -- writing -----------------------------------------------------------------------------------------
    def record(
        self,
        answer: Answer,
        *,
        surface: str,
        channel: str = "",
        user: str = "",
        answer_id: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Store ``answer`` as shown on ``surface``; sets and returns ``answer.answer_id``."""
        answer_id = answer_id or answer.answer_id or uuid.uuid4().hex
        columns = {
            "id": answer_id,
            "created_at": (at or utcnow()).isoformat(),
            "surface": surface,
            "channel_id": pseudonymise(channel, self.pseudonym_key),
            "user_id": pseudonymise(user, self.pseudonym_key),
            "question": answer.question,
            "standalone_question": answer.standalone_question,
            "status": answer.status,
            "mode": answer.mode,
            "model": answer.model,
            "answer": answer.text,
            "notice": answer.notice,
            "reviewed": answer.corrected,
            "question_tokens": count_tokens(answer.standalone_question or answer.question),
            "answer_tokens": count_tokens(answer.text),
            "context_tokens": sum(count_tokens(p.text) for p in answer.passages),
            "retrieval_ms": answer.retrieval_ms,
            "generation_ms": answer.generation_ms,
            "latency_ms": answer.latency_ms,
            "review_state": "unreviewed",
            "safety_area": answer.safety_area,
            "safety_score": answer.safety_score,
            "safety_layer": answer.safety_layer,
            "unsupported": list(answer.unsupported),
        }
        # Plain JSON values (the spool keeps them as they are while the database server is away).
        payload = {
            "answer": columns,
            "passages": [asdict(p) | {"rank": rank} for rank, p in enumerate(answer.passages)],
            "citations": [asdict(c) for c in answer.citations],
        }
        self._writer.write(answer_id, payload)
        answer.answer_id = answer_id
        logger.debug("logged answer %s (%s, %s)", answer_id, surface, answer.status)
        return answer_id

    def record_feedback(self, answer_id: str, kind: str, user: str = "", reason: str | None = None) -> None:
        """A feedback click on a logged answer: ``kind`` is helpful, not_helpful or flag.

        One row per person and answer: a later click by the same user changes the kind (and clears a reason given
        for the earlier kind); ``reason`` (None: unchanged) is what they wrote when asked why.
        """
        if kind not in FEEDBACK_KINDS:
            raise AnswerLogError(f"unknown feedback {kind!r}; use one of: {', '.join(FEEDBACK_KINDS)}")
        user_id = pseudonymise(user, self.pseudonym_key)
        if self._writer.waiting:
            self._writer.drain()  # the answer may still be in the spool
        for attempt in range(2):  # a concurrent first click by the same user wins the insert; then update it
            try:
                with self._sessions.begin() as session:
                    self._upsert_feedback(session, answer_id, kind, user_id, reason)
                break
            except IntegrityError:
                if attempt:
                    raise
            except SQLAlchemyError as exc:
                if not unreachable(exc):
                    raise
                # Not kept like an answer: a click is cheap to repeat, and the person is told to.
                raise AnswerLogUnavailable(
                    f"the answer log's database is unreachable right now ({first_line(exc)}): feedback not recorded"
                ) from None
        logger.info("feedback %s on answer %s", kind, answer_id)

    @staticmethod
    def _upsert_feedback(session: Session, answer_id: str, kind: str, user_id: str, reason: str | None) -> None:
        if session.get(AnswerRow, answer_id) is None:
            raise AnswerLogError(f"no logged answer has the id {answer_id!r}")
        row = None
        if user_id:
            query = select(FeedbackRow).where(FeedbackRow.answer_id == answer_id, FeedbackRow.user_id == user_id)
            row = session.scalars(query).first()
        if row is None:
            session.add(
                FeedbackRow(answer_id=answer_id, kind=kind, user_id=user_id, created_at=utcnow(), reason=reason or "")
            )
            return
        if row.kind != kind:
            row.kind, row.reason = kind, ""
        if reason is not None:
            row.reason = reason
        row.created_at = utcnow()

    def review(
        self,
        answer_id: str,
        action: str,
        *,
        note: str = "",
        corrected_answer: str = "",
        source_chunks: Sequence[str] | None = None,
        reviewer: str = "admin",
    ) -> ReviewRecord:
        """Approve, flag, correct (with the corrected text and the chunk ids of its sources) or annotate an answer.

        A correction is approved as it is written (only admins write them) and replaces the answer's earlier ones.
        """
        if action not in REVIEW_ACTIONS:
            raise AnswerLogError(f"unknown review action {action!r}; use one of: {', '.join(REVIEW_ACTIONS)}")
        note, corrected_answer = note.strip(), corrected_answer.strip()
        if action == "correct" and not corrected_answer:
            raise AnswerLogError("a correction needs the corrected answer text")
        if action == "note" and not note:
            raise AnswerLogError("the note is empty")
        now = utcnow()
        with self._sessions.begin() as session:
            answer = session.get(AnswerRow, answer_id)
            if answer is None:
                raise AnswerLogError(f"no logged answer has the id {answer_id!r}")
            review = ReviewRow(answer_id=answer_id, action=action, note=note, reviewer=reviewer, created_at=now)
            session.add(review)
            session.flush()
            if action in STATE_AFTER:
                answer.review_state = STATE_AFTER[action]
            if action == "correct":
                session.execute(update(CorrectionRow).where(CorrectionRow.answer_id == answer_id).values(active=False))
                sources = _queries.correction_sources(session, answer_id, source_chunks)
                session.add(
                    CorrectionRow(
                        answer_id=answer_id,
                        review_id=review.id,
                        question=answer.standalone_question or answer.question,
                        answer=corrected_answer,
                        sources=[{**c.as_dict(), "chunk_id": c.chunk_id} for c in sources],
                        active=True,
                        created_at=now,
                    )
                )
        logger.info("review %s on answer %s", action, answer_id)
        return ReviewRecord(review.id, action, note, reviewer, now, corrected_answer)

    def purge(self, older_than_days: int) -> int:
        """Delete answers (and everything about them) older than the given number of days; returns how many."""
        if older_than_days < 0:
            raise AnswerLogError("--older-than must be zero or more days")
        cutoff = utcnow() - timedelta(days=older_than_days)
        old = select(AnswerRow.id).where(AnswerRow.created_at < cutoff)
        with self._sessions.begin() as session:
            # Children first, explicitly: SQLite enforces ON DELETE CASCADE only with a pragma.
            for model in (CorrectionRow, ReviewRow, FeedbackRow, CitationRow, PassageRow, NudgeRow):
                session.execute(delete(model).where(model.answer_id.in_(old)))
            # A DELETE without RETURNING runs on a cursor, whose row count the Result type does not carry: the
            # cast SQLAlchemy's typing changelog (2.0.44) recommends for reading it.
            deleted = cast(CursorResult[()], session.execute(delete(AnswerRow).where(AnswerRow.created_at < cutoff)))
            count = deleted.rowcount
        logger.info("purged %d answers older than %d days", count, older_than_days)
        return int(count or 0)

    # -- admin sessions (bot.admin's SessionStore) -------------------------------------------------------
    def start_admin_session(self, key: str, expires_at: datetime) -> None:
        now = utcnow()
        with self._sessions.begin() as session:
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at < now))  # expired ones
            session.add(AdminSessionRow(key=key, created_at=now, expires_at=expires_at))

    def admin_session_live(self, key: str) -> bool:
        with self._session() as session:
            row = session.get(AdminSessionRow, key)
            return row is not None and row.expires_at > utcnow()

    def end_admin_session(self, key: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.key == key))

    def ping(self) -> str:
        """'ok', or why the database does not answer (for health and readiness probes, which must not crash)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - report the state; the traceback goes to the log
            logger.warning("the answer log's database does not answer", exc_info=True)
            return f"unreachable ({type(exc).__name__})"
        return "ok"

    # -- reading -----------------------------------------------------------------------------------------
    def get(self, answer_id: str) -> AnswerRecord:
        """One answer with everything about it; ``answer_id`` may be a unique prefix of 6 or more characters."""
        with self._session() as session:
            full_id = self._resolve(session, answer_id.strip())
            return _queries.load_record(session, full_id)

    def list(self, filters: AnswerFilter = EVERYTHING, *, limit: int = 50, offset: int = 0) -> Page:
        with self._session() as session:
            return _queries.list_page(session, filters, limit=limit, offset=offset)

    def export(self, filters: AnswerFilter = EVERYTHING, *, batch: int = 200) -> Iterator[AnswerRecord]:
        """Every matching answer, oldest first, with its passages, citations, feedback and reviews."""
        offset = 0
        while True:
            with self._session() as session:
                ids = _queries.matching_ids(session, filters, limit=batch, offset=offset)
                records = [_queries.load_record(session, answer_id) for answer_id in ids]
            yield from records
            if len(ids) < batch:
                return
            offset += batch

    # ``builtins.list`` below: inside this class, ``list`` names the method above.
    def active_corrections(self) -> builtins.list[CorrectionRecord]:
        with self._session() as session:
            return _queries.active_corrections(session)

    def corpus_gaps(self, filters: AnswerFilter = EVERYTHING, *, limit: int = 2000) -> builtins.list[GapGroup]:
        with self._session() as session:
            return _queries.corpus_gaps(session, filters, limit=limit)

    def stats(self, days: int = 30) -> Stats:
        with self._session() as session:
            return _queries.stats(session, utcnow().date(), days)

    # -- helpers -----------------------------------------------------------------------------------------
    def _session(self) -> Session:
        return self._sessions()

    def _resolve(self, session: Session, answer_id: str) -> str:
        if session.get(AnswerRow, answer_id) is not None:
            return answer_id
        if len(answer_id) >= MIN_ID_PREFIX and answer_id.isalnum():
            matches = session.scalars(select(AnswerRow.id).where(AnswerRow.id.startswith(answer_id)).limit(2)).all()
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise AnswerLogError(f"the id prefix {answer_id!r} matches several answers; give more characters")
        raise AnswerLogError(f"no logged answer has the id {answer_id!r}")
