"""The last listeners: acknowledge every other kind of request (shortcuts, select-menu options, buttons and views
nothing else handles, closed modals), so Slack never sees a 404 or waits out its 3 seconds and retries.

Registered after all the others; Bolt runs the first listener that matches, so these only see what is left.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

logger = logging.getLogger(__name__)

ANY = re.compile(".*")


def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    logger.debug("acknowledged an unhandled %s request", body.get("type"))


def no_options(ack: Ack) -> None:
    ack(options=[])


def register(app: App) -> None:
    app.shortcut(ANY)(acknowledge)
    app.options(ANY)(no_options)
    app.action(ANY)(acknowledge)
    app.view(ANY)(acknowledge)
    app.view_closed(ANY)(acknowledge)
