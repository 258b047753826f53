"""Event claims made in this process while the database cannot arbitrate them (its server is unreachable).

The database's unique key is what makes an event answered once across threads, processes and restarts
(``dedup``). While it cannot be reached, each bot process still answers every event once: the first delivery
claims its keys here, and a retry or redelivery of the same event or message finds them and is skipped, during the
outage and after it (Slack retries for minutes, so the claims are kept for an hour). Once the database answers again
the claims are written there too (:meth:`LocalClaims.unsaved`), so that other processes skip them from then on.
What this cannot do is arbitrate between processes during the outage: a retry that reaches another bot process then
is answered there as well.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

KEEP_SECONDS = 3600.0


class LocalClaims:
    def __init__(self, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._claimed: dict[str, float] = {}  # key -> when it was claimed (time.time())
        self._unsaved: list[tuple[tuple[str, ...], float]] = []
        self._lock = threading.Lock()

    def claim(self, keys: Sequence[str], now: float | None = None) -> bool:
        """True if none of ``keys`` was claimed here before (then all are, now); False otherwise."""
        now = time.time() if now is None else now
        with self._lock:
            self._prune(now)
            if any(key in self._claimed for key in keys):
                return False
            self._claimed.update(dict.fromkeys(keys, now))
            self._unsaved.append((tuple(keys), now))
            return True

    def holds(self, keys: Sequence[str], now: float | None = None) -> bool:
        """True if any of ``keys`` was claimed here (and is still kept)."""
        now = time.time() if now is None else now
        with self._lock:
            self._prune(now)
            return any(key in self._claimed for key in keys)

    def unsaved(self) -> list[tuple[tuple[str, ...], float]]:
        """The claims not yet written to the database, oldest first: (keys, claimed at)."""
        with self._lock:
            return list(self._unsaved)

    def saved(self, count: int) -> None:
        """The oldest ``count`` claims of :meth:`unsaved` are in the database now."""
        with self._lock:
            del self._unsaved[:count]

    def _prune(self, now: float) -> None:
        if not self._claimed:
            return
        cutoff = now - self.keep_seconds
        if next(iter(self._claimed.values())) >= cutoff:  # insertion order is claim order: nothing expired yet
            return
        self._claimed = {key: at for key, at in self._claimed.items() if at >= cutoff}
