"""What users and trainers tell us back: feedback on an answer, and the questions the corpus could not answer."""

from __future__ import annotations

from datetime import date, timedelta

from bot.answerlog import AnswerFilter, AnswerLog, GapGroup


class FeedbackDesk:
    def __init__(self, log: AnswerLog) -> None:
        self._log = log

    def record(self, answer_id: str, kind: str, user: str, *, reason: str | None = None) -> None:
        """One user's latest judgement of one answer (the log pseudonymises the user); raises AnswerLogError for
        an unknown answer or kind."""
        self._log.record_feedback(answer_id, kind, user, reason=reason)

    def corpus_gaps(self, days: int) -> list[GapGroup]:
        """Questions of the last ``days`` days the corpus could not answer, grouped by similarity."""
        since = date.today() - timedelta(days=days - 1)
        return self._log.corpus_gaps(AnswerFilter(since=since))
