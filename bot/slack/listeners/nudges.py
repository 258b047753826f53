"""The buttons under a nudge ("useful", "not now", "don't nudge this channel"): the click is recorded against the
logged nudge and the buttons are replaced by a short acknowledgement (on the quick pool, after the ack)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from .. import nudging
from ..deps import deps_of
from ..nudge_blocks import NUDGE_ACTIONS


def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(nudging.record_click, deps, body, action, respond)


def register(app: App) -> None:
    app.action(re.compile("^(" + "|".join(NUDGE_ACTIONS) + ")$"))(on_click)
