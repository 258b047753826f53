"""What the nudge detector hands the surfaces: a message worth a nudge, why, and the one piece of guidance to cite.

The detector (``Noticer``) judges one message in memory and keeps nothing; the application layer decides whether the
nudge may be posted (opt-in, rate limits, quiet periods) and is the only place that stores a nudge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from ..answers import Citation

# "guidance": the message describes work with dual-use potential; the nudge cites the most relevant guidance.
# "guard": the message also reads as a request for operational weapons help; the nudge points to the misuse guard's
# responsible-practice guidance instead of quoting topical material (weapons requests stay the guard's).
NoticeKind = Literal["guidance", "guard"]


@dataclass(frozen=True)
class Notice:
    score: float  # the classifier's probability that the message deserves a nudge
    topic: str  # the consideration's key, e.g. "model_release", "faces"
    consideration: str  # one plain-words line naming the consideration
    citation: Citation  # the single most relevant piece of guidance, with its address and a verbatim quote
    kind: NoticeKind = "guidance"

    def as_dict(self) -> dict[str, object]:
        return {
            "score": round(self.score, 4),
            "topic": self.topic,
            "consideration": self.consideration,
            "kind": self.kind,
            "citation": self.citation.as_dict(),
        }


class Noticer(Protocol):
    def notice(self, text: str) -> Notice | None:
        """A Notice when the message deserves a nudge, otherwise None. Pure: stores and logs nothing."""
        ...


class DeferredNoticer:
    """A noticer built on its first message: starting the bot does not load the detector's models until a watched
    channel has something to judge."""

    def __init__(self, build: Callable[[], Noticer]) -> None:
        self._build = build
        self._noticer: Noticer | None = None
        self._lock = threading.Lock()

    def notice(self, text: str) -> Notice | None:
        if self._noticer is None:
            with self._lock:
                if self._noticer is None:
                    self._noticer = self._build()
        return self._noticer.notice(text)
