"""Where the Slack adapter's work runs, so that acknowledging a request never waits for an answer.

Listeners only acknowledge and hand work over; nothing slow runs on Bolt's own threads. Two pools:

- ``quick``: short interactive work (a progress message, a feedback click, opening a modal within the trigger's
  3 seconds, a page of the source list). Many threads, each job a few Web API calls.
- ``answers``: answering and ingesting, on a fixed number of workers (``DUALUSE_SLACK_WORKERS``) with a queue of at
  most ``DUALUSE_SLACK_QUEUE_LIMIT`` waiting jobs. ``ahead()`` says how many are waiting, so a question that will
  wait can say so; a job beyond the limit is refused with :class:`Busy` instead of queueing without end.

Every job counts as in flight from submission to its end, so shutdown waits for queued work too.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.app import InFlight

logger = logging.getLogger(__name__)

QUICK_WORKERS = 16


ANSWER_NICENESS = 10


def _lower_priority() -> None:
    """Answer threads yield the cores to the threads that acknowledge requests (Linux: per-thread nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), ANSWER_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: the answers just run at normal priority
        pass


class Busy(Exception):
    """The answer queue is full."""


class Workers:
    def __init__(self, answer_workers: int, queue_limit: int, in_flight: InFlight | None = None) -> None:
        self.answer_workers = answer_workers
        self.queue_limit = queue_limit
        self.in_flight = in_flight or InFlight()
        self._quick = ThreadPoolExecutor(QUICK_WORKERS, thread_name_prefix="slack-quick")
        self._answers = ThreadPoolExecutor(
            answer_workers, thread_name_prefix="slack-answer", initializer=_lower_priority
        )
        self._lock = threading.Lock()
        self._waiting = 0
        self._running = 0

    def ahead(self) -> int:
        """How many answers a job submitted now would wait for (0: a worker is free)."""
        with self._lock:
            return max(0, self._waiting + self._running - self.answer_workers + 1)

    def quick(self, job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run a short job soon, on the interactive pool."""
        self._submit(self._quick, job, args, kwargs, counted=False)

    def answer(self, job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue an answer (or an ingest); raises :class:`Busy` when ``queue_limit`` jobs already wait."""
        with self._lock:
            if self._waiting >= self.queue_limit:
                raise Busy(f"{self._waiting} questions are already waiting")
            self._waiting += 1
        self._submit(self._answers, job, args, kwargs, counted=True)

    def shutdown(self) -> None:
        """Drop the work still waiting (the process is stopping after its grace period); running jobs finish."""
        self._quick.shutdown(wait=False, cancel_futures=True)
        self._answers.shutdown(wait=False, cancel_futures=True)

    def _submit(
        self, pool: ThreadPoolExecutor, job: Callable[..., Any], args: Any, kwargs: Any, *, counted: bool
    ) -> None:
        tracker = self.in_flight.track()
        tracker.__enter__()

        def run() -> None:
            if counted:
                with self._lock:
                    self._waiting -= 1
                    self._running += 1
            try:
                job(*args, **kwargs)
            except Exception:  # jobs report their own failures to the user; this only keeps the worker alive
                logger.exception("a Slack job failed")
            finally:
                if counted:
                    with self._lock:
                        self._running -= 1
                tracker.__exit__(None, None, None)

        try:
            pool.submit(run)
        except RuntimeError:  # shutting down: the job is dropped, and no longer in flight
            if counted:
                with self._lock:
                    self._waiting -= 1
            tracker.__exit__(None, None, None)
            raise
