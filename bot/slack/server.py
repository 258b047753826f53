"""Run the Bolt app: an HTTP server for the Events API, or a Socket Mode connection; both stop gracefully.

On SIGTERM (or Ctrl+C) the process stops taking new events, then waits for the answers and ingests already under
way before it exits, so a deploy never leaves a user with "looking this up" for ever.
"""

from __future__ import annotations

import functools
import logging
import signal
import socketserver
import sys
import threading
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import StartResponse, WsgiApp, ops_wsgi

from .app import SlackBot

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SHUTDOWN_GRACE_SECONDS = 60.0
# Answer workers run Python (retrieval, composition) and hold the GIL for up to the switch interval (5 ms by
# default) at a time; a request thread waiting behind several of them for each slice pays that many times over.
# Shorter slices keep acknowledgements fast while answers are written, at a small cost in throughput.
GIL_SWITCH_SECONDS = 0.0005


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # One thread per request: a slow client cannot hold up Slack's next delivery.
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: a burst of deliveries overflows it and the dropped connections are retried
    # by the client's TCP stack a full second later.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        logger.debug("%s %s", self.address_string(), format % args)


def wsgi_app(bot: SlackBot) -> WsgiApp:
    """``POST /slack/events`` goes to Bolt (it verifies the signature); health, readiness and metrics beside it."""
    events = functools.partial(events_only, SlackRequestHandler(bot.app, path=EVENTS_PATH))
    return ops_wsgi(bot.deps.app.readiness, bot.deps.metrics, fallback=events, checks=bot.readiness)


def events_only(slack: SlackRequestHandler, environ: dict[str, Any], start_response: StartResponse) -> Any:
    """``POST /slack/events`` to Bolt, anything else a 404."""
    if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
        return slack(environ, start_response)
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


def _server(app: WsgiApp, host: str, port: int) -> _ThreadingWSGIServer:
    return make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


def serve_http(bot: SlackBot, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    server = _server(wsgi_app(bot), host, port)
    address = f"http://{host}:{server.server_address[1]}"
    logger.info("listening on %s%s", address, EVENTS_PATH)
    _stop_on_signals(lambda: threading.Thread(target=server.shutdown, daemon=True).start())
    if on_ready is not None:
        on_ready(address)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        _finish_in_flight(bot)


def serve_socket_mode(
    bot: SlackBot, app_token: str, on_ready: Callable[[str], None] | None = None, ops: tuple[str, int] | None = None
) -> None:
    """Socket Mode; with ``ops=(host, port)`` also serve /healthz, /readyz and /metrics over HTTP."""
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    ops_server = None
    if ops is not None:
        ops_server = _server(ops_wsgi(bot.deps.app.readiness, bot.deps.metrics, checks=bot.readiness), *ops)
        threading.Thread(target=ops_server.serve_forever, name="ops-http", daemon=True).start()
        logger.info("operations endpoints on http://%s:%d", ops[0], ops_server.server_address[1])
    handler = SocketModeHandler(bot.app, app_token, logger=logging.getLogger("bot.slack.socket_mode"))
    stopped = threading.Event()
    _stop_on_signals(stopped.set)
    handler.connect()
    logger.info("connected to Slack in Socket Mode")
    if on_ready is not None:
        on_ready("socket mode")
    try:
        stopped.wait()
    finally:
        handler.close()  # no new events from here on
        _finish_in_flight(bot)
        if ops_server is not None:
            ops_server.shutdown()
            ops_server.server_close()


def _finish_in_flight(bot: SlackBot) -> None:
    in_flight = bot.deps.in_flight
    if in_flight.count:
        logger.info("finishing %d answer(s) in flight before stopping", in_flight.count)
    if not in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
        logger.warning(
            "stopping with %d answer(s) still in flight after %.0f s", in_flight.count, SHUTDOWN_GRACE_SECONDS
        )
    bot.deps.workers.shutdown()  # or the interpreter would wait at exit for every queued job


def _stop_on_signals(stop: Callable[[], None]) -> None:
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, frame: stop())
