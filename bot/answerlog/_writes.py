"""Writing answers so that none is lost while the database server is away, and none is written twice.

An answer is one transaction: its row, its passages and its citations. When that transaction fails because the
server cannot be reached (refused, reset, dropped mid-transaction, pool timeout), the answer goes to the spool
(``_spool``) and the caller goes on as if it had been written. For ``retry_seconds`` after such a failure, answers go
straight to the spool (the user does not wait for a dead server again), and a background timer then writes the
spool back, oldest first, and keeps trying every ``retry_seconds`` until the spool is empty. While the spool has
records, a new answer is written only after them, so the log keeps the order in which answers were given.

Exactly once: a record leaves the spool only after its transaction committed; a record whose id the database
already holds (its commit reached the server but the reply did not, or a crash came between commit and removal)
is dropped from the spool without a second write.

Without a spool (SQLite: the log is a local file, and a spool beside it would share its fate) a failure is raised
as before.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ingest.errors import database_unreachable

from ._errors import AnswerLogError
from ._models import AnswerRow, CitationRow, PassageRow
from ._spool import AnswerSpool

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 10.0


def unreachable(exc: BaseException) -> bool:
    """True for the failures of the connection rather than of the data: worth keeping the record and retrying."""
    return database_unreachable(exc)


def insert_answer(session: Session, payload: dict[str, Any]) -> None:
    """Add one answer's rows (the payload the store built) to ``session``."""
    answer = dict(payload["answer"])
    answer["created_at"] = datetime.fromisoformat(answer["created_at"])
    answer_id = answer["id"]
    session.add(AnswerRow(**answer))
    session.flush()  # the answer row first: the others refer to it
    session.add_all(PassageRow(answer_id=answer_id, **p) for p in payload["passages"])
    session.add_all(CitationRow(answer_id=answer_id, **c) for c in payload["citations"])


class AnswerWriter:
    def __init__(
        self, sessions: sessionmaker[Session], spool: AnswerSpool | None, retry_seconds: float = DEFAULT_RETRY_SECONDS
    ) -> None:
        self._sessions = sessions
        self.spool = spool
        self.retry_seconds = retry_seconds
        self._lock = threading.RLock()  # one drain at a time; new answers wait behind a drain
        self._down_until = 0.0  # monotonic: until then, answers go straight to the spool
        self._timer: threading.Timer | None = None
        self._closed = False
        self._waiting = spool is not None and _waiting(spool) > 0
        if self._waiting:
            self._schedule(0.0)  # answers kept by an earlier run: write them now, in the background

    def write(self, answer_id: str, payload: dict[str, Any]) -> None:
        if self.spool is None:
            self._insert(payload)
            return
        if not self._waiting and time.monotonic() >= self._down_until:
            try:
                self._insert(payload)
                return
            except SQLAlchemyError as exc:
                if not unreachable(exc):
                    raise
                self._keep(answer_id, payload, exc)
                return
        with self._lock:  # records are waiting: they go first
            if time.monotonic() >= self._down_until and self.drain():
                try:
                    self._insert(payload)
                    return
                except SQLAlchemyError as exc:
                    if not unreachable(exc):
                        raise
                    self._keep(answer_id, payload, exc)
                    return
            self._keep(answer_id, payload, None)

    def drain(self) -> bool:
        """Write the spooled records, oldest first; True when none is left waiting (False: the server is still away)."""
        spool = self.spool
        if spool is None:
            return True
        with self._lock:
            written = 0
            while batch := spool.pending():
                for item in batch:
                    try:
                        self._insert_once(item.answer_id, item.payload)
                    except SQLAlchemyError as exc:
                        if unreachable(exc):
                            self._went_away(exc)
                            return False
                        message = first_line(exc)
                        logger.error(
                            "answer %s could not be written and stays in %s: %s", item.answer_id, spool.path, message
                        )
                        spool.set_aside(item.seq, message)
                        continue
                    spool.remove(item.seq)
                    written += 1
            self._waiting = False
            if written:
                logger.warning(
                    "the answer log's database is back: wrote %d kept answer(s) from %s", written, spool.path
                )
            return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    @property
    def waiting(self) -> bool:
        return self._waiting

    # -- helpers -----------------------------------------------------------------------------------------
    def _insert(self, payload: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            insert_answer(session, payload)

    def _insert_once(self, answer_id: str, payload: dict[str, Any]) -> None:
        try:
            self._insert(payload)
        except IntegrityError:
            # Written before: its commit reached the server but not the reply, or a crash came between the commit
            # and the record's removal from the spool. Anything else is a real refusal.
            with self._sessions() as session:
                if session.scalar(select(AnswerRow.id).where(AnswerRow.id == answer_id)) is None:
                    raise
            logger.info("answer %s was already in the database; not written again", answer_id)

    def _keep(self, answer_id: str, payload: dict[str, Any], exc: BaseException | None) -> None:
        assert self.spool is not None
        with self._lock:
            try:
                count = self.spool.append(answer_id, payload)
            except (sqlite3.Error, OSError) as spool_error:  # a full disk, a read-only data directory
                raise AnswerLogError(
                    f"the database is unreachable and {self.spool.path} cannot be written ({spool_error})"
                ) from None
            self._waiting = True
            if exc is not None:
                self._went_away(exc)
            else:
                self._schedule(max(0.0, self._down_until - time.monotonic()))
        reason = f" ({first_line(exc)})" if exc is not None else ""
        logger.warning(
            "the answer log's database is unreachable%s: answer %s kept in %s (%d waiting)",
            reason,
            answer_id,
            self.spool.path,
            count,
        )

    def _went_away(self, exc: BaseException) -> None:
        logger.debug("the answer log's database is unreachable", exc_info=exc)
        self._down_until = time.monotonic() + self.retry_seconds
        self._schedule(self.retry_seconds)

    def _schedule(self, delay: float) -> None:
        with self._lock:
            if self._closed or self._timer is not None:
                return
            self._timer = threading.Timer(delay, self._retry)
            self._timer.daemon = True
            self._timer.start()

    def _retry(self) -> None:
        with self._lock:
            self._timer = None
            if self._closed:
                return
        try:
            self.drain()
        except Exception:  # noqa: BLE001 - a background thread: report, and try again later
            logger.exception("writing the kept answers failed; trying again in %g s", self.retry_seconds)
            self._schedule(self.retry_seconds)


def _waiting(spool: AnswerSpool) -> int:
    try:
        return spool.waiting()
    except (sqlite3.Error, OSError) as exc:  # an unreadable spool must not stop the log from opening
        logger.warning("cannot read the kept answers in %s: %s", spool.path, exc)
        return 0


def first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0]}" if lines else type(orig).__name__
