"""Nudges in the answer log: each channel's opt-in, and the nudges posted, with the message that triggered them.

Only what a nudge needs is written here: a channel's opt-in (who, when, a quiet period) and, for a message that
triggered a nudge, one answer-log record (surface "nudge"; the message is the question, the nudge the answer, its
guidance the one citation) with its ``nudges`` row (thread, score, topic). Messages that did not trigger one never
reach this module. User and channel ids of records are pseudonymised like every answer's.
"""

from __future__ import annotations

import builtins
import logging
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.core.answers import Citation
from ingest.tokens import count_tokens

from ._errors import AnswerLogError
from ._models import AnswerRow, CitationRow, FeedbackRow, NudgeChannelRow, NudgeRow
from ._records import NUDGE_FEEDBACK_KINDS, NUDGE_SURFACE, ChannelNudges, ChannelWatch, NudgePage, NudgeSummary
from ._secrets import pseudonymise

logger = logging.getLogger(__name__)

MAX_PAGE = 500
NUDGE_STATUS = "nudged"  # the record's status: a nudge answers no question


class ThreadAlreadyNudged(AnswerLogError):
    """Another delivery of the message, or another message of the thread, was nudged first."""


class NudgeLog:
    """The nudge side of one answer-log database; safe to share between threads (one session per call)."""

    def __init__(self, engine: Engine, *, pseudonym_key: bytes | None) -> None:
        self.engine = engine
        self.pseudonym_key = pseudonym_key
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _pseudonym(self, value: str) -> str:
        return pseudonymise(value, self.pseudonym_key)

    # -- channels ----------------------------------------------------------------------------------------
    def set_watching(self, channel: str, watching: bool, *, user: str, at: datetime) -> ChannelWatch:
        """Turn nudges on or off in ``channel``, recording who (pseudonymised) and when; a quiet period stays."""
        with self._sessions.begin() as session:
            row = session.get(NudgeChannelRow, channel)
            if row is None:
                row = NudgeChannelRow(channel_id=channel, quiet_until=None)
                session.add(row)
            row.watching, row.set_by, row.set_at = watching, self._pseudonym(user), at
            state = _watch(row)
        logger.info("nudges %s in %s", "on" if watching else "off", channel)
        return state

    def channel(self, channel: str) -> ChannelWatch | None:
        with self._sessions() as session:
            row = session.get(NudgeChannelRow, channel)
            return _watch(row) if row is not None else None

    def watched(self) -> builtins.list[ChannelWatch]:
        with self._sessions() as session:
            query = select(NudgeChannelRow).where(NudgeChannelRow.watching.is_(True))
            return [_watch(row) for row in session.scalars(query.order_by(NudgeChannelRow.channel_id))]

    def set_quiet(self, channel: str, until: datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get(NudgeChannelRow, channel)
            if row is not None:
                row.quiet_until = until

    # -- nudges ------------------------------------------------------------------------------------------
    def thread_nudged(self, channel: str, thread_ts: str) -> bool:
        query = select(NudgeRow.answer_id).where(
            NudgeRow.channel_id == self._pseudonym(channel), NudgeRow.thread_ts == thread_ts
        )
        with self._sessions() as session:
            return session.scalar(query.limit(1)) is not None

    def count_since(self, channel: str, since: datetime) -> int:
        query = select(func.count()).where(
            NudgeRow.channel_id == self._pseudonym(channel), NudgeRow.created_at >= since
        )
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def record(
        self,
        nudge_id: str,
        *,
        channel: str,
        user: str,
        thread_ts: str,
        message_ts: str,
        message: str,
        text: str,
        citation: Citation,
        topic: str,
        kind: str,
        score: float,
        at: datetime,
    ) -> None:
        """Store a nudge with the message that triggered it; :class:`ThreadAlreadyNudged` if the thread has one."""
        answer = AnswerRow(
            id=nudge_id,
            created_at=at,
            surface=NUDGE_SURFACE,
            channel_id=self._pseudonym(channel),
            user_id=self._pseudonym(user),
            question=message,
            standalone_question="",
            status=NUDGE_STATUS,
            mode=kind,
            model="",
            answer=text,
            notice="",
            reviewed=False,
            question_tokens=count_tokens(message),
            answer_tokens=count_tokens(text),
            review_state="unreviewed",
            safety_score=score,
            unsupported=[],
        )
        nudge = NudgeRow(
            answer_id=nudge_id,
            channel_id=self._pseudonym(channel),
            thread_ts=thread_ts,
            message_ts=message_ts,
            nudge_ts="",
            topic=topic,
            kind=kind,
            score=score,
            created_at=at,
        )
        try:
            with self._sessions.begin() as session:
                session.add(answer)
                session.flush()
                session.add_all([nudge, CitationRow(answer_id=nudge_id, **asdict(citation))])
        except IntegrityError:
            raise ThreadAlreadyNudged("this thread already has a nudge") from None

    def posted(self, nudge_id: str, nudge_ts: str) -> None:
        with self._sessions.begin() as session:
            row = session.get(NudgeRow, nudge_id)
            if row is not None:
                row.nudge_ts = nudge_ts

    def withdraw(self, nudge_id: str) -> None:
        """Forget a nudge that could not be posted (it then counts against no limit)."""
        with self._sessions.begin() as session:
            for model in (FeedbackRow, CitationRow, NudgeRow):
                session.execute(delete(model).where(model.answer_id == nudge_id))
            session.execute(delete(AnswerRow).where(AnswerRow.id == nudge_id))

    def record_feedback(self, nudge_id: str, kind: str, user: str) -> str:
        """One person's latest judgement of a nudge; returns the nudge's channel (pseudonymised)."""
        if kind not in NUDGE_FEEDBACK_KINDS:
            raise AnswerLogError(f"unknown nudge feedback {kind!r}; use one of: {', '.join(NUDGE_FEEDBACK_KINDS)}")
        user_id = self._pseudonym(user)
        for attempt in range(2):  # a concurrent first click by the same user wins the insert; then update it
            try:
                with self._sessions.begin() as session:
                    nudge = session.get(NudgeRow, nudge_id)
                    if nudge is None:
                        raise AnswerLogError(f"no logged nudge has the id {nudge_id!r}")
                    row = None
                    if user_id:
                        query = select(FeedbackRow).where(
                            FeedbackRow.answer_id == nudge_id, FeedbackRow.user_id == user_id
                        )
                        row = session.scalars(query).first()
                    if row is None:
                        session.add(FeedbackRow(answer_id=nudge_id, kind=kind, user_id=user_id, created_at=_now()))
                    else:
                        row.kind, row.created_at = kind, _now()
                    channel = nudge.channel_id
                break
            except IntegrityError:
                if attempt:
                    raise
        logger.info("nudge feedback %s on %s", kind, nudge_id)
        return channel

    def channel_of_pseudonym(self, pseudonym: str) -> str:
        """The Slack id of a channel that has (or had) an opt-in, from its pseudonym; "" when none matches."""
        return self._labels().get(pseudonym, "")

    # -- review ------------------------------------------------------------------------------------------
    def list(self, *, channel: str = "", limit: int = 50, offset: int = 0) -> NudgePage:
        """Nudges, newest first; ``channel`` a Slack channel id."""
        limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
        conditions = [NudgeRow.channel_id == self._pseudonym(channel)] if channel else []
        labels = self._labels()
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(NudgeRow).where(*conditions)) or 0
            query = (
                select(NudgeRow, AnswerRow, CitationRow.title)
                .join(AnswerRow, AnswerRow.id == NudgeRow.answer_id)
                .outerjoin(CitationRow, CitationRow.answer_id == NudgeRow.answer_id)
                .where(*conditions)
                .order_by(NudgeRow.created_at.desc(), NudgeRow.answer_id)
                .limit(limit)
                .offset(offset)
            )
            rows = session.execute(query).all()
            ids = [nudge.answer_id for nudge, _, _ in rows]
            feedback: dict[str, list[str]] = defaultdict(list)
            if ids:
                query_feedback = select(FeedbackRow.answer_id, FeedbackRow.kind).where(FeedbackRow.answer_id.in_(ids))
                for answer_id, kind in session.execute(query_feedback.order_by(FeedbackRow.id)):
                    feedback[answer_id].append(kind)
        items = [
            NudgeSummary(
                id=nudge.answer_id,
                created_at=nudge.created_at,
                channel=labels.get(nudge.channel_id, nudge.channel_id),
                message=answer.question,
                nudge=answer.answer,
                topic=nudge.topic,
                kind=nudge.kind,
                score=nudge.score,
                guidance=title or "",
                feedback=feedback.get(nudge.answer_id, []),
            )
            for nudge, answer, title in rows
        ]
        return NudgePage(items, int(total), limit, offset)

    def per_channel(self, since: datetime) -> builtins.list[ChannelNudges]:
        """Nudges per channel since ``since``, and their feedback; most nudged first."""
        labels = self._labels()
        with self._sessions() as session:
            counts = dict(
                session.execute(
                    select(NudgeRow.channel_id, func.count())
                    .where(NudgeRow.created_at >= since)
                    .group_by(NudgeRow.channel_id)
                ).all()
            )
            kinds: dict[str, Counter[str]] = defaultdict(Counter)
            for channel_id, kind in session.execute(
                select(NudgeRow.channel_id, FeedbackRow.kind)
                .join(FeedbackRow, FeedbackRow.answer_id == NudgeRow.answer_id)
                .where(NudgeRow.created_at >= since)
            ):
                kinds[channel_id][kind] += 1
        result = [
            ChannelNudges(
                labels.get(channel_id, channel_id),
                int(n),
                kinds[channel_id]["useful"],
                kinds[channel_id]["not_now"],
                kinds[channel_id]["dont_nudge"],
            )
            for channel_id, n in counts.items()
        ]
        return sorted(result, key=lambda c: (-c.nudges, c.channel))

    def _labels(self) -> dict[str, str]:
        """pseudonym -> Slack channel id, for every channel that has an opt-in row."""
        with self._sessions() as session:
            channels = list(session.scalars(select(NudgeChannelRow.channel_id)))
        return {self._pseudonym(c): c for c in channels}


def _watch(row: NudgeChannelRow) -> ChannelWatch:
    return ChannelWatch(row.channel_id, row.watching, row.set_by, row.set_at, row.quiet_until)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as every time in the log
