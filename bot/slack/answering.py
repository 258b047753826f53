"""The one way the bot answers in a conversation: show progress, queue, ask the engine, render, never go silent.

Listeners (mentions, DMs, thread follow-ups, assistant threads) acknowledge and call :func:`start_answer`, which
runs on the quick pool: it shows progress at once ("looking this up", or "in line" when the answer workers are busy;
in an assistant thread the assistant status instead, since a message would clear it) and queues the answer on the
answer workers. There :func:`finish_answer` asks the engine and replaces the progress message with the answer. Only
verified text is ever shown: the engine returns an answer whose citations are already checked, and a stream starts
after that.

Failures are told to the person who asked, privately in a channel (an ephemeral message; the progress message is
removed), and in place in a DM. A progress message that someone deleted does not lose the answer: it is posted anew.

Languages: the asker's Slack locale (looked up once an hour, ``locales.py``) is the interface language and the
engine's hint; without one, progress and failures follow the question's language and the answer's blocks the
answer's language.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Answer, AskedQuestion, detect_language
from bot.i18n import N_, translations
from ingest.errors import DualuseError, IndexUnavailable

from .blocks import APOLOGY, BUSY, LOOKING_UP, Message, help_blocks, in_language, render_answer, render_error, waiting
from .deps import SlackDeps
from .mrkdwn import escape, isolate_rtl
from .threads import thread_messages, to_history
from .workers import Busy

logger = logging.getLogger(__name__)

STREAM_PIECE = 400  # characters per chat.appendStream call
SEARCHING = N_("Searching the corpus...")
PROGRESS = [SEARCHING, N_("Composing an answer from the sources..."), N_("Checking the citations...")]


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
    locale: str | None = None  # the asker's interface language from their Slack locale, when known
    language: str = "en"  # the interface language before the answer exists: the locale's, else the question's

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

    @property
    def private(self) -> bool:
        """A direct message: only the asker sees the replies."""
        return self.channel.startswith("D")


@dataclass(frozen=True)
class Assistant:
    """An assistant thread's progress and streaming (Bolt's ``set_status`` and ``say_stream``)."""

    set_status: Callable[..., object]
    say_stream: Callable[..., object] | None = None  # set when answers are streamed (a language model writes them)


def new_answer_id() -> str:
    return uuid.uuid4().hex


def feedback_id(asked: AskedQuestion) -> str:
    """What the feedback buttons carry: the log's id, or (when the log could not be written, which must not cost
    the user the answer) an id the log does not know, so that feedback on it is refused rather than misfiled."""
    if asked.log_error:
        logger.warning("could not record an answer in the answer log (%s)", asked.log_error)
    return asked.answer_id or new_answer_id()


def start_answer(
    client: WebClient,
    deps: SlackDeps,
    conversation: Conversation,
    question: str,
    *,
    thread: list[dict[str, Any]] | None = None,
    assistant: Assistant | None = None,
) -> None:
    """Show progress, then queue the answer (on the quick pool; see the module docstring)."""
    conversation = with_language(client, deps, conversation, question)
    language = conversation.language
    if not question.strip():
        client.chat_postMessage(
            channel=conversation.channel,
            thread_ts=conversation.reply_thread_ts,
            text=in_language(N_("How to ask"), language),
            blocks=help_blocks(language),
        )
        return
    placeholder_ts: str | None = None
    try:
        ahead = deps.workers.ahead()
        if assistant is not None:
            _ = translations(language).gettext
            status = _("Waiting for a free moment ({n} ahead)...").format(n=ahead) if ahead else _(SEARCHING)
            assistant.set_status(status, loading_messages=None if ahead else [_(m) for m in PROGRESS])
        else:
            progress = waiting(ahead, language) if ahead else in_language(LOOKING_UP, language)
            posted = client.chat_postMessage(
                channel=conversation.channel, thread_ts=conversation.reply_thread_ts, text=progress
            )
            placeholder_ts = posted["ts"]
        deps.workers.answer(
            finish_answer,
            client,
            deps,
            conversation,
            question,
            placeholder_ts=placeholder_ts,
            thread=thread,
            assistant=assistant,
            queued=ahead > 0,
        )
    except Busy as exc:
        logger.warning("answer queue full in %s: %s", conversation.channel, exc)
        reply_failure(client, conversation, placeholder_ts, in_language(BUSY, language))
    except Exception as exc:  # noqa: BLE001 - the user always hears back, see report_failure
        report_failure(client, conversation, placeholder_ts, exc)


def with_language(client: WebClient, deps: SlackDeps, conversation: Conversation, question: str) -> Conversation:
    """``conversation`` with the asker's Slack locale and the interface language to show progress in."""
    locale = deps.locales.language(client, conversation.user)
    return replace(conversation, locale=locale, language=locale or detect_language(question))


