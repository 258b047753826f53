"""Exactly one answer per question, across retries, redeliveries, restarts and several bot processes.

Slack can bring one message to the bot more than once: it re-sends an event (``X-Slack-Retry-Num``, the same
``event_id``) when it thinks the first delivery timed out; it has redelivered a message under a new ``event_id``
with no retry header at all; and a thread reply that mentions the bot arrives both as ``app_mention`` and as
``message``, two events with two ids. So an event claims two keys in one transaction: its ``event_id`` and, when it
brings a message, the message itself (``message:<channel>:<ts>``), which every delivery of that message shares.
The first process to insert them into a table with a unique key owns the event; any later claim of either key hits
the key, is rolled back whole and is "already seen". The database does the arbitration, atomically, so it holds
between threads, across processes and across restarts.

The claim is made after the acknowledgement, on the worker that would do the work (:func:`claimed`, or
:func:`first_to_claim` where a listener first decides whether the event is for it at all, since a claim it then
did not act on would silence the delivery that is): a database write waits behind the answer log's writes, and
Slack's 3-second clock must not.

While the database server cannot be reached, events are claimed in this process instead (``local_claims``), so
every event is still answered once per process and Slack's retries are skipped; for ``retry_seconds`` after a
failure claims go straight there (nobody waits for a dead server again), and the claims made meanwhile are written
to the database with the first claim that reaches it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from sqlalchemy import Column, Engine, Float, String, Table, delete, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ingest.errors import database_unreachable

from .local_claims import LocalClaims
from .storage import metadata

logger = logging.getLogger(__name__)

slack_events = Table(
    "slack_events",
    metadata,
    Column("event_id", String(100), primary_key=True),  # an event_id, or a message key (see claim_keys)
    Column("received_at", Float, nullable=False, index=True),
)

KEEP_SECONDS = 7 * 24 * 3600  # Slack retries within minutes; a week is a generous margin
PRUNE_EVERY = 500
CLAIM_KEY = "claim_event"  # where the middleware puts an event's claim in Bolt's context
MESSAGE_EVENTS = ("app_mention", "message")


def claim_keys(body: dict[str, Any]) -> tuple[str, ...]:
    """What an Events API request claims: its ``event_id`` and, for an event that brings a message, the message
    (its channel and ts). Nothing for other requests (commands, actions, views)."""
    if body.get("type") != "event_callback" or not body.get("event_id"):
        return ()
    keys = [str(body["event_id"])]
    event = body.get("event") or {}
    if event.get("type") in MESSAGE_EVENTS and event.get("channel") and event.get("ts"):
        keys.append(f"message:{event['channel']}:{event['ts']}")
    return tuple(keys)


class EventDeduplicator:
    def __init__(self, engine: Engine, *, retry_seconds: float = 10.0) -> None:
        """``retry_seconds``: after the database was found unreachable, claim in this process for that long before
        trying it again."""
        self.engine = engine
        self.retry_seconds = retry_seconds
        self.local = LocalClaims()
        self._claims = 0
        self._down_until = 0.0  # monotonic
        self._away = False  # the database was unreachable at the last try (for one line per outage)
        self._lock = threading.Lock()
        self._saving = threading.Lock()

    def claim(self, *keys: str, now: float | None = None) -> bool:
        """True if this process is the first to claim every one of ``keys``; False if any was claimed before (and
        then none is claimed now: the rows go in one transaction)."""
        now = time.time() if now is None else now
        if self.local.holds(keys, now):
            return False  # claimed here while the database was away: a retry or redelivery of that event
        if time.monotonic() < self._down_until:
            return self.local.claim(keys, now)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(slack_events), [{"event_id": key, "received_at": now} for key in keys])
        except IntegrityError:
            return False
        except SQLAlchemyError as exc:
            if not database_unreachable(exc):
                raise
            self._went_away(exc)
            return self.local.claim(keys, now)
        self._came_back()
        self._claims += 1
        if self._claims % PRUNE_EVERY == 0:
            self.prune(now=now)
        return True

    def _went_away(self, exc: SQLAlchemyError) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.retry_seconds
            if self._away:
                return
            self._away = True
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        logger.warning(
            "the database is unreachable (%s: %s): claiming Slack events in this process until it is back",
            type(orig).__name__,
            reason,
        )

    def _came_back(self) -> None:
        """Write the claims made in this process while the database was away, so other processes skip them too."""
        with self._lock:
            self._away = False
        if not self.local.unsaved():
            return
        with self._saving:  # one writer: two would both count the same claims as saved
            unsaved, written = self.local.unsaved(), 0
            try:
                for keys, at in unsaved:
                    for key in keys:  # one at a time: another process may have claimed some of them meanwhile
                        try:
                            with self.engine.begin() as connection:
                                connection.execute(insert(slack_events), [{"event_id": key, "received_at": at}])
                        except IntegrityError:
                            pass
                    written += 1
            except SQLAlchemyError as exc:  # away again: the rest are written with a later claim
                if not database_unreachable(exc):
                    raise
            finally:
                self.local.saved(written)
        if written:
            logger.warning("the database is back: wrote %d event claim(s) made in this process", written)

    def prune(self, *, now: float | None = None) -> int:
        cutoff = (time.time() if now is None else now) - KEEP_SECONDS
        with self.engine.begin() as connection:
            return connection.execute(delete(slack_events).where(slack_events.c.received_at < cutoff)).rowcount

    def middleware(self) -> Callable[..., Any]:
        """A Bolt global middleware that gives each event's context a ``claim_event`` callable (see :func:`claimed`)."""

        def deduplicate_events(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
            keys = claim_keys(body)
            if keys:
                context[CLAIM_KEY] = functools.partial(self.claim, *keys)
            next()

        return deduplicate_events


def first_to_claim(context: BoltContext) -> bool:
    """Claim the context's event; True if this process is the first (and always for requests that are not events)."""
    claim = context.get(CLAIM_KEY)
    if claim is None or claim():
        return True
    event_id, *message = claim.args
    logger.info("skipping event %s: already handled%s", event_id, f" ({message[0]})" if message else "")
    return False


def claimed(context: BoltContext, job: Callable[..., Any]) -> Callable[..., None]:
    """``job``, run only if this process is the first to claim the context's event (always, for other requests)."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> None:
        if first_to_claim(context):
            job(*args, **kwargs)

    return run
