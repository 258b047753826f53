"""Feedback buttons under an answer: the click is recorded against the logged answer (one row per person and
answer, so a second click changes it), the buttons are replaced by the choice through the response URL (with a
"Change feedback" button that brings them back), and "not helpful" or "flag" opens a modal asking, optionally, why.

Everything runs on the quick pool after the acknowledgement; the reason modal is opened first, while the click's
trigger_id is fresh (it expires after 3 seconds).

The reply is in the clicker's Slack locale when known, else in the language of the buttons (their value carries it).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.app import AnswerLogError, AnswerLogUnavailable
from bot.i18n import N_, translations

from ..blocks import (
    FEEDBACK_ACTIONS,
    FEEDBACK_CHANGE,
    FEEDBACK_REASON,
    feedback_block,
    feedback_chosen,
    reason_view,
    with_feedback,
)
from ..deps import SlackDeps, deps_of

logger = logging.getLogger(__name__)

THANKS = {
    "helpful": N_("Thanks, glad it helped."),
    "not_helpful": N_("Thanks for the feedback: it helps us improve the answers."),
    "flag": N_("Thanks: this answer has been flagged for review."),
}
NOT_RECORDED = N_("Sorry, I could not record that feedback: this answer is no longer in the log.")
NOT_NOW = N_(
    "Sorry, I could not record that feedback just now (the answer log is unreachable): please click again later."
)
ASKS_WHY = ("not_helpful", "flag")


def answer_id_of(value: str) -> str:
    """The button's value is the answer id, then ":" and the buttons' language when not English (older messages
    carried a JSON object with an "id")."""
    if value.startswith("{"):
        try:
            return str(json.loads(value).get("id") or "")
        except (json.JSONDecodeError, AttributeError):
            return ""
    return value.partition(":")[0]


def language_of(client: WebClient, deps: SlackDeps, body: dict[str, Any], value: str) -> str:
    """The clicker's interface language: their Slack locale, else the language the buttons were shown in."""
    shown_in = "" if value.startswith("{") else value.partition(":")[2]
    return deps.locales.language(client, _user(body)) or translations(shown_in or None).language


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def record(client: WebClient, deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    kind = FEEDBACK_ACTIONS[action["action_id"]]
    value = str(action.get("value") or "")
    answer_id, user = answer_id_of(value), _user(body)
    language = language_of(client, deps, body, value)
    _ = translations(language).gettext
    try:
        deps.app.feedback.record(answer_id, kind, user)  # the log pseudonymises the user
    except Exception as exc:  # noqa: BLE001 - an unknown answer or a broken log: say so, privately
        log = logger.warning if isinstance(exc, AnswerLogError) else logger.exception
        log("feedback %s from %s on %s not recorded: %s", kind, user, answer_id, exc)
        text = _(NOT_NOW) if isinstance(exc, AnswerLogUnavailable) else _(NOT_RECORDED)
        respond(text=text, response_type="ephemeral", replace_original=False)
        return
    if kind in ASKS_WHY and body.get("trigger_id"):
        try:
            client.views_open(trigger_id=body["trigger_id"], view=reason_view(answer_id, kind, language))
        except Exception:  # the click is recorded; a reason is optional
            logger.warning("could not ask %s for a feedback reason", user, exc_info=True)
    show(body, answer_id, feedback_chosen(answer_id, kind, language), respond, thanks=_(THANKS[kind]))


def change(client: WebClient, deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    value = str(action.get("value") or "")
    answer_id = answer_id_of(value)
    show(body, answer_id, [feedback_block(answer_id, language_of(client, deps, body, value))], respond, thanks="")


def show(
    body: dict[str, Any], answer_id: str, replacement: list[dict[str, Any]], respond: Respond, *, thanks: str
) -> None:
    """Replace the message's feedback part through the response URL; without the message (an ephemeral answer,
    whose content Slack does not send back), thank the user privately instead."""
    message = body.get("message") or {}
    blocks = with_feedback(list(message.get("blocks") or []), answer_id, replacement)
    if blocks is not None:
        respond(text=message.get("text") or "Answer", blocks=blocks, replace_original=True)
    elif thanks:
        respond(text=thanks, response_type="ephemeral", replace_original=False)


def save_reason(deps: SlackDeps, body: dict[str, Any], view: dict[str, Any]) -> None:
    kind, _, answer_id = str(view.get("private_metadata") or "").partition(":")
    values = ((view.get("state") or {}).get("values") or {}).get("reason") or {}
    reason = " ".join(str((values.get("value") or {}).get("value") or "").split())
    if kind not in ASKS_WHY or not reason:
        return
    try:
        deps.app.feedback.record(answer_id, kind, _user(body), reason=reason[:2000])
    except Exception:
        logger.exception("could not record the reason for feedback on %s", answer_id)


def on_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(record, client, deps, body, action, respond)


def on_change(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(change, client, deps, body, action, respond)


def on_reason(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    ack()
    deps = deps_of(context)
    deps.workers.quick(save_reason, deps, body, view)


def register(app: App) -> None:
    app.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))(on_click)
    app.action(FEEDBACK_CHANGE)(on_change)
    app.view(FEEDBACK_REASON)(on_reason)
