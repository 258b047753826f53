"""Wiring only: a Web API client, the Bolt app, its middleware (the listeners' dependencies, counted Web API errors,
de-duplication), then the listeners."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.app import Application
from bot.settings import Settings
from ingest.errors import ConfigurationError

from .config import bot_token, signing_secret
from .connection import AUTH_ERRORS, SlackConnection
from .dedup import EventDeduplicator
from .deps import DEPS_KEY, SlackDeps
from .listeners import register_listeners
from .pending import PendingDocuments
from .trainers import Trainers
from .workers import Workers

ACK_THREADS = 8  # Bolt's own threads; listeners only acknowledge and hand over, so a few are plenty


class CountingWebClient(WebClient):
    """A WebClient that reports each failed Web API call (after its retries) to ``on_error``, and calls refused
    for authentication to ``on_auth_error`` (with Slack's error code)."""

    def __init__(
        self,
        *args: Any,
        on_error: Callable[[str], None] | None = None,
        on_auth_error: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._on_error = on_error
        self._on_auth_error = on_auth_error

    @classmethod
    def like(
        cls,
        client: WebClient,
        on_error: Callable[[str], None] | None,
        on_auth_error: Callable[[str], None] | None = None,
    ) -> CountingWebClient:
        """A counting client with the settings of ``client`` (token, address, timeouts, retries)."""
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=dict(client.headers),
            team_id=client.default_params.get("team_id"),
            logger=client.logger,
            retry_handlers=list(client.retry_handlers),
            on_error=on_error,
            on_auth_error=on_auth_error,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> CountingWebClient:
        # Bolt deep-copies the request context for lazy listeners; the callback (a metrics counter holding locks)
        # cannot be copied, and is meant to be shared anyway.
        return CountingWebClient.like(self, self._on_error, self._on_auth_error)

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        try:
            return super().api_call(api_method, **kwargs)
        except (SlackApiError, SlackClientError, OSError) as exc:
            if self._on_error is not None:
                self._on_error(api_method)
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            if error in AUTH_ERRORS and self._on_auth_error is not None:
                self._on_auth_error(str(error))
            raise


def make_web_client(
    settings: Settings,
    on_error: Callable[[str], None] | None = None,
    on_auth_error: Callable[[str], None] | None = None,
) -> WebClient:
    # The default client retries connection errors only; rate limits (429 + Retry-After) and Slack's 500/503
    # bursts need their own handlers (slack_sdk's: Retry-After is honoured, 5xx back off 0.5, 1, 2 s).
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=3),
    ]
    base_url = f"{settings.slack_api_url}/" if settings.slack_api_url else WebClient.BASE_URL
    return CountingWebClient(
        token=bot_token(settings),
        base_url=base_url,
        retry_handlers=handlers,
        timeout=30,
        on_error=on_error,
        on_auth_error=on_auth_error,
    )


class CountApiErrors(Middleware):
    """Bolt middleware: listeners' Web API failures are counted too, not only those of ``app.client``.

    Bolt hands every request a fresh plain ``WebClient`` built from ``app.client``'s settings, so the counting
    subclass given to ``App`` never sees the calls listeners make; this swaps in a counting client per request.
    """

    def __init__(self, on_error: Callable[[str], None], on_auth_error: Callable[[str], None] | None = None) -> None:
        self.on_error = on_error
        self.on_auth_error = on_auth_error

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt's argument name
    ) -> BoltResponse | None:
        context = req.context
        if context.client is not None and not isinstance(context.client, CountingWebClient):
            context["client"] = CountingWebClient.like(context.client, self.on_error, self.on_auth_error)
        return next()


class ProvideDeps(Middleware):
    """Bolt middleware: every request's context carries the listeners' dependencies (read with ``deps_of``)."""

    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt's argument name
    ) -> BoltResponse | None:
        req.context[DEPS_KEY] = self.deps
        return next()


@dataclass(frozen=True)
class SlackBot:
    app: App
    deps: SlackDeps
    connection: SlackConnection

    def readiness(self) -> dict[str, str]:
        """The Slack part of /readyz."""
        return {"slack": self.connection.status()}


def build_app(settings: Settings, application: Application, *, http: bool) -> SlackBot:
    # One database for everything, at the newest migration: the Slack tables beside the answer log and the registry.
    engine = application.database
    deps = SlackDeps(
        app=application,
        dedup=EventDeduplicator(engine, retry_seconds=settings.log_retry_seconds),
        trainers=Trainers(settings.trainer_ids),
        pending=PendingDocuments(engine),
        bot_token=bot_token(settings),
        workers=Workers(settings.slack_workers or os.cpu_count() or 2, settings.slack_queue_limit),
    )
    connection = SlackConnection()
    metrics = application.metrics
    client = make_web_client(settings, on_error=metrics.slack_api_error, on_auth_error=connection.auth_failed)
    connection.client = client
    try:
        app = App(
            client=client,
            signing_secret=signing_secret(settings) if http else None,
            # Socket Mode has no signatures to check: the WebSocket itself is authenticated by the app token.
            request_verification_enabled=http,
            logger=logging.getLogger("bot.slack.bolt"),
            # Listeners acknowledge and hand their work to deps.workers, so running them before the response is
            # sent costs microseconds and spares Bolt's 10 ms polling for the acknowledgement; Bolt's executor
            # never runs answers (it has 5 threads by default, which answers used to fill, starving the acks).
            process_before_response=True,
            listener_executor=ThreadPoolExecutor(ACK_THREADS, thread_name_prefix="slack-bolt"),
        )
    except BoltError as exc:  # auth.test refused the token, or Slack could not be reached
        raise ConfigurationError(f"SLACK_BOT_TOKEN was not accepted by Slack: {exc}") from None
    # Dependencies first: the listeners, the assistant middleware among them, read them from the context.
    app.use(ProvideDeps(deps))
    app.use(CountApiErrors(metrics.slack_api_error, connection.auth_failed))
    app.use(deps.dedup.middleware())
    register_listeners(app)
    connection.check()  # Bolt's own auth.test passed, or App() raised above; this records it for /readyz
    return SlackBot(app, deps, connection)
