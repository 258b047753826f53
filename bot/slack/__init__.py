"""The Slack adapter: a thin Bolt app over the answer engine.

build_app(settings, application, http=...)   the wired Bolt app
serve_http(app, host, port)                Events API, interactivity and slash commands at POST /slack/events
serve_socket_mode(app, app_token)          the same over a Socket Mode WebSocket
"""

from __future__ import annotations

from . import config
from .app import build_app, make_web_client
from .server import serve_http, serve_socket_mode

__all__ = ["build_app", "config", "make_web_client", "serve_http", "serve_socket_mode"]