def finish_answer(
    client: WebClient,
    deps: SlackDeps,
    conversation: Conversation,
    question: str,
    *,
    placeholder_ts: str | None,
    thread: list[dict[str, Any]] | None = None,
    assistant: Assistant | None = None,
    queued: bool = False,
) -> None:
    """Ask the engine and put the answer where the progress was (on an answer worker)."""
    try:
        _ = translations(conversation.language).gettext
        if assistant is not None and queued:
            assistant.set_status(_(SEARCHING), loading_messages=[_(m) for m in PROGRESS])
        elif placeholder_ts and queued:
            placeholder_ts = _update(client, conversation, placeholder_ts, _(LOOKING_UP), None)
        asked = ask(deps, client, conversation, question, thread=thread)
        answer, answer_id = asked.answer, feedback_id(asked)
        if assistant is not None and assistant.say_stream is not None and answer.status == "answered":
            _stream(client, conversation, answer, answer_id, assistant.say_stream)
            return
        messages = render_answer(answer, answer_id, language=conversation.locale)
        if placeholder_ts:
            _update(client, conversation, placeholder_ts, messages[0].text, messages[0].blocks)
            post_more(client, conversation, messages[1:])
        else:
            post_more(client, conversation, messages)
        logger.info("answered in %s: %s (%.0f ms)", conversation.channel, answer.status, answer.latency_ms)
    except Exception as exc:  # noqa: BLE001 - the user always hears back, see report_failure
        report_failure(client, conversation, placeholder_ts, exc)


def _stream(
    client: WebClient, conversation: Conversation, answer: Answer, answer_id: str, say_stream: Callable[..., object]
) -> None:
    """Stream the (already verified) answer text, then add the sources and buttons."""
    messages = render_answer(answer, answer_id, include_text=False, language=conversation.locale)
    streamer = say_stream()
    text = isolate_rtl(escape(answer.text))
    for start in range(0, len(text), STREAM_PIECE):
        streamer.append(markdown_text=text[start : start + STREAM_PIECE])  # type: ignore[attr-defined]
    streamer.stop(blocks=messages[0].blocks)  # type: ignore[attr-defined]
    post_more(client, conversation, messages[1:])


def _update(
    client: WebClient, conversation: Conversation, ts: str, text: str, blocks: list[dict[str, Any]] | None
) -> str | None:
    """Replace the progress message; if someone deleted it, post the text anew. Returns the message's ts."""
    try:
        client.chat_update(channel=conversation.channel, ts=ts, text=text, blocks=blocks or [])
        return ts
    except SlackApiError as exc:
        if exc.response.get("error") not in ("message_not_found", "cant_update_message"):
            raise
        logger.info("the progress message in %s is gone; posting anew", conversation.channel)
        posted = client.chat_postMessage(
            channel=conversation.channel, thread_ts=conversation.reply_thread_ts, text=text, blocks=blocks or None
        )
        return str(posted["ts"])


def ask(
    deps: SlackDeps,
    client: WebClient,
    conversation: Conversation,
    question: str,
    *,
    thread: list[dict[str, Any]] | None = None,
) -> AskedQuestion:
    """Answer (with the thread's earlier turns when the question is a follow-up) and log the answer."""
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
    return deps.app.questions.ask(
        question,
        history=history,
        surface="slack",
        channel=conversation.channel,
        user=conversation.user,
        language=conversation.locale,
    )


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
        # An outage is the operator's business (a warning); a problem with the question is the asker's (info).
        level = logging.WARNING if isinstance(exc, IndexUnavailable) else logging.INFO
        logger.log(level, "could not answer in %s: %s", conversation.channel, exc)
        reply_failure(client, conversation, placeholder_ts, escape(f":warning: {exc}"))
    else:
        logger.error("answering in %s failed", conversation.channel, exc_info=exc)
        reply_failure(client, conversation, placeholder_ts, in_language(APOLOGY, conversation.language))


def reply_failure(client: WebClient, conversation: Conversation, placeholder_ts: str | None, text: str) -> None:
    """Tell the asker (``text`` is escaped mrkdwn): privately in a channel, in place in a DM; never raise."""
    try:
        if conversation.private or not conversation.user:
            if placeholder_ts:
                _update(client, conversation, placeholder_ts, text, render_error(text))
            else:
                client.chat_postMessage(
                    channel=conversation.channel,
                    thread_ts=conversation.reply_thread_ts,
                    text=text,
                    blocks=render_error(text),
                )
            return
        client.chat_postEphemeral(
            channel=conversation.channel,
            user=conversation.user,
            thread_ts=conversation.reply_thread_ts,
            text=text,
            blocks=render_error(text),
        )
        if placeholder_ts:
            _delete(client, conversation.channel, placeholder_ts)
    except Exception:
        logger.exception("could not tell the user in %s that answering failed", conversation.channel)


def _delete(client: WebClient, channel: str, ts: str) -> None:
    try:
        client.chat_delete(channel=channel, ts=ts)
    except SlackApiError as exc:
        logger.info("could not remove the progress message in %s: %s", channel, exc.response.get("error"))
