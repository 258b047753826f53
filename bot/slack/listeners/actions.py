"""Feedback buttons under an answer: record the click in the answer log against the answer it is about, then
thank the user."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from ...answerlog import AnswerLogError
from ..blocks import FEEDBACK_ACTIONS
from ..deps import SlackDeps

logger = logging.getLogger(__name__)

THANKS = {
    "helpful": "Thanks, glad it helped.",
    "not_helpful": "Thanks for the feedback: it helps us improve the answers.",
    "flag": "Thanks: this answer has been flagged for review.",
}
NOT_RECORDED = "Sorry, I could not record that feedback: this answer is no longer in the log."


def answer_id_of(value: str) -> str:
    """The button's value is the answer id (older messages carried a JSON object with an "id")."""
    if value.startswith("{"):
        try:
            return str(json.loads(value).get("id") or "")
        except (json.JSONDecodeError, AttributeError):
            return ""
    return value


def register(app: App, deps: SlackDeps) -> None:
    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.workers.quick(record, body, action, client)

    def record(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        kind = FEEDBACK_ACTIONS[action["action_id"]]
        answer_id = answer_id_of(str(action.get("value") or ""))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""
        user = (body.get("user") or {}).get("id") or ""
        try:
            deps.services.answer_log.record_feedback(answer_id, kind, user)  # the log pseudonymises the user
            reply = THANKS[kind]
        except AnswerLogError as exc:
            logger.warning("feedback %s from %s not recorded: %s", kind, user, exc)
            reply = NOT_RECORDED
        except Exception:
            logger.exception("recording feedback %s on %s failed", kind, answer_id)
            reply = NOT_RECORDED
        if channel and user:
            try:
                thread_ts = (body.get("message") or {}).get("thread_ts")
                client.chat_postEphemeral(channel=channel, user=user, text=reply, thread_ts=thread_ts)
            except Exception:  # the click is recorded; a missing thank-you is not worth an error
                logger.warning("could not thank %s for feedback", user, exc_info=True)

    app.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))(on_click)
