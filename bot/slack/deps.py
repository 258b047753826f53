"""What the Slack listeners need, passed in explicitly (the support-agent ``deps`` pattern)."""

from __future__ import annotations

from dataclasses import dataclass

from ..services import Services
from .dedup import EventDeduplicator
from .pending import PendingDocuments
from .trainers import Trainers


@dataclass
class SlackDeps:
    services: Services
    dedup: EventDeduplicator
    trainers: Trainers
    pending: PendingDocuments
    bot_token: str  # for downloading shared files; never logged

    @property
    def streaming(self) -> bool:
        """Stream answers in assistant threads only when a language model writes them."""
        return self.services.settings.effective_answer_mode == "llm"

    @property
    def max_upload_bytes(self) -> int:
        return self.services.settings.max_upload_mb * 1024 * 1024
