"""What the Slack listeners need, passed in explicitly (the support-agent ``deps`` pattern)."""

from __future__ import annotations

from dataclasses import dataclass

from ..services import Services
from .dedup import EventDeduplicator
from .feedback import FeedbackStore


@dataclass
class SlackDeps:
    services: Services
    dedup: EventDeduplicator
    feedback: FeedbackStore

    @property
    def streaming(self) -> bool:
        """Stream answers in assistant threads only when a language model writes them."""
        return self.services.settings.effective_answer_mode == "llm"
