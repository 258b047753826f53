"""The App Home tab: what the bot is, example questions, the channels with nudges on, how many documents it knows,
when the corpus changed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from ..blocks import home_view
from ..dedup import claimed
from ..deps import SlackDeps, deps_of
from ..nudge_blocks import watched_section

logger = logging.getLogger(__name__)


def publish(client: WebClient, deps: SlackDeps, user: str) -> None:
    library = deps.app.library
    try:
        language = deps.locales.language(client, user)  # English when the locale is unknown or unsupported
        watched = watched_section(deps.app.nudges.watched_channels(), language)
        view = home_view(len(library.documents()), library.last_changed(), watched, language)
        client.views_publish(user_id=user, view=view)
    except Exception:
        logger.exception("could not publish the App Home tab for %s", user)


def on_open(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(claimed(context, publish), client, deps, event["user"])


def acknowledge(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.event("app_home_opened", matchers=[lambda event: event.get("tab", "home") == "home"])(on_open)
    app.event("app_home_opened")(acknowledge)  # the Messages tab: nothing to show
