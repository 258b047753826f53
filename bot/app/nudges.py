"""Opt-in nudges in team channels: who may turn them on, when one may be posted, and what is kept of it.

    nudges = app.nudges
    nudges.watch("C123", "U1", True, is_trainer=False, is_member=True)
    nudge = nudges.consider("C123", "channel", "U2", ts, None, text, is_bot=False)
    if nudge: post it, then nudges.posted(nudge.id, posted_ts)

The guarantees: nudges are off in every channel until someone there (or a trainer) turns them on, and never happen
in a DM or on a bot's message; at most one per thread, ``per_day`` per channel and UTC day, none for ``quiet_days``
after "don't nudge". The limits are checked before the message is judged, and the detector (a ``Noticer``) judges it
in memory; only a message that triggers a nudge is stored, in the answer log, pseudonymised, with the nudge and
later its feedback. Nothing is logged of any message's text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.answerlog import NUDGE_FEEDBACK_KINDS, AnswerLogError, ChannelWatch, NudgeLog, ThreadAlreadyNudged
from bot.core.nudge import Notice, Noticer
from ingest.errors import DualuseError

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]  # naive UTC, as the answer log keeps times
CHANNEL_TYPES = ("channel", "group")  # public and private channels; never "im" or "mpim" (direct messages)
INVITATION = "Questions about this? Ask @dualuse in this thread."


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class NudgeError(DualuseError):
    """A /dualuse watch request that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class PostedNudge:
    """A nudge the surface should post now, as a reply in ``thread_ts``; it is in the log already (``id``)."""

    id: str
    channel: str
    thread_ts: str
    notice: Notice

    @property
    def lines(self) -> tuple[str, str, str]:
        return nudge_lines(self.notice)


def nudge_lines(notice: Notice) -> tuple[str, str, str]:
    """The nudge in three plain lines: the consideration, the guidance with its citation, the invitation."""
    c = notice.citation
    quote = " ".join(c.quote.split())
    where = f", {c.section}" if c.section else ""
    guidance = f"[{c.n}] {c.title}{where}" + (f': "{quote}"' if quote else "")
    return notice.consideration.strip(), guidance, INVITATION


class Nudges:
    def __init__(
        self, log: NudgeLog, noticer: Noticer | None, *, per_day: int, quiet_days: int, clock: Clock = utcnow
    ) -> None:
        self._log = log
        self._noticer = noticer  # None: no detector is configured, so nothing is ever nudged
        self.per_day = per_day
        self.quiet_days = quiet_days
        self._clock = clock

    @property
    def enabled(self) -> bool:
        """A detector is configured (channels can be watched either way; without one nothing is nudged)."""
        return self._noticer is not None

    # -- opt-in ------------------------------------------------------------------------------------------
    def watch(self, channel: str, user: str, on: bool, *, is_trainer: bool, is_member: bool) -> ChannelWatch:
        """Turn nudges on or off in ``channel``: trainers and the channel's members may; recorded with who and when."""
        if not channel or channel.startswith("D"):
            raise NudgeError("Nudges are for team channels: run /dualuse watch in the channel itself, not in a DM.")
        if not (is_trainer or is_member):
            raise NudgeError("Only members of this channel and trainers can turn nudges on or off here.")
        return self._log.set_watching(channel, on, user=user, at=self._clock())

    def status(self, channel: str) -> ChannelWatch | None:
        """The channel's opt-in as recorded (None: nobody ever turned nudges on there, so they are off)."""
        return self._log.channel(channel)

    def watched_channels(self) -> list[ChannelWatch]:
        return self._log.watched()

    def now(self) -> datetime:
        """The clock the limits count with (naive UTC)."""
        return self._clock()

    # -- noticing ----------------------------------------------------------------------------------------
    def consider(
        self,
        channel: str,
        channel_type: str,
        user: str,
        ts: str,
        thread_ts: str | None,
        text: str,
        is_bot: bool,
        *,
        claim: Callable[[], bool] | None = None,
    ) -> PostedNudge | None:
        """A nudge to post for this message, recorded in the log; None (and nothing stored) otherwise.

        ``claim`` is called once a nudge is due, before it is recorded: False (another delivery of the same message
        got there first) means no nudge.
        """
        if self._noticer is None or is_bot or not user or channel_type not in CHANNEL_TYPES:
            return None
        if channel.startswith("D") or not text.strip():
            return None
        state = self._log.channel(channel)
        if state is None or not state.watching:
            return None
        now = self._clock()
        thread = thread_ts or ts
        if state.quiet_at(now) or self.per_day <= 0:
            return None
        if self._log.thread_nudged(channel, thread):
            return None
        if self._log.count_since(channel, datetime.combine(now.date(), time.min)) >= self.per_day:
            return None
        notice = self._noticer.notice(text)  # in memory; stores and logs nothing
        if notice is None:
            return None
        if claim is not None and not claim():
            return None
        nudge_id = uuid.uuid4().hex
        try:
            self._log.record(
                nudge_id,
                channel=channel,
                user=user,
                thread_ts=thread,
                message_ts=ts,
                message=text,
                text="\n".join(nudge_lines(notice)),
                citation=notice.citation,
                topic=notice.topic,
                kind=notice.kind,
                score=notice.score,
                at=now,
            )
        except ThreadAlreadyNudged:
            return None
        logger.info("nudge %s in %s (topic %s, score %.2f)", nudge_id, channel, notice.topic, notice.score)
        return PostedNudge(nudge_id, channel, thread, notice)

    def posted(self, nudge_id: str, nudge_ts: str) -> None:
        """The nudge is in Slack as message ``nudge_ts``."""
        self._log.posted(nudge_id, nudge_ts)

    def withdraw(self, nudge_id: str) -> None:
        """The nudge could not be posted: forget it, so that it counts against no limit."""
        self._log.withdraw(nudge_id)

    # -- feedback ----------------------------------------------------------------------------------------
    def feedback(self, nudge_id: str, user: str, kind: str) -> None:
        """useful, not_now or dont_nudge; "dont_nudge" also quiets the nudge's channel for ``quiet_days`` (it stays
        watched, so nudges come back by themselves afterwards). Raises AnswerLogError for an unknown nudge or kind."""
        if kind not in NUDGE_FEEDBACK_KINDS:
            raise AnswerLogError(f"unknown nudge feedback {kind!r}; use one of: {', '.join(NUDGE_FEEDBACK_KINDS)}")
        pseudonym = self._log.record_feedback(nudge_id, kind, user)
        if kind == "dont_nudge":
            channel = self._log.channel_of_pseudonym(pseudonym)
            if channel:
                self._log.set_quiet(channel, self._clock() + timedelta(days=self.quiet_days))
                logger.info("no nudges in %s for %d days", channel, self.quiet_days)
