"""Slack's AI-app surface: suggested prompts when an assistant thread opens, status while working, and a streamed
answer when a language model writes it (post-then-update otherwise)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant, BoltContext, Say, SayStream, SetStatus, SetSuggestedPrompts
from slack_sdk import WebClient

from ..answering import Conversation, answer_question, stream_answer
from ..blocks import EXAMPLE_QUESTIONS
from ..deps import SlackDeps
from ..threads import strip_mentions

logger = logging.getLogger(__name__)

GREETING = "Hi! Ask me about the responsible development of AI for peace and security. I answer with sources."


def register(app: App, deps: SlackDeps) -> None:
    assistant = Assistant(logger=logger)

    @assistant.thread_started
    def offer_prompts(say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        say(GREETING)
        prompts: list[dict[str, str]] = [{"title": q[:75], "message": q} for q in EXAMPLE_QUESTIONS[:4]]
        set_suggested_prompts(prompts=prompts, title="Try one of these")

    def acknowledge() -> None:
        # Assistant listeners acknowledge automatically; the answer comes from the lazy listener below.
        pass

    def answer(
        payload: dict[str, Any],
        client: WebClient,
        context: BoltContext,
        set_status: SetStatus,
        say_stream: SayStream,
    ) -> None:
        thread_ts = payload["thread_ts"]
        conversation = Conversation.of(payload, context, reply_thread_ts=thread_ts, context_thread_ts=thread_ts)
        question = strip_mentions(payload.get("text", ""))
        if deps.streaming and question:
            stream_answer(client, deps, conversation, question, say_stream=say_stream, set_status=set_status)
        else:
            answer_question(client, deps, conversation, question, set_status=set_status)

    assistant.user_message(lazy=[answer])(acknowledge)
    app.use(assistant)
