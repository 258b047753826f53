"""Trainers' clicks and uploads: a file shared in a DM (or an assistant thread), "Review and add", the modal's Add,
source pages, and the remove confirmation.

Every handler acknowledges first and hands the work to the Slack workers. Every action that changes the corpus
checks the trainer role again at the moment it happens (a button can be clicked by anyone who sees it); a refusal is
polite, private, and logged. Someone who is not a trainer and shares a file with a question gets the refusal for the
file and an answer to the question.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from .. import library
from ..answering import Conversation, start_answer
from ..dedup import claimed
from ..deps import SlackDeps, deps_of
from ..document_blocks import (
    ADD_CALLBACK,
    REMOVE_ACTION,
    REMOVE_CANCEL_ACTION,
    REVIEW_ACTION,
    read_details,
)
from ..mrkdwn import escape
from ..threads import strip_mentions
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


def share_files(
    client: WebClient, deps: SlackDeps, event: dict[str, Any], context: BoltContext, *, thread_ts: str | None = None
) -> None:
    """Files a person shared with the bot (on the quick pool): a trainer's go to review, one at a time on the answer
    workers; anyone else is told only trainers add documents, and a question beside the files is answered."""
    user, channel = event["user"], event["channel"]
    if deps.trainers.check(client, user, "upload a document"):
        for file in event["files"]:
            deps.workers.answer(
                library.read_shared_file, client, deps, file, user=user, channel=channel, thread_ts=thread_ts
            )
        return
    client.chat_postEphemeral(
        channel=channel, user=user, thread_ts=thread_ts, text=refusal("add documents to the corpus")
    )
    question = strip_mentions(event.get("text", ""))
    if question:
        conversation = Conversation.of(event, context, reply_thread_ts=thread_ts, context_thread_ts=thread_ts)
        start_answer(client, deps, conversation, question)


def review(client: WebClient, deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    user = _user(body)
    if not deps.trainers.check(client, user, "review a document"):
        respond(text=refusal("add documents to the corpus"), response_type="ephemeral", replace_original=False)
        return
    problem = library.open_review(client, deps, trigger_id=body["trigger_id"], pending_id=action["value"], user=user)
    if problem:
        respond(text=problem, response_type="ephemeral", replace_original=False)


def add(client: WebClient, deps: SlackDeps, body: dict[str, Any], view: dict[str, Any]) -> None:
    details, errors = read_details(view)
    if errors:
        return
    user = _user(body)
    if not deps.trainers.check(client, user, "add a document"):
        client.chat_postMessage(channel=user, text=refusal("add documents to the corpus"))
        return
    library.add_reviewed(client, deps, pending_id=view.get("private_metadata") or "", user=user, details=details)


def turn_page(deps: SlackDeps, action: dict[str, Any], respond: Respond) -> None:
    page = int(action["value"]) if str(action.get("value", "")).isdigit() else 1
    text, blocks = library.sources(deps, page)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=True)


def confirm_remove(
    client: WebClient, deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    user, doc_id = _user(body), str(action.get("value") or "")
    if not deps.trainers.check(client, user, f"remove {doc_id}"):
        respond(text=refusal("remove documents"), response_type="ephemeral", replace_original=False)
        return
    try:
        text = library.remove(deps, doc_id, user)
    except Exception:
        logger.exception("removing %s for %s failed", doc_id, user)
        text = library.FAILED
    respond(text=text, response_type="ephemeral", replace_original=True)


def on_shared_file(ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(claimed(context, share_files), client, deps, event, context)


def on_review(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(review, client, deps, body, action, respond)  # views.open within the trigger's 3 s


def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    # Field errors are shown in the modal itself; a valid form closes it and the work goes on below.
    _, errors = read_details(view)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    deps = deps_of(context)
    deps.workers.answer(add, client, deps, body, view)


def on_page(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(turn_page, deps, action, respond)


def on_remove(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(confirm_remove, client, deps, body, action, respond)


def on_cancel(ack: Ack, action: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    text = f":ok_hand: Kept `{escape(str(action.get('value') or ''))}`; nothing changed."
    deps_of(context).workers.quick(respond, text=text, response_type="ephemeral", replace_original=True)


def register(app: App) -> None:
    app.event("message", matchers=[is_shared_file])(on_shared_file)
    app.action(REVIEW_ACTION)(on_review)
    app.view(ADD_CALLBACK)(on_submit)
    app.action(re.compile(r"^sources_page(_previous|_next)?$"))(on_page)
    app.action(REMOVE_ACTION)(on_remove)
    app.action(REMOVE_CANCEL_ACTION)(on_cancel)
