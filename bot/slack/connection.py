"""Whether Slack accepts the bot's token, for ``/readyz``: checked with ``auth.test`` at start, and again after a
Web API call fails with an authentication error (a revoked or rotated token, an uninstalled app).

While the connection is bad, a readiness probe re-checks at most every ``RECHECK_SECONDS``, so a restored token is
noticed without a restart and a busy probe does not hammer Slack.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient

logger = logging.getLogger(__name__)

AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission"}
)
RECHECK_SECONDS = 2.0


class SlackConnection:
    def __init__(self) -> None:
        self.client: WebClient | None = None  # set once the client that reports to auth_failed exists
        self._lock = threading.Lock()
        self._status = "unchecked"
        self._checked_at = 0.0

    def check(self) -> str:
        """Ask Slack (``auth.test``) and remember the answer: 'ok' or the error."""
        try:
            assert self.client is not None, "SlackConnection.client is not set"
            self.client.auth_test()
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - the probe reports any failure, never raises
            response = getattr(exc, "response", None)
            status = str(response.get("error")) if response is not None else f"unreachable ({type(exc).__name__})"
        with self._lock:
            if status != self._status:
                (logger.info if status == "ok" else logger.error)("Slack connection: %s", status)
            self._status, self._checked_at = status, time.monotonic()
        return status

    def auth_failed(self, error: str) -> None:
        """A Web API call was refused for authentication: not ready until ``auth.test`` passes again."""
        with self._lock:
            if self._status == "ok":
                logger.error("Slack refused the bot token (%s); /readyz reports it until auth.test passes", error)
            self._status, self._checked_at = error, 0.0

    def status(self) -> str:
        with self._lock:
            status, stale = self._status, time.monotonic() - self._checked_at > RECHECK_SECONDS
        return self.check() if status != "ok" and stale else status
