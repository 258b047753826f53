"""Operations endpoints shared by the long-running processes: liveness, readiness, Prometheus metrics, and the
bookkeeping that lets a process finish its answers in flight before it exits."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .container import Services
from .metrics import CONTENT_TYPE, Metrics

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class InFlight:
    """Counts work in progress so that shutdown can wait for it."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    @contextmanager
    def track(self) -> Iterator[None]:
        with self._idle:
            self._count += 1
        try:
            yield
        finally:
            with self._idle:
                self._count -= 1
                self._idle.notify_all()

    @property
    def count(self) -> int:
        return self._count

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is in flight (True) or ``timeout`` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout=timeout)


def readiness(services: Services) -> dict[str, str]:
    """'ok' or the problem, for the index and the database; ready when every value is 'ok'."""
    checks: dict[str, str] = {}
    try:
        services.index.ping()  # Chroma and the registry both answer
        checks["index"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report the state, never crash the probe
        checks["index"] = f"unreachable ({type(exc).__name__})"
    try:
        checks["database"] = services.answer_log.ping()
    except Exception as exc:  # noqa: BLE001 - opening the log itself failed
        checks["database"] = f"unreachable ({type(exc).__name__})"
    return checks


def ops_wsgi(
    readiness: Callable[[], dict[str, str]],
    metrics: Metrics | None,
    fallback: WsgiApp | None = None,
    checks: Callable[[], dict[str, str]] | None = None,
) -> WsgiApp:
    """``GET /healthz``, ``GET /readyz`` and ``GET /metrics``; anything else goes to ``fallback`` (or 404).

    ``readiness``: the index and database checks (:meth:`Application.readiness`); ``checks``: more of them (the
    bot's Slack connection), 'ok' or the problem."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if method in ("GET", "HEAD"):
            if path == "/healthz":
                return _json(start_response, 200, {"status": "ok"})
            if path == "/readyz":
                state = readiness() | (checks() if checks is not None else {})
                ready = all(v == "ok" for v in state.values())
                return _json(start_response, 200 if ready else 503, {"status": "ok" if ready else "error", **state})
            if path == "/metrics" and metrics is not None:
                body = metrics.exposition()
                start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
                return [body]
        if fallback is not None:
            return fallback(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]

    return application


def _json(start_response: StartResponse, status: int, payload: dict[str, str]) -> list[bytes]:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
