"""Sign-in for the admin page: server-side sessions in signed cookies, CSRF tokens, rate-limited failures.

What it guarantees:

- A visitor first gets an anonymous session holding only a CSRF token (so the sign-in form itself is protected);
  signing in replaces it with a new authenticated session and a new token.
- Cookies carry nothing derived from the admin token: they are signed with a key derived from the session secret
  *and* the token (so changing DUALUSE_ADMIN_TOKEN signs everyone out), and without the session secret a cookie
  says nothing about the token that could be checked offline.
- A signed-in session is also a row in the answer log's database (``admin_sessions``): signing out deletes it, so a
  copied cookie is dead after logout, in every admin process sharing the database.
- The client address used for rate limiting and logging is the socket's peer; ``X-Forwarded-For`` is believed only
  when the peer is a configured trusted proxy, and then the rightmost address that is not a trusted proxy counts.
- Failed sign-ins are limited per client, except for browsers that signed in successfully before (a signed device
  cookie): they are limited on their own, so an attacker behind the admin's proxy address cannot lock the admin out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ingest.errors import ConfigurationError

logger = logging.getLogger(__name__)

COOKIE = "dualuse_admin"
DEVICE_COOKIE = "dualuse_admin_device"
SESSION_SECONDS = 12 * 3600
DEVICE_SECONDS = 90 * 24 * 3600
MIN_SECRET_CHARS = 32

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SessionStore(Protocol):
    """Where signed-in sessions live on the server (the answer log implements it)."""

    def start_admin_session(self, key: str, expires_at: datetime) -> None: ...

    def admin_session_live(self, key: str) -> bool: ...

    def end_admin_session(self, key: str) -> None: ...


@dataclass(frozen=True)
class Session:
    authenticated: bool
    csrf: str
    sid: str = ""  # the server-side session id (signed-in sessions only)


def _store_key(sid: str) -> str:
    # The database keeps a hash: reading it does not yield a session id to put in a cookie.
    return hashlib.sha256(sid.encode("ascii")).hexdigest()


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """'127.0.0.1, 10.0.0.0/8' -> networks; one clear line for a bad entry."""
    parts = [p.strip() for p in (spec.split(",") if isinstance(spec, str) else spec) if p.strip()]
    try:
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts)
    except ValueError as exc:
        raise ConfigurationError(f"DUALUSE_ADMIN_TRUSTED_PROXIES is invalid: {exc}") from None


class Guard:
    def __init__(
        self,
        admin_token: str,
        session_secret: str,
        store: SessionStore | None,
        *,
        trusted_proxies: str | Iterable[str] = (),
        max_failures: int = 5,
        window: float = 300.0,
    ) -> None:
        if len(session_secret.strip()) < MIN_SECRET_CHARS:
            raise ConfigurationError(
                f"the admin session secret is empty or shorter than {MIN_SECRET_CHARS} characters; set "
                "DUALUSE_ADMIN_SESSION_SECRET or delete the empty admin-session.key in the data directory"
            )
        self._token = admin_token.encode("utf-8")
        key = hmac.new(session_secret.encode("utf-8"), b"dualuse-admin-token:" + self._token, "sha256").hexdigest()
        self._serializer = URLSafeTimedSerializer(key, salt="dualuse-admin-session")
        self._devices = URLSafeTimedSerializer(key, salt="dualuse-admin-device")
        self._store = store
        self.trusted = parse_networks(trusted_proxies)
        self.limiter = FailureLimiter(max_failures, window)

    # -- tokens ------------------------------------------------------------------------------------------
    def token_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.strip().encode("utf-8"), self._token)

    def bearer_ok(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(value) and self.token_matches(value)

    # -- who is asking -----------------------------------------------------------------------------------
    def client_address(self, request: Request) -> str:
        """The socket peer, or (only from a trusted proxy) the rightmost untrusted X-Forwarded-For address."""
        peer = request.client.host if request.client else "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop if _is_address(hop) else "invalid-forwarded-address"
        return peer

    def limit_key(self, request: Request) -> str:
        """Whose failures a sign-in attempt counts against: a known browser's own, else its address's."""
        device = self.device(request)
        return f"device:{device}" if device else self.client_address(request)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    # -- sessions ----------------------------------------------------------------------------------------
    def session(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not data.get("csrf"):
            return None
        if not data.get("auth"):
            return Session(False, str(data["csrf"]))
        sid = str(data.get("sid") or "")
        if not sid or self._store is None or not self._store.admin_session_live(_store_key(sid)):
            return None  # signed out (or never stored): the cookie is dead
        return Session(True, str(data["csrf"]), sid)

    @staticmethod
    def anonymous_session() -> Session:
        return Session(False, secrets.token_urlsafe(32))

    def start_session(self) -> Session:
        """A new signed-in session, stored on the server."""
        if self._store is None:
            raise ConfigurationError("the admin page has no session store")
        sid = secrets.token_urlsafe(32)
        expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=SESSION_SECONDS)
        self._store.start_admin_session(_store_key(sid), expires)
        return Session(True, secrets.token_urlsafe(32), sid)

    def end_session(self, session: Session | None) -> None:
        if session is not None and session.sid and self._store is not None:
            self._store.end_admin_session(_store_key(session.sid))

    def set_cookie(self, response: Response, request: Request, session: Session) -> None:
        data: dict[str, object] = {"auth": session.authenticated, "csrf": session.csrf}
        if session.sid:
            data["sid"] = session.sid
        response.set_cookie(COOKIE, self._serializer.dumps(data), **_cookie_options(request, SESSION_SECONDS))

    # -- known browsers ----------------------------------------------------------------------------------
    def device(self, request: Request) -> str:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return ""
        try:
            value = self._devices.loads(raw, max_age=DEVICE_SECONDS)
        except BadSignature:
            return ""
        return str(value) if isinstance(value, str) else ""

    def remember_device(self, response: Response, request: Request) -> None:
        device = self.device(request) or secrets.token_urlsafe(16)
        response.set_cookie(DEVICE_COOKIE, self._devices.dumps(device), **_cookie_options(request, DEVICE_SECONDS))

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


def _cookie_options(request: Request, max_age: int) -> dict:
    return {
        "max_age": max_age,
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
        "path": "/",
    }


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class FailureLimiter:
    """At most ``max_failures`` failed sign-ins per key within ``window`` seconds."""

    def __init__(self, max_failures: int, window: float) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        with self._lock:
            failures = self._prune(key)
            if failures is None or len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.window - time.monotonic()) + 1)

    def failed(self, key: str, client: str = "") -> None:
        with self._lock:
            self._prune(key)
            self._failures.setdefault(key, deque()).append(time.monotonic())
        logger.warning("failed admin sign-in from %s", client or key)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        cutoff = time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        if not failures:
            del self._failures[key]  # an attacker's many addresses must not grow the table for ever
            return None
        return failures
