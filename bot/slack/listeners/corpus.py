"""Trainers' clicks and uploads: a file shared in a DM, "Review and add", the modal's Add, source pages, and the
remove confirmation.

Every action that changes the corpus checks the trainer role again at the moment it happens (a button can be
clicked by anyone who sees it); a refusal is polite, private, and logged.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from .. import corpus
from ..corpus_blocks import (
    ADD_CALLBACK,
    REMOVE_ACTION,
    REMOVE_CANCEL_ACTION,
    REVIEW_ACTION,
    read_details,
)
from ..deps import SlackDeps
from ..mrkdwn import escape
from ..trainers import refusal

logger = logging.getLogger(__name__)


def is_shared_file(event: dict[str, Any]) -> bool:
    """A person shared one or more files with the bot in its DM."""
    return (
        event.get("subtype") == "file_share"
        and event.get("channel_type") == "im"
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("files"))
    )


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def register(app: App, deps: SlackDeps) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def read_files(event: dict[str, Any], client: WebClient) -> None:
        user, channel = event["user"], event["channel"]
        if not deps.trainers.check(client, user, "upload a document"):
            client.chat_postEphemeral(channel=channel, user=user, text=refusal("add documents to the corpus"))
            return
        for file in event["files"]:
            corpus.read_shared_file(client, deps, file, user=user, channel=channel)

    def review(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = _user(body)
        if not deps.trainers.check(client, user, "review a document"):
            respond(text=refusal("add documents to the corpus"), response_type="ephemeral", replace_original=False)
            return
        problem = corpus.open_review(client, deps, trigger_id=body["trigger_id"], pending_id=action["value"], user=user)
        if problem:
            respond(text=problem, response_type="ephemeral", replace_original=False)

    def validate(ack: Ack, view: dict[str, Any]) -> None:
        # Field errors are shown in the modal itself; a valid form closes it and the work goes on below.
        _, errors = read_details(view)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    def add(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        details, errors = read_details(view)
        if errors:
            return
        user = _user(body)
        if not deps.trainers.check(client, user, "add a document"):
            client.chat_postMessage(channel=user, text=refusal("add documents to the corpus"))
            return
        corpus.add_reviewed(client, deps, pending_id=view.get("private_metadata") or "", user=user, details=details)

    def turn_page(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        page = int(action["value"]) if str(action.get("value", "")).isdigit() else 1
        text, blocks = corpus.sources(deps, page)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)

    def confirm_remove(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user, doc_id = _user(body), str(action.get("value") or "")
        if not deps.trainers.check(client, user, f"remove {doc_id}"):
            respond(text=refusal("remove documents"), response_type="ephemeral", replace_original=False)
            return
        try:
            text = corpus.remove(deps, doc_id, user)
        except Exception:
            logger.exception("removing %s for %s failed", doc_id, user)
            text = corpus.FAILED
        respond(text=text, response_type="ephemeral", replace_original=True)

    def cancel_remove(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        text = f":ok_hand: Kept `{escape(str(action.get('value') or ''))}`; nothing changed."
        respond(text=text, response_type="ephemeral", replace_original=True)

    app.event("message", matchers=[is_shared_file])(ack=acknowledge, lazy=[read_files])
    app.action(REVIEW_ACTION)(review)
    app.view(ADD_CALLBACK)(ack=validate, lazy=[add])
    app.action(re.compile(r"^sources_page(_previous|_next)?$"))(turn_page)
    app.action(REMOVE_ACTION)(confirm_remove)
    app.action(REMOVE_CANCEL_ACTION)(cancel_remove)
