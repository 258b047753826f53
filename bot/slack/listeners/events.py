"""Mentions in channels, direct messages and follow-ups in threads the bot is part of.

Every event is acknowledged at once (Slack wants a reply within 3 seconds); the answering runs in a Bolt lazy
listener. Bot messages (ours and other bots'), edits and deletions are acknowledged and ignored, so bots never
talk to each other in a loop.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from ..answering import Conversation, answer_question
from ..deps import SlackDeps
from ..threads import bot_in_thread, strip_mentions, thread_messages


def acknowledge(ack: Ack) -> None:
    ack()


def from_a_person(event: dict[str, Any]) -> bool:
    """A new message a person wrote: not a bot, not an edit, deletion or other subtype."""
    return event.get("subtype") is None and not event.get("bot_id") and bool(event.get("user"))


def is_direct_question(event: dict[str, Any]) -> bool:
    # Thread replies in a DM belong to the assistant middleware (see listeners/assistant.py).
    return from_a_person(event) and event.get("channel_type") == "im" and not event.get("thread_ts")


def is_thread_follow_up(event: dict[str, Any], context: BoltContext) -> bool:
    thread_ts = event.get("thread_ts")
    mention = f"<@{context.bot_user_id}>"
    # A reply that mentions the bot also arrives as app_mention, which answers it: answering here too would
    # answer twice.
    return (
        from_a_person(event)
        and event.get("channel_type") in ("channel", "group", "mpim")
        and bool(thread_ts)
        and thread_ts != event.get("ts")
        and mention not in (event.get("text") or "")
    )


def register(app: App, deps: SlackDeps) -> None:
    def answer_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        conversation = Conversation.of(
            event,
            context,
            reply_thread_ts=event.get("thread_ts") or event["ts"],
            context_thread_ts=event.get("thread_ts"),
        )
        answer_question(client, deps, conversation, strip_mentions(event.get("text", "")))

    def answer_direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        conversation = Conversation.of(event, context, reply_thread_ts=None)
        answer_question(client, deps, conversation, strip_mentions(event.get("text", "")))

    def answer_follow_up(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, thread_ts = event["channel"], event["thread_ts"]
        # Only threads the bot already takes part in: it must not chime in on every conversation in a channel.
        thread = thread_messages(client, channel, thread_ts)
        if not bot_in_thread(thread, context.bot_user_id, context.bot_id):
            return
        conversation = Conversation.of(event, context, reply_thread_ts=thread_ts, context_thread_ts=thread_ts)
        # The same messages are the follow-up's context: no second conversations.replies call.
        answer_question(client, deps, conversation, strip_mentions(event.get("text", "")), thread=thread)

    app.event("app_mention", matchers=[lambda event: not event.get("bot_id")])(ack=acknowledge, lazy=[answer_mention])
    app.event("message", matchers=[is_direct_question])(ack=acknowledge, lazy=[answer_direct_message])
    app.event("message", matchers=[is_thread_follow_up])(ack=acknowledge, lazy=[answer_follow_up])
    # Everything else (bots, edits, deletions, channel chatter): acknowledge, or Slack would retry it.
    app.event("message")(acknowledge)
    app.event("app_mention")(acknowledge)
