"""The application layer's front door: the use cases Slack, the command line and the admin page call.

    app = Application(settings)
    asked = app.questions.ask("What is Action 28?", surface="cli")
    app.library.add_paths(["docs/"])
    app.feedback.record(asked.answer_id, "helpful", user="U1")

Surfaces render and nothing more; they never reach the index, the ingest pipeline or the answer log's engine
directly (an import-linter contract in pyproject.toml fails the build when they do). Every collaborator is built
on first use, so a command that only lists documents does not load the answering models.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import Engine

from bot.answerlog import AnswerLog
from bot.core.guard import MisuseGuard
from bot.core.guard.data import LabelledRequest
from bot.core.guard.evaluate import GuardReport, evaluate_guard
from bot.core.nudge.data import LabelledMessage
from bot.core.nudge.evaluate import Decision, NudgeReport, evaluate_nudges
from bot.settings import Settings
from ingest.language import detect_language

from .container import Services
from .evaluation import EvalResult, GoldenQuestion, evaluate
from .feedback import FeedbackDesk
from .library import DocumentLibrary
from .metrics import Metrics
from .nudges import Nudges
from .ops import readiness
from .questions import Questions


class Application:
    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        self.settings = settings
        self._services = services

    @functools.cached_property
    def services(self) -> Services:
        """The composition root (built on first use: it loads Chroma and the model runtime)."""
        return self._services or Services(self.settings)

    @functools.cached_property
    def questions(self) -> Questions:
        s = self.services
        return Questions(s.engine, s.answer_log, s.metrics)

    @functools.cached_property
    def library(self) -> DocumentLibrary:
        return DocumentLibrary(self.services)

    @functools.cached_property
    def feedback(self) -> FeedbackDesk:
        return FeedbackDesk(self.services.answer_log)

    @property
    def nudges(self) -> Nudges:
        """Opt-in nudges in team channels: the opt-in, the limits, and recording a nudge and its feedback."""
        return self.services.nudges

    @property
    def review(self) -> AnswerLog:
        """Browsing, judging, correcting and exporting logged answers (the admin page and `dualuse log`)."""
        return self.services.answer_log

    @property
    def database(self) -> Engine:
        """The SQL database at the newest migration, for a surface's own state (Slack event claims, pending
        uploads); the answer log and the document registry live there too."""
        return self.services.database

    @property
    def metrics(self) -> Metrics:
        return self.services.metrics

    @property
    def guard(self) -> MisuseGuard:
        return self.services.guard

    @property
    def streams_answers(self) -> bool:
        """Answers are streamed in Slack assistant threads only when a language model writes them."""
        return self.settings.effective_answer_mode == "llm"

    def readiness(self) -> dict[str, str]:
        """'ok' or the problem, for the index and the database (``/readyz``)."""
        return readiness(self.services)

    def wait_for_database(self, seconds: float) -> None:
        """Open (and migrate) the database, waiting up to ``seconds`` while its server cannot be reached."""
        self.services.wait_for_database(seconds)

    def warm_up(self) -> None:
        """Index the shipped corpus if needed and load the models and BM25 now, so the first question is fast."""
        s = self.services
        s.ensure_corpus()
        _ = s.engine
        s.embeddings.embed_query("warm up")
        # The language identifier decompresses its model on first use (about 0.7 s): not on the first question, whose
        # progress message waits for the asker's language.
        detect_language("Which language is this question written in?")
        s.retriever.keep_crosslingual_warm()
        s.retriever.refresh()

    def evaluate(self, questions: list[GoldenQuestion]) -> EvalResult:
        s = self.services
        return evaluate(questions, s.engine, s.index)

    def evaluate_guard(self, requests: Sequence[LabelledRequest]) -> GuardReport:
        return evaluate_guard(requests, self.services.guard)

    def evaluate_nudges(self, messages: Sequence[LabelledMessage]) -> NudgeReport:
        """The whole detector (classifier, guard, guidance lookup) on labelled workplace messages."""
        detector = self.services.nudge_detector

        def decide(text: str) -> Decision:
            return Decision(detector.notice(text) is not None, detector.judge(text).score)

        def prefetch(texts: Sequence[str]) -> None:  # the detector reads the guard's vectors of each message
            self.services.guard.prefetch([(t, ()) for t in texts])

        return evaluate_nudges(messages, decide, prefetch)
