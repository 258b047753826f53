"""``dualuse serve``: the Slack bot, in Socket Mode (SLACK_APP_TOKEN set) or over HTTP (``--http``)."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import Annotated

import typer

from .context import application_of, settings_of
from .output import stderr, user_errors


@user_errors
def serve(
    ctx: typer.Context,
    http: Annotated[
        bool, typer.Option("--http", help="Serve the Events API at POST /slack/events instead of Socket Mode.")
    ] = False,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="HTTP port (with --http).")] = 3000,
    host: Annotated[str, typer.Option("--host", help="HTTP address to bind (with --http).")] = "0.0.0.0",
    ops_port: Annotated[
        int | None,
        typer.Option("--ops-port", min=0, max=65535, help="Socket Mode: serve /healthz, /readyz, /metrics here."),
    ] = None,
) -> None:
    """Run the Slack bot (needs SLACK_BOT_TOKEN, and SLACK_APP_TOKEN or --http with SLACK_SIGNING_SECRET)."""
    from bot.slack import build_app, config, serve_http, serve_socket_mode
    from ingest.errors import ConfigurationError

    settings = settings_of(ctx)
    if settings.embedding_threads == 0:
        # Answers run on several workers at once, each embedding its question: one ONNX thread each. More make
        # the workers' threads compete for the cores (and the acknowledgements with them): see the Slack load
        # benchmark in docs/benchmarks.md.
        settings.embedding_threads = 1
    # Check every setting before loading anything heavy, so a typo fails in a second with one line.
    config.bot_token(settings)
    app_token = None if http else config.app_token(settings)
    if http:
        config.signing_secret(settings)
    elif app_token is None:
        raise ConfigurationError("SLACK_APP_TOKEN is not set: set it for Socket Mode, or run `dualuse serve --http`")
    application = application_of(ctx)
    with _status("Opening the database"):
        # The database holds the document registry (which passages are live) as well as the log: without it there is
        # nothing correct to answer from, so the bot waits for it rather than acknowledge events it cannot answer.
        # Slack redelivers what was not acknowledged, and an orchestrator sees the bot not ready meanwhile.
        application.wait_for_database(settings.database_wait_seconds)
    with _status("Loading the corpus"):
        # Index the shipped corpus if needed, load the models and build the BM25 index now: the first question
        # should not pay for them (about 15 s at 100k chunks, see docs/benchmarks.md); no LLM call is made here.
        application.warm_up()
    bot = build_app(settings, application, http=http)

    if http:
        serve_http(bot, host, port, on_ready=_announce)
    else:
        assert app_token is not None
        ops = (host, ops_port) if ops_port is not None else None
        serve_socket_mode(bot, app_token, on_ready=_announce, ops=ops)


def _announce(where: str) -> None:
    stderr.print(f"dualuse is serving Slack ({where}); Ctrl+C to stop", highlight=False)


def _status(message: str) -> AbstractContextManager[object]:
    return stderr.status(message) if stderr.is_terminal else contextlib.nullcontext()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
