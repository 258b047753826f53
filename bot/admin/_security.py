"""Sign-in for the admin page: signed session cookies, CSRF tokens, rate-limited failures, bearer tokens.

A visitor first gets an anonymous session holding only a CSRF token (so the sign-in form itself is protected);
signing in replaces it with a new authenticated session and a new token. Sessions also carry a fingerprint of
the admin token, so changing DUALUSE_ADMIN_TOKEN signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

logger = logging.getLogger(__name__)

COOKIE = "dualuse_admin"
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Session:
    authenticated: bool
    csrf: str


class Guard:
    def __init__(self, admin_token: str, session_secret: str, *, max_failures: int = 5, window: float = 300.0) -> None:
        self._token = admin_token.encode("utf-8")
        self._fingerprint = hashlib.sha256(b"dualuse-admin:" + self._token).hexdigest()[:16]
        self._serializer = URLSafeTimedSerializer(session_secret, salt="dualuse-admin-session")
        self.limiter = FailureLimiter(max_failures, window)

    # -- tokens ------------------------------------------------------------------------------------------
    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.strip().encode("utf-8"), self._token)

    def bearer_ok(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(value) and self.token_matches(value)

    # -- sessions ----------------------------------------------------------------------------------------
    def session(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("tk") != self._fingerprint or not data.get("csrf"):
            return None
        return Session(bool(data.get("auth")), str(data["csrf"]))

    @staticmethod
    def new_session(*, authenticated: bool) -> Session:
        return Session(authenticated, secrets.token_urlsafe(32))

    def set_cookie(self, response: Response, request: Request, session: Session) -> None:
        value = self._serializer.dumps({"auth": session.authenticated, "csrf": session.csrf, "tk": self._fingerprint})
        response.set_cookie(
            COOKIE,
            value,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")

    @staticmethod
    def csrf_ok(request: Request, session: Session | None, submitted: str) -> bool:
        """The form's token matches the session's, and a browser-sent Origin (if any) is this site."""
        origin = request.headers.get("origin")
        if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
            return False
        return session is not None and bool(submitted) and hmac.compare_digest(submitted, session.csrf)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class FailureLimiter:
    """At most ``max_failures`` failed sign-ins per client within ``window`` seconds."""

    def __init__(self, max_failures: int, window: float) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        with self._lock:
            failures = self._prune(key)
            if len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.window - time.monotonic()) + 1)

    def failed(self, key: str) -> None:
        with self._lock:
            self._prune(key).append(time.monotonic())
        logger.warning("failed admin sign-in from %s", key)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str) -> deque[float]:
        failures = self._failures[key]
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures
