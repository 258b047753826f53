"""Ask a question and log it: the one path every surface (CLI, Slack mention, DM, assistant thread, slash
command) takes before it renders the answer its own way.

The guarantee: an answer that was produced is returned even when the answer log cannot be written (a read-only
data directory, a database that went away); the caller learns why from ``AskedQuestion.log_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.answerlog import AnswerLog
from bot.core.answers import Answer
from bot.core.engine import AnswerEngine, Turn

from .metrics import Metrics

logger = logging.getLogger(__name__)

Surface = Literal["cli", "slack"]


@dataclass(frozen=True)
class AskedQuestion:
    answer: Answer
    answer_id: str  # the log's id ("" when the log could not be written); feedback refers to it
    log_error: str = ""  # one line, when the answer was not logged


class Questions:
    def __init__(self, answerer: AnswerEngine, log: AnswerLog, metrics: Metrics) -> None:
        self._answerer = answerer
        self._log = log
        self._metrics = metrics

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        surface: Surface,
        channel: str = "",
        user: str = "",
        language: str | None = None,
    ) -> AskedQuestion:
        """Answer ``question`` (with earlier turns of the same conversation), count it and log it. ``language``: the
        asker's interface language (a Slack user's locale), for a question whose own language cannot be told."""
        answer = self._answerer.ask(question, history, language=language)
        self._metrics.observe_answer(answer, surface)
        try:
            answer_id = self._log.record(answer, surface=surface, channel=channel, user=user)
        except Exception as exc:  # noqa: BLE001 - a log that cannot be written must not cost the user the answer
            # The surface reports it its own way (a line on stderr, a warning in the bot's log); the traceback only
            # when debugging.
            logger.debug("could not record an answer in the answer log", exc_info=True)
            return AskedQuestion(answer, "", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        return AskedQuestion(answer, answer_id)
