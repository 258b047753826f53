"""Opt-in nudges: notice workplace messages that describe work with dual-use potential (see docs/nudges.md).

``NudgeDetector.notice`` judges one message in memory and returns a ``Notice`` (the consideration and the guidance
to cite) or None; the application layer decides whether a nudge may be posted and is the only place that stores one.
"""

from .considerations import CONSIDERATIONS, Consideration
from .detector import NudgeDetector
from .model import NudgeModel, NudgeModelError, load_model
from .notice import DeferredNoticer, Notice, NoticeKind, Noticer

__all__ = [
    "CONSIDERATIONS",
    "Consideration",
    "DeferredNoticer",
    "Notice",
    "NoticeKind",
    "NudgeDetector",
    "NudgeModel",
    "NudgeModelError",
    "Noticer",
    "load_model",
]
