"""The admin review page: sign in with DUALUSE_ADMIN_TOKEN, browse, judge and correct logged answers.

app = build_app(settings)          # refuses without a token (ConfigurationError)
uvicorn.run(app, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from bot.app import AnswerLog, load_or_create_secret, open_answer_log
from bot.settings import Settings
from ingest.errors import ConfigurationError

from ._app import create_app
from ._security import Guard
from ._tokens import token_weakness

SESSION_SECRET_FILE = "admin-session.key"


def admin_token(settings: Settings) -> str:
    """The configured token, or one clear line about what to set."""
    token = settings.admin_token.get_secret_value().strip() if settings.admin_token else ""
    if not token:
        raise ConfigurationError(
            "DUALUSE_ADMIN_TOKEN is not set; the admin page needs it to sign in "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    weakness = token_weakness(token)
    if weakness:
        raise ConfigurationError(
            f"DUALUSE_ADMIN_TOKEN {weakness} (python -c 'import secrets; print(secrets.token_urlsafe(24))')"
        )
    return token


def build_app(
    settings: Settings, log: AnswerLog | None = None, readiness: Callable[[], dict[str, str]] | None = None
) -> FastAPI:
    """The admin app; ``readiness`` (name -> 'ok' or a problem) backs ``GET /readyz``."""
    token = admin_token(settings)
    secret = load_or_create_secret(settings.data_dir / SESSION_SECRET_FILE, settings.admin_session_secret)
    log = log or open_answer_log(settings)
    guard = Guard(token, secret, log, trusted_proxies=settings.admin_trusted_proxies)
    return create_app(log, guard, readiness)


__all__ = ["admin_token", "build_app", "create_app", "Guard"]
