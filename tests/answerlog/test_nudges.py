"""The nudge side of the answer log on SQLite and PostgreSQL (migration 0007): opt-ins with who and when, one nudge
per thread, feedback, the per-channel numbers, and purging."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.answerlog import AnswerLog, AnswerLogError, ThreadAlreadyNudged, pseudonymise
from bot.app.nudges import NudgeError, Nudges
from tests.slack.nudge_helpers import NUDGE_CITATION, TRIGGER, Clock, MarkerNoticer

AT = datetime(2027, 1, 12, 9, 0)


def record(log: AnswerLog, nudge_id: str, channel: str = "C1", thread_ts: str = "1.0", at: datetime = AT) -> None:
    log.nudges.record(
        nudge_id,
        channel=channel,
        user="U9",
        thread_ts=thread_ts,
        message_ts=thread_ts,
        message=f"we use the {TRIGGER}",
        text="Screening helps.",
        citation=NUDGE_CITATION,
        topic="protein_design",
        kind="guidance",
        score=0.8,
        at=at,
    )


def test_opt_ins_are_recorded_with_who_and_when(log: AnswerLog) -> None:
    nudges = log.nudges
    assert nudges.channel("C1") is None and nudges.watched() == []
    nudges.set_watching("C1", True, user="U1", at=AT)
    nudges.set_watching("C2", True, user="U1", at=AT)
    nudges.set_watching("C2", False, user="U2", at=AT + timedelta(hours=1))
    assert [w.channel for w in nudges.watched()] == ["C1"]
    off = nudges.channel("C2")
    assert off is not None and not off.watching
    assert (off.set_by, off.set_at) == (pseudonymise("U2", b"test-key"), AT + timedelta(hours=1))


def test_one_nudge_per_thread_and_counts_per_channel(log: AnswerLog) -> None:
    record(log, "n1" * 16)
    with pytest.raises(ThreadAlreadyNudged):
        record(log, "n2" * 16)
    with pytest.raises(AnswerLogError):
        log.get("n2" * 16)  # the losing record was rolled back whole
    record(log, "n3" * 16, thread_ts="2.0", at=AT + timedelta(hours=2))
    record(log, "n4" * 16, channel="C2", thread_ts="1.0")
    assert log.nudges.thread_nudged("C1", "1.0") and not log.nudges.thread_nudged("C1", "3.0")
    assert log.nudges.count_since("C1", AT) == 2 and log.nudges.count_since("C1", AT + timedelta(hours=1)) == 1
    record_ = log.get("n1" * 16)
    assert (record_.surface, record_.status, record_.channel) == ("nudge", "nudged", pseudonymise("C1", b"test-key"))
    assert record_.citations[0].title == NUDGE_CITATION.title


def test_feedback_the_per_channel_numbers_withdrawal_and_purge(log: AnswerLog) -> None:
    log.nudges.set_watching("C1", True, user="U1", at=AT)
    record(log, "n1" * 16, at=datetime.now() - timedelta(days=40))
    record(log, "n3" * 16, thread_ts="2.0", at=datetime.now())
    log.nudges.record_feedback("n3" * 16, "useful", "U1")
    log.nudges.record_feedback("n3" * 16, "not_now", "U1")  # the same person changes their mind
    log.nudges.record_feedback("n3" * 16, "useful", "U2")
    with pytest.raises(AnswerLogError, match="unknown nudge feedback"):
        log.nudges.record_feedback("n3" * 16, "helpful", "U1")
    with pytest.raises(AnswerLogError, match="no logged nudge"):
        log.nudges.record_feedback("zz" * 16, "useful", "U1")
    (channel,) = log.nudges.per_channel(datetime.now() - timedelta(days=1))
    assert (channel.channel, channel.nudges, channel.useful, channel.not_now) == ("C1", 1, 1, 1)
    assert log.nudges.list().total == 2
    assert log.purge(30) == 1 and log.nudges.list().total == 1
    log.nudges.withdraw("n3" * 16)
    assert log.nudges.list().total == 0 and not log.nudges.thread_nudged("C1", "2.0")


def test_dont_nudge_quiets_the_channel_and_only_watched_channels_are_judged(log: AnswerLog) -> None:
    clock, noticer = Clock(), MarkerNoticer()
    nudges = Nudges(log.nudges, noticer, per_day=1, quiet_days=7, clock=clock)
    text = f"the {TRIGGER}"
    assert nudges.consider("C1", "channel", "U1", "1.0", None, text, False) is None and noticer.calls == 0
    with pytest.raises(NudgeError, match="Only members"):
        nudges.watch("C1", "U1", True, is_trainer=False, is_member=False)
    nudges.watch("C1", "U1", True, is_trainer=False, is_member=True)
    posted = nudges.consider("C1", "channel", "U1", "1.0", None, text, False)
    assert posted is not None and posted.thread_ts == "1.0" and len(posted.lines) == 3
    nudges.feedback(posted.id, "U2", "dont_nudge")
    state = nudges.status("C1")
    assert state is not None and state.watching and state.quiet_until == clock.now + timedelta(days=7)
    clock.advance(days=7, seconds=1)
    assert nudges.consider("C1", "channel", "U1", "2.0", None, text, False) is not None
    assert (
        Nudges(log.nudges, None, per_day=1, quiet_days=7).consider("C1", "channel", "U1", "3.0", None, text, False)
        is None
    )
