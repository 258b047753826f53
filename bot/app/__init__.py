"""The application layer: the use cases (ask and log, the corpus operations, feedback, review) and the one
vocabulary the surfaces render. Slack, the command line and the admin page import from here and from
``bot.settings`` only; ``docs/architecture.md`` draws the layers.

Importing this package is light; :class:`Application` loads Chroma and the models when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.answerlog import (
        FEEDBACK_FILTERS,
        FEEDBACK_KINDS,
        NUDGE_FEEDBACK_KINDS,
        NUDGE_SURFACE,
        REVIEW_STATES,
        STATUSES,
        AnswerFilter,
        AnswerLog,
        AnswerLogError,
        AnswerLogUnavailable,
        AnswerRecord,
        ChannelNudges,
        ChannelWatch,
        GapGroup,
        NudgeSummary,
        load_or_create_secret,
        open_answer_log,
    )
    from bot.core.answers import Answer, Citation
    from bot.core.guard.policy import AREAS, HARM_AREAS
    from ingest.documents import DOCUMENT_KINDS, DocumentMeta, LoadedDocument, Section, content_hash, slugify
    from ingest.fetch import sniff_format
    from ingest.index import DocumentRecord, VersionEvent
    from ingest.language import detect_language, language_name
    from ingest.loaders import SUPPORTED_SUFFIXES
    from ingest.pipeline import FileResult, IngestReport

    from .application import Application
    from .metrics import Metrics
    from .nudges import NudgeError, Nudges, PostedNudge
    from .ops import InFlight, StartResponse, WsgiApp, ops_wsgi
    from .questions import AskedQuestion

# name -> module: imported on first use (PEP 562) so that `--help` and the parsing worker stay light.
_EXPORTS = {
    "Application": "bot.app.application",
    "AskedQuestion": "bot.app.questions",
    "Metrics": "bot.app.metrics",
    "NudgeError": "bot.app.nudges",
    "Nudges": "bot.app.nudges",
    "PostedNudge": "bot.app.nudges",
    "ChannelWatch": "bot.answerlog",
    "ChannelNudges": "bot.answerlog",
    "NudgeSummary": "bot.answerlog",
    "NudgePage": "bot.answerlog",
    "NUDGE_FEEDBACK_KINDS": "bot.answerlog",
    "NUDGE_SURFACE": "bot.answerlog",
    "InFlight": "bot.app.ops",
    "StartResponse": "bot.app.ops",
    "WsgiApp": "bot.app.ops",
    "ops_wsgi": "bot.app.ops",
    # The vocabulary the surfaces render: one type per concept, defined where the layer that makes it lives.
    "Answer": "bot.core.answers",
    "Citation": "bot.core.answers",
    "AREAS": "bot.core.guard.policy",
    "HARM_AREAS": "bot.core.guard.policy",
    "AnswerFilter": "bot.answerlog",
    "AnswerLog": "bot.answerlog",
    "AnswerLogError": "bot.answerlog",
    "AnswerLogUnavailable": "bot.answerlog",
    "AnswerRecord": "bot.answerlog",
    "FEEDBACK_FILTERS": "bot.answerlog",
    "FEEDBACK_KINDS": "bot.answerlog",
    "REVIEW_STATES": "bot.answerlog",
    "STATUSES": "bot.answerlog",
    "GapGroup": "bot.answerlog",
    "load_or_create_secret": "bot.answerlog",
    "open_answer_log": "bot.answerlog",
    "DOCUMENT_KINDS": "ingest.documents",
    "DocumentMeta": "ingest.documents",
    "LoadedDocument": "ingest.documents",
    "Section": "ingest.documents",
    "content_hash": "ingest.documents",
    "slugify": "ingest.documents",
    "sniff_format": "ingest.fetch",
    "detect_language": "ingest.language",
    "DocumentRecord": "ingest.index",
    "VersionEvent": "ingest.index",
    "language_name": "ingest.language",
    "SUPPORTED_SUFFIXES": "ingest.loaders",
    "FileResult": "ingest.pipeline",
    "IngestReport": "ingest.pipeline",
}

__all__ = [
    "AREAS",
    "Answer",
    "AnswerFilter",
    "AnswerLog",
    "AnswerLogError",
    "AnswerLogUnavailable",
    "AnswerRecord",
    "Application",
    "AskedQuestion",
    "Citation",
    "DOCUMENT_KINDS",
    "DocumentMeta",
    "DocumentRecord",
    "FEEDBACK_FILTERS",
    "FEEDBACK_KINDS",
    "FileResult",
    "GapGroup",
    "HARM_AREAS",
    "InFlight",
    "IngestReport",
    "LoadedDocument",
    "Metrics",
    "NUDGE_FEEDBACK_KINDS",
    "NUDGE_SURFACE",
    "ChannelNudges",
    "ChannelWatch",
    "NudgeError",
    "NudgePage",
    "NudgeSummary",
    "Nudges",
    "PostedNudge",
    "REVIEW_STATES",
    "STATUSES",
    "SUPPORTED_SUFFIXES",
    "Section",
    "StartResponse",
    "VersionEvent",
    "WsgiApp",
    "content_hash",
    "detect_language",
    "load_or_create_secret",
    "open_answer_log",
    "ops_wsgi",
    "slugify",
    "sniff_format",
    "language_name",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.app' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
