"""Exactly one answer per Slack event, across retries, restarts and several bot processes.

Slack re-sends an event (``X-Slack-Retry-Num``) when it thinks the first delivery timed out. The first process to
insert the ``event_id`` into a table with a unique key owns the event; every later insert hits the key and is
"already seen". The database does the arbitration, so it holds across processes and restarts.

The claim is made after the acknowledgement, on the worker that would do the work (:func:`claimed`): a database
write waits behind the answer log's writes, and Slack's 3-second clock must not.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy import Column, Engine, Float, String, Table, delete, insert
from sqlalchemy.exc import IntegrityError

from .storage import metadata

logger = logging.getLogger(__name__)

slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("received_at", Float, nullable=False, index=True),
)

KEEP_SECONDS = 7 * 24 * 3600  # Slack retries within minutes; a week is a generous margin
PRUNE_EVERY = 500


class EventDeduplicator:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._claims = 0

    def claim(self, event_id: str, *, now: float | None = None) -> bool:
        """True if this process is the first to see ``event_id``; False if it was seen before."""
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(slack_events).values(event_id=event_id, received_at=now))
        except IntegrityError:
            return False
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            self.prune(now=now)
        return True

    def prune(self, *, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        with self.engine.begin() as connection:
            return connection.execute(delete(slack_events).where(slack_events.c.received_at < cutoff)).rowcount

    def middleware(self) -> Callable[..., Any]:
        """A Bolt global middleware that gives each event's context a ``claim_event`` callable (see :func:`claimed`)."""

        def deduplicate_events(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
            event_id = body.get("event_id") if body.get("type") == "event_callback" else None
            if event_id:
                context["claim_event"] = functools.partial(self.claim, str(event_id))
            next()

        return deduplicate_events


def claimed(context: BoltContext, job: Callable[..., Any]) -> Callable[..., None]:
    """``job``, run only if this process is the first to claim the context's event (always, for other requests)."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> None:
        claim = context.get("claim_event")
        if claim is not None and not claim():
            logger.info("skipping event %s: already handled", claim.args[0])
            return
        job(*args, **kwargs)

    return run
