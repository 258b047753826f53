"""The one way the bot answers in a conversation: show progress, ask the engine, render, and never go silent.

Listeners (mentions, DMs, thread follow-ups, assistant threads) differ only in where they reply and whether the
thread is context; they all end here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from ingest.errors import DualuseError

from ..answers import Answer
from .blocks import APOLOGY, LOOKING_UP, Message, help_blocks, render_answer, render_error
from .deps import SlackDeps, tracked
from .mrkdwn import escape
from .threads import thread_messages, to_history

logger = logging.getLogger(__name__)

STREAM_PIECE = 400  # characters per chat.appendStream call


@dataclass(frozen=True)
class Conversation:
    """Where a question was asked and where its answer goes."""

    channel: str
    reply_thread_ts: str | None  # the thread to answer in (None: top level)
    question_ts: str  # the user's message
    context_thread_ts: str | None = None  # a thread whose earlier messages are the question's context
    bot_user_id: str | None = None
    bot_id: str | None = None
    user: str = ""  # who asked: recorded (pseudonymised) in the answer log

    @classmethod
    def of(
        cls, message: dict[str, Any], context: Any, *, reply_thread_ts: str | None, context_thread_ts: str | None = None
    ) -> Conversation:
        """The conversation of a Slack ``message`` (event or assistant payload), answered as the caller decides."""
        return cls(
            channel=message["channel"],
            reply_thread_ts=reply_thread_ts,
            question_ts=message["ts"],
            context_thread_ts=context_thread_ts,
            bot_user_id=context.bot_user_id,
            bot_id=context.bot_id,
            user=message.get("user", ""),
        )


def new_answer_id() -> str:
    return uuid.uuid4().hex


def log_answer(deps: SlackDeps, answer: Answer, *, channel: str, user: str) -> str:
    """Record the answer in the answer log; its id is what the feedback buttons carry.

    A log that cannot be written must not cost the user the answer: the answer still goes out (with an id the
    log does not know, so its feedback cannot be recorded) and the failure is logged.
    """
    deps.metrics.observe_answer(answer, "slack")
    try:
        return deps.services.answer_log.record(answer, surface="slack", channel=channel, user=user)
    except Exception:
        logger.exception("could not record an answer in the answer log")
        return new_answer_id()


@tracked
def answer_question(
    client: WebClient,
    deps: SlackDeps,
    conversation: Conversation,
    question: str,
    *,
    set_status: Callable[[str], object] | None = None,
    thread: list[dict[str, Any]] | None = None,
) -> None:
    """Post "looking this up", then replace it with the answer (or with an apology if anything fails).

    ``thread``: the conversation's messages when the caller has already fetched them.
    """
    if not question.strip():
        client.chat_postMessage(
            channel=conversation.channel,
            thread_ts=conversation.reply_thread_ts,
            text="How to ask",
            blocks=help_blocks(),
        )
        return
    placeholder_ts: str | None = None
    try:
        if set_status is not None:
            set_status("Searching the corpus...")
        posted = client.chat_postMessage(
            channel=conversation.channel, thread_ts=conversation.reply_thread_ts, text=LOOKING_UP
        )
        placeholder_ts = posted["ts"]
        answer = ask(deps, client, conversation, question, thread=thread)
        messages = render_answer(answer, log_answer(deps, answer, channel=conversation.channel, user=conversation.user))
        client.chat_update(
            channel=conversation.channel, ts=placeholder_ts, text=messages[0].text, blocks=messages[0].blocks
        )
        post_more(client, conversation, messages[1:])
        logger.info("answered in %s: %s (%.0f ms)", conversation.channel, answer.status, answer.latency_ms)
    except Exception as exc:  # noqa: BLE001 - the user always hears back, see report_failure
        report_failure(client, conversation, placeholder_ts, exc)


@tracked
def stream_answer(
    client: WebClient,
    deps: SlackDeps,
    conversation: Conversation,
    question: str,
    *,
    say_stream: Callable[..., object],
    set_status: Callable[[str], object],
) -> None:
    """In an assistant thread with a language model: stream the answer text, then add sources and buttons."""
    try:
        set_status("Searching the corpus...")
        answer = ask(deps, client, conversation, question)
        answer_id = log_answer(deps, answer, channel=conversation.channel, user=conversation.user)
        if answer.status != "answered":
            # Refusals and "not in the corpus" have their own layouts: no point streaming them.
            post_more(client, conversation, render_answer(answer, answer_id))
            return
        messages = render_answer(answer, answer_id, include_text=False)
        streamer = say_stream()
        text = escape(answer.answer)
        for start in range(0, len(text), STREAM_PIECE):
            streamer.append(markdown_text=text[start : start + STREAM_PIECE])  # type: ignore[attr-defined]
        streamer.stop(blocks=messages[0].blocks)  # type: ignore[attr-defined]
        post_more(client, conversation, messages[1:])
    except Exception as exc:  # noqa: BLE001 - the user always hears back, see report_failure
        report_failure(client, conversation, None, exc)


def ask(
    deps: SlackDeps,
    client: WebClient,
    conversation: Conversation,
    question: str,
    *,
    thread: list[dict[str, Any]] | None = None,
) -> Answer:
    history = []
    if conversation.context_thread_ts:
        messages = thread
        if messages is None:
            messages = thread_messages(client, conversation.channel, conversation.context_thread_ts)
        history = to_history(
            messages,
            bot_user_id=conversation.bot_user_id,
            bot_id=conversation.bot_id,
            before_ts=conversation.question_ts,
        )
    return deps.services.engine.ask(question, history)


def post_more(client: WebClient, conversation: Conversation, messages: list[Message]) -> None:
    for message in messages:
        client.chat_postMessage(
            channel=conversation.channel,
            thread_ts=conversation.reply_thread_ts,
            text=message.text,
            blocks=message.blocks,
        )


def report_failure(client: WebClient, conversation: Conversation, placeholder_ts: str | None, exc: Exception) -> None:
    """A problem written for the user (e.g. a question that is too long) is shown as it is; anything else is
    logged with its traceback and the user gets a short apology instead of silence."""
    if isinstance(exc, DualuseError):
        logger.info("could not answer in %s: %s", conversation.channel, exc)
        reply_failure(client, conversation, placeholder_ts, f":warning: {exc}")
    else:
        logger.error("answering in %s failed", conversation.channel, exc_info=exc)
        reply_failure(client, conversation, placeholder_ts, APOLOGY)


def reply_failure(client: WebClient, conversation: Conversation, placeholder_ts: str | None, text: str) -> None:
    """Tell the user, replacing the progress message when there is one; never raise from here."""
    text = escape(text)
    try:
        if placeholder_ts:
            client.chat_update(channel=conversation.channel, ts=placeholder_ts, text=text, blocks=render_error(text))
        else:
            client.chat_postMessage(
                channel=conversation.channel,
                thread_ts=conversation.reply_thread_ts,
                text=text,
                blocks=render_error(text),
            )
    except Exception:
        logger.exception("could not tell the user in %s that answering failed", conversation.channel)
