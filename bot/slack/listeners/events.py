"""Mentions in channels, direct messages, follow-ups in threads the bot is part of, and channel messages for the
nudges (``nudging.py``; nothing happens in a channel that did not opt in).

Every event is acknowledged before anything else happens; the answering goes to the Slack workers
(``workers.py``). Bot messages (ours and other bots'), edits and deletions are acknowledged and ignored, so bots
never talk to each other in a loop. A message with a file, or one also sent to the channel, is still a message a
person wrote: it is answered like any other.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from .. import nudging
from ..answering import Conversation, start_answer
from ..dedup import claimed, first_to_claim
from ..deps import SlackDeps, deps_of
from ..threads import bot_in_thread, strip_mentions, thread_messages

PERSON_SUBTYPES = (None, "file_share", "thread_broadcast")


def acknowledge(ack: Ack) -> None:
    ack()


def from_a_person(event: dict[str, Any]) -> bool:
    """A new message a person wrote (with or without files, or also sent to the channel): not a bot, an edit, a
    deletion or another subtype."""
    return event.get("subtype") in PERSON_SUBTYPES and not event.get("bot_id") and bool(event.get("user"))


def is_direct_question(event: dict[str, Any]) -> bool:
    # Thread replies in a DM belong to the assistant middleware (see listeners/assistant.py); files shared in a DM
    # to the corpus listener, which runs first.
    return from_a_person(event) and event.get("channel_type") == "im" and not event.get("thread_ts")


def is_thread_follow_up(event: dict[str, Any], context: BoltContext) -> bool:
    thread_ts = event.get("thread_ts")
    mention = f"<@{context.bot_user_id}>"
    # A reply that mentions the bot also arrives as app_mention, which answers it. This check only spares a thread
    # read: both events claim the same message (dedup.py), so a reply it lets through is still answered once.
    return (
        from_a_person(event)
        and event.get("channel_type") in ("channel", "group", "mpim")
        and bool(thread_ts)
        and thread_ts != event.get("ts")
        and mention not in (event.get("text") or "")
    )


def answer_follow_up(client: WebClient, deps: SlackDeps, event: dict[str, Any], context: BoltContext) -> None:
    """On the quick pool: answer only in threads the bot already takes part in, with the thread as context.

    The event is claimed only once it is known to be the bot's to answer: a claim made for a reply the bot then
    leaves alone would make its ``app_mention`` delivery (the same message) skip it, and nobody would answer."""
    channel, thread_ts = event["channel"], event["thread_ts"]
    thread = thread_messages(client, channel, thread_ts)
    if not bot_in_thread(thread, context.bot_user_id, context.bot_id):
        nudging.consider(client, deps, event, context)  # not a conversation with the bot: at most a nudge
        return  # the bot must not chime in on every conversation in a channel
    if not first_to_claim(context):
        return
    conversation = Conversation.of(event, context, reply_thread_ts=thread_ts, context_thread_ts=thread_ts)
    # The same messages are the follow-up's context: no second conversations.replies call.
    start_answer(client, deps, conversation, strip_mentions(event.get("text", "")), thread=thread)


def is_channel_message(event: dict[str, Any], context: BoltContext) -> bool:
    """A new top-level message a person wrote in a channel, not to the bot: a candidate for a nudge. (Thread replies
    go to the follow-up listener first, which hands those the bot is not part of to the nudges.)"""
    thread_ts = event.get("thread_ts")
    return (
        from_a_person(event)
        and event.get("channel_type") in ("channel", "group")
        and (not thread_ts or thread_ts == event.get("ts"))
        and f"<@{context.bot_user_id}>" not in (event.get("text") or "")
    )


def channel_message(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(nudging.consider, client, deps, event, context)  # it claims the event only for a nudge


def mention(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    conversation = Conversation.of(
        event,
        context,
        reply_thread_ts=event.get("thread_ts") or event["ts"],
        context_thread_ts=event.get("thread_ts"),
    )
    question = strip_mentions(event.get("text", ""))
    deps.workers.quick(claimed(context, start_answer), client, deps, conversation, question)


def direct_message(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    conversation = Conversation.of(event, context, reply_thread_ts=None)
    question = strip_mentions(event.get("text", ""))
    deps.workers.quick(claimed(context, start_answer), client, deps, conversation, question)


def follow_up(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(answer_follow_up, client, deps, event, context)  # it claims the event itself


def register(app: App) -> None:
    app.event("app_mention", matchers=[lambda event: not event.get("bot_id")])(mention)
    app.event("message", matchers=[is_direct_question])(direct_message)
    app.event("message", matchers=[is_thread_follow_up])(follow_up)
    app.event("message", matchers=[is_channel_message])(channel_message)
    # Everything else (bots, edits, deletions, channel chatter): acknowledge, or Slack would retry it.
    app.event("message")(acknowledge)
    app.event("app_mention")(acknowledge)
