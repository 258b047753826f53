"""Which interface language a Slack user reads: their Slack locale (``users.info`` with ``include_locale``), mapped
to one of our catalogues ("fr-FR" -> "fr"), remembered per user for an hour.

The guarantee: looking a locale up never costs anyone an answer. A failed call, a user Slack does not know or a
locale we have no catalogue for (Slack offers Portuguese, Japanese, ...; it offers neither Arabic nor Russian) is
None, and the caller falls back to the question's language. A failure is remembered for a minute only, so a Slack
outage does not cost a users.info call per question nor stick for an hour.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.i18n import language_of_locale

logger = logging.getLogger(__name__)

KNOWN_SECONDS = 3600.0  # people rarely change their Slack language; an hour's delay is acceptable
FAILED_SECONDS = 60.0
MAX_USERS = 10_000  # a bound on memory for a very large workspace: the oldest entry goes first


class UserLocales:
    """A per-user cache of interface languages, shared by every listener (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, str | None]] = {}  # user -> (expires at, language or None)

    def cached(self, user: str) -> str | None:
        """The language remembered for ``user``, without calling Slack (for an acknowledgement that cannot wait)."""
        with self._lock:
            entry = self._known.get(user)
        return entry[1] if entry is not None and entry[0] > self._clock() else None

    def language(self, client: WebClient, user: str) -> str | None:
        """``user``'s interface language from their Slack locale, or None (unknown, unsupported, or Slack failed)."""
        if not user:
            return None
        now = self._clock()
        with self._lock:
            entry = self._known.get(user)
        if entry is not None and entry[0] > now:
            return entry[1]
        try:
            response = client.users_info(user=user, include_locale=True)
            locale = str((response.get("user") or {}).get("locale") or "")
            language, ttl = language_of_locale(locale), KNOWN_SECONDS
        except Exception as exc:  # noqa: BLE001 - see the module docstring: the answer goes on without it
            logger.info("could not look up the Slack locale of %s: %s", user, exc)
            language, ttl = None, FAILED_SECONDS
        with self._lock:
            if len(self._known) >= MAX_USERS:
                self._known.pop(next(iter(self._known)))
            self._known[user] = (now + ttl, language)
        return language
