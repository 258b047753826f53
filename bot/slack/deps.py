"""What the Slack listeners need, passed in explicitly (the support-agent ``deps`` pattern)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import Application, InFlight, Metrics

from .dedup import EventDeduplicator
from .pending import PendingDocuments
from .trainers import Trainers
from .workers import Workers


@dataclass
class SlackDeps:
    app: Application  # the use cases: questions, library, feedback
    dedup: EventDeduplicator
    trainers: Trainers
    pending: PendingDocuments
    bot_token: str  # for downloading shared files; never logged
    workers: Workers  # where listeners hand their work over after acknowledging

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
