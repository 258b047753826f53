"""Wiring only: a Web API client, the Bolt app, de-duplication first, then the listeners."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from ingest.errors import ConfigurationError

from ..services import Services
from ..settings import Settings
from .config import bot_token, signing_secret
from .dedup import EventDeduplicator
from .deps import SlackDeps
from .listeners import register_listeners
from .pending import PendingDocuments
from .storage import create_tables, make_engine
from .trainers import Trainers

logger = logging.getLogger(__name__)


def make_web_client(settings: Settings) -> WebClient:
    # The default client retries connection errors only; rate limits (429 + Retry-After) need their own handler.
    handlers = [ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)]
    base_url = f"{settings.slack_api_url}/" if settings.slack_api_url else WebClient.BASE_URL
    return WebClient(token=bot_token(settings), base_url=base_url, retry_handlers=handlers, timeout=30)


def build_app(settings: Settings, services: Services, *, http: bool) -> App:
    engine = make_engine(settings.database_url_or_default)
    create_tables(engine)
    deps = SlackDeps(
        services=services,
        dedup=EventDeduplicator(engine),
        trainers=Trainers(settings.trainer_ids),
        pending=PendingDocuments(engine),
        bot_token=bot_token(settings),
    )
    try:
        app = App(
            client=make_web_client(settings),
            signing_secret=signing_secret(settings) if http else None,
            # Socket Mode has no signatures to check: the WebSocket itself is authenticated by the app token.
            request_verification_enabled=http,
            logger=logging.getLogger("bot.slack.bolt"),
        )
    except BoltError as exc:  # auth.test refused the token, or Slack could not be reached
        raise ConfigurationError(f"SLACK_BOT_TOKEN was not accepted by Slack: {exc}") from None
    app.use(deps.dedup.middleware())
    register_listeners(app, deps)
    return app
