"""Bolt listeners, one module per kind of request; each exposes ``register(app)``, which only attaches its
module-level listeners (they read their dependencies from Bolt's context with ``deps_of``)."""

from __future__ import annotations

from slack_bolt import App

from . import actions, assistant, commands, documents, events, fallback, home, nudges


def register_listeners(app: App) -> None:
    # Bolt runs the first listener that matches, so the order matters. The assistant middleware goes first: it
    # claims messages in assistant (DM) threads before the plain message listeners see them. Shared files come
    # before the catch-all message listener in events.
    assistant.register(app)
    documents.register(app)
    events.register(app)
    commands.register(app)
    actions.register(app)
    nudges.register(app)
    home.register(app)
    fallback.register(app)  # last: acknowledges whatever the others leave
