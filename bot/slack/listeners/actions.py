"""Feedback buttons under an answer: record the click with the answer it is about, then thank the user."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from ..blocks import FEEDBACK_ACTIONS
from ..deps import SlackDeps
from ..feedback import Feedback

logger = logging.getLogger(__name__)

THANKS = {
    "helpful": "Thanks, glad it helped.",
    "not_helpful": "Thanks for the feedback: it helps us improve the answers.",
    "flag": "Thanks: this answer has been flagged for review.",
}


def register(app: App, deps: SlackDeps) -> None:
    def record(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        rating = FEEDBACK_ACTIONS[action["action_id"]]
        try:
            value = json.loads(action.get("value") or "{}")
        except json.JSONDecodeError:
            value = {}
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
        user = (body.get("user") or {}).get("id") or ""
        message = body.get("message") or {}
        feedback = Feedback(
            answer_id=str(value.get("id") or ""),
            rating=rating,
            status=str(value.get("status") or ""),
            question=str(value.get("q") or ""),
            user_id=user,
            team_id=(body.get("team") or {}).get("id") or "",
            channel_id=channel,
            message_ts=container.get("message_ts") or message.get("ts") or "",
        )
        deps.feedback.record(feedback)
        if channel and user:
            try:
                client.chat_postEphemeral(
                    channel=channel, user=user, text=THANKS[rating], thread_ts=message.get("thread_ts")
                )
            except Exception:  # the click is recorded; a missing thank-you is not worth an error
                logger.warning("could not thank %s for feedback", user, exc_info=True)

    app.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))(record)
