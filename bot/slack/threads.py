"""Thread history from ``conversations.replies``, as the (speaker, text) turns the answer engine takes."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from .blocks import APOLOGY, LOOKING_UP, WAITING_PREFIX
from .mrkdwn import from_slack
from .nudge_blocks import is_nudge

Turn = tuple[str, str]
MAX_TURNS = 20


def strip_mentions(text: str) -> str:
    """The question as the person typed it: without ``<@U123>`` mentions, Slack's escaping undone (``from_slack``)."""
    return from_slack(text)


def thread_messages(client: WebClient, channel: str, thread_ts: str, limit: int = 200) -> list[dict[str, Any]]:
    response = client.conversations_replies(channel=channel, ts=thread_ts, limit=limit)
    return list(response.get("messages") or [])


def is_from_bot(message: dict[str, Any], bot_user_id: str | None, bot_id: str | None) -> bool:
    return bool((bot_user_id and message.get("user") == bot_user_id) or (bot_id and message.get("bot_id") == bot_id))


def bot_in_thread(messages: list[dict[str, Any]], bot_user_id: str | None, bot_id: str | None) -> bool:
    """The bot takes part in a thread it has posted in or was mentioned in. A nudge alone does not count: people
    go on talking to each other under it, and only a mention asks the bot."""
    mention = f"<@{bot_user_id}>" if bot_user_id else None
    return any(
        (is_from_bot(m, bot_user_id, bot_id) and not is_nudge(m))
        or (mention is not None and mention in (m.get("text") or ""))
        for m in messages
    )


def to_history(
    messages: list[dict[str, Any]], *, bot_user_id: str | None, bot_id: str | None, before_ts: str
) -> list[Turn]:
    """Earlier turns of the thread, oldest first: the user's questions and the bot's answers.

    Messages from other bots, progress placeholders and apologies are not conversation, so they are left out.
    """
    turns: list[Turn] = []
    for message in messages:
        if message.get("subtype") not in (None, "bot_message") or _ts(message) >= _ts({"ts": before_ts}):
            continue
        text = message.get("text") or ""
        if is_from_bot(message, bot_user_id, bot_id):
            if text and text not in (LOOKING_UP, APOLOGY) and not text.startswith(WAITING_PREFIX):
                turns.append(("assistant", from_slack(text)))
        elif not message.get("bot_id"):
            question = strip_mentions(text)
            if question:
                turns.append(("user", question))
    return turns[-MAX_TURNS:]


def _ts(message: dict[str, Any]) -> float:
    try:
        return float(message.get("ts") or 0)
    except ValueError:
        return 0.0
