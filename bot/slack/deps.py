"""What the Slack listeners need, passed in explicitly (the support-agent ``deps`` pattern)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..metrics import Metrics
from ..ops import InFlight
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
    in_flight: InFlight = field(default_factory=InFlight)  # answers and ingests under way, for graceful shutdown

    @property
    def metrics(self) -> Metrics:
        return self.services.metrics

    @property
    def streaming(self) -> bool:
        """Stream answers in assistant threads only when a language model writes them."""
        return self.services.settings.effective_answer_mode == "llm"

    @property
    def max_upload_bytes(self) -> int:
        return self.services.settings.max_upload_mb * 1024 * 1024


F = TypeVar("F", bound=Callable[..., Any])


def tracked(work: F) -> F:
    """Count ``work(client, deps, ...)`` as in flight while it runs, so shutdown can wait for it."""

    @functools.wraps(work)
    def wrapper(client: Any, deps: SlackDeps, *args: Any, **kwargs: Any) -> Any:
        with deps.in_flight.track():
            return work(client, deps, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
