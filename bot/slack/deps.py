"""What the Slack listeners need, passed in explicitly (the support-agent ``deps`` pattern).

One Bolt middleware (``bot/slack/app.py``) puts the :class:`SlackDeps` into every request's context; listeners are
module-level functions that take Bolt's injected ``context`` and read them with :func:`deps_of`. Nothing else is
captured: a listener's dependencies are its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext

from bot.app import Application, InFlight, Metrics

from .dedup import EventDeduplicator
from .locales import UserLocales
from .pending import PendingDocuments
from .trainers import Trainers
from .workers import Workers

DEPS_KEY = "deps"  # where the middleware puts the SlackDeps in Bolt's context


@dataclass
class SlackDeps:
    app: Application  # the use cases: questions, library, feedback
    dedup: EventDeduplicator
    trainers: Trainers
    pending: PendingDocuments
    bot_token: str  # for downloading shared files; never logged
    workers: Workers  # where listeners hand their work over after acknowledging
    locales: UserLocales = field(default_factory=UserLocales)  # each user's interface language (Slack locale)

    def __deepcopy__(self, memo: dict[int, Any]) -> SlackDeps:
        # Bolt deep-copies a request's context for lazy listeners; the dependencies (thread pools, the database,
        # the loaded models) are shared by every request, never copied.
        return self

    @property
    def in_flight(self) -> InFlight:
        """Work queued or under way, for graceful shutdown."""
        return self.workers.in_flight

    @property
    def metrics(self) -> Metrics:
        return self.app.metrics

    @property
    def streaming(self) -> bool:
        """Stream answers in assistant threads only when a language model writes them."""
        return self.app.streams_answers

    @property
    def max_upload_bytes(self) -> int:
        return self.app.settings.max_upload_mb * 1024 * 1024


def deps_of(context: BoltContext) -> SlackDeps:
    """The listeners' dependencies, as the middleware put them in this request's ``context``."""
    deps = context.get(DEPS_KEY)
    if not isinstance(deps, SlackDeps):
        raise RuntimeError("no SlackDeps in the Bolt context: build the app with bot.slack.build_app")
    return deps
