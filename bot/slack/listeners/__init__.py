"""Bolt listeners, one module per kind of request; each exposes ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt import App

from ..deps import SlackDeps
from . import actions, assistant, commands, corpus, events, fallback, home


def register_listeners(app: App, deps: SlackDeps) -> None:
    # The assistant middleware goes first: it claims messages in assistant (DM) threads before the plain
    # message listeners see them. Shared files come before the catch-all message listener in events.
    assistant.register(app, deps)
    corpus.register(app, deps)
    events.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    fallback.register(app, deps)  # last: acknowledges whatever the others leave
