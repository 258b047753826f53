"""Slack settings checked once, with one clear line per problem (tokens never appear in messages or logs)."""

from __future__ import annotations

from bot.settings import Settings
from ingest.errors import ConfigurationError

_HINT = "see the Slack section of the README"


def bot_token(settings: Settings) -> str:
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value().strip():
        raise ConfigurationError(f"SLACK_BOT_TOKEN is not set: the bot needs its xoxb- token ({_HINT})")
    token = settings.slack_bot_token.get_secret_value().strip()
    if not token.startswith("xoxb-"):
        raise ConfigurationError("SLACK_BOT_TOKEN is invalid: a bot token starts with xoxb-")
    return token


def app_token(settings: Settings) -> str | None:
    if settings.slack_app_token is None or not settings.slack_app_token.get_secret_value().strip():
        return None
    token = settings.slack_app_token.get_secret_value().strip()
    if not token.startswith("xapp-"):
        raise ConfigurationError("SLACK_APP_TOKEN is invalid: an app-level token starts with xapp-")
    return token


def signing_secret(settings: Settings) -> str:
    secret = settings.slack_signing_secret.get_secret_value().strip() if settings.slack_signing_secret else ""
    if not secret:
        raise ConfigurationError(f"SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request with it ({_HINT})")
    if len(secret) < 16 or any(c.isspace() for c in secret):
        raise ConfigurationError("SLACK_SIGNING_SECRET is invalid: copy it from Basic Information > App Credentials")
    return secret
