"""Slack's AI-app surface: suggested prompts when an assistant thread opens, then answers with their progress shown
in the assistant status (a message would clear it), streamed when a language model writes them (only after the
citations are verified). A trainer's file shared in an assistant thread is offered for review, not answered. The
greeting is in the user's Slack locale (English without one: there is no question yet to take a language from)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant, BoltContext, Say, SayStream, SetStatus, SetSuggestedPrompts
from slack_sdk import WebClient

from bot.i18n import N_, translations

from .. import answering
from ..answering import Conversation, start_answer
from ..blocks import EXAMPLE_QUESTIONS, prompt_title
from ..dedup import claimed
from ..deps import SlackDeps, deps_of
from ..threads import strip_mentions
from .documents import share_files

logger = logging.getLogger(__name__)

GREETING = N_("Hi! Ask me about the responsible development of AI for peace and security. I answer with sources.")
PROMPTS_TITLE = N_("Try one of these")


def offer_prompts(
    say: Say,
    set_suggested_prompts: SetSuggestedPrompts,
    client: WebClient | None = None,
    deps: SlackDeps | None = None,
    user: str = "",
) -> None:
    language = deps.locales.language(client, user) if deps is not None and client is not None else None
    _ = translations(language).gettext
    say(_(GREETING))
    prompts: list[dict[str, str]] = [{"title": prompt_title(q), "message": q} for q in EXAMPLE_QUESTIONS[:4]]
    set_suggested_prompts(prompts=prompts, title=_(PROMPTS_TITLE))


def on_started(
    payload: dict[str, Any],
    say: Say,
    set_suggested_prompts: SetSuggestedPrompts,
    client: WebClient,
    context: BoltContext,
) -> None:
    # Assistant listeners are acknowledged by Bolt; the Web API calls run on the quick pool.
    deps = deps_of(context)
    user = str((payload.get("assistant_thread") or {}).get("user_id") or "")
    deps.workers.quick(claimed(context, offer_prompts), say, set_suggested_prompts, client, deps, user)


def on_message(
    payload: dict[str, Any], client: WebClient, context: BoltContext, set_status: SetStatus, say_stream: SayStream
) -> None:
    deps = deps_of(context)
    thread_ts = payload["thread_ts"]
    if payload.get("files"):
        deps.workers.quick(claimed(context, share_files), client, deps, payload, context, thread_ts=thread_ts)
        return
    conversation = Conversation.of(payload, context, reply_thread_ts=thread_ts, context_thread_ts=thread_ts)
    progress = answering.Assistant(set_status, say_stream if deps.streaming else None)
    question = strip_mentions(payload.get("text", ""))
    deps.workers.quick(claimed(context, start_answer), client, deps, conversation, question, assistant=progress)


def register(app: App) -> None:
    assistant = Assistant(logger=logger)
    assistant.thread_started(on_started)
    assistant.user_message(on_message)
    app.use(assistant)
