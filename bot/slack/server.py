"""Run the Bolt app: an HTTP server for the Events API, or a Socket Mode connection."""

from __future__ import annotations

import json
import logging
import signal
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # One thread per request: a slow client cannot hold up Slack's next delivery.
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        logger.debug("%s %s", self.address_string(), format % args)


def wsgi_app(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """``POST /slack/events`` goes to Bolt (it verifies the signature); ``GET /healthz`` says the bot is up."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            body = json.dumps({"ok": True}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]

    return application


def serve_http(app: App, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
    server = make_server(host, port, wsgi_app(app), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    address = f"http://{host}:{server.server_address[1]}"
    logger.info("listening on %s%s", address, EVENTS_PATH)
    _stop_on_sigterm(lambda: threading.Thread(target=server.shutdown, daemon=True).start())
    if on_ready is not None:
        on_ready(address)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def serve_socket_mode(app: App, app_token: str, on_ready: Callable[[str], None] | None = None) -> None:
    handler = SocketModeHandler(app, app_token, logger=logging.getLogger("bot.slack.socket_mode"))
    stopped = threading.Event()
    _stop_on_sigterm(stopped.set)
    handler.connect()
    logger.info("connected to Slack in Socket Mode")
    if on_ready is not None:
        on_ready("socket mode")
    try:
        stopped.wait()
    finally:
        handler.close()


def _stop_on_sigterm(stop: Callable[[], None]) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: stop())
