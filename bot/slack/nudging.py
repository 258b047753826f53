"""The Slack side of nudges: hand a channel message to the use case, post the nudge it returns, record button
clicks, and run ``/dualuse watch on|off|status``.

Everything here runs on the quick pool after the acknowledgement. The message's text goes to the use case and
nowhere else: nothing in this module logs a message's text or keeps it (``docs/privacy.md``). A retried or
redelivered event is claimed (``dedup.py``) only once a nudge is due, so a message is nudged at most once and an
unwatched channel writes nothing at all.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot.app import AnswerLogError, NudgeError

from .dedup import first_to_claim
from .deps import SlackDeps
from .nudge_blocks import (
    NUDGE_ACTIONS,
    acknowledged,
    nudge_message,
    watch_announcement,
    watch_status,
)

logger = logging.getLogger(__name__)

IN_A_DM = "Nudges are for team channels: run /dualuse watch in the channel itself, not in a direct message."
NOT_IN_CHANNEL = "Invite me to this channel first (`/invite @dualuse`), then run `/dualuse watch on` again."
NOT_RECORDED = "Sorry, I could not record that: this nudge is no longer in the log."
USAGE = "Usage: `/dualuse watch on`, `/dualuse watch off` or `/dualuse watch status`, in the channel."
MEMBERS_PAGE = 1000


def consider(client: WebClient, deps: SlackDeps, event: dict[str, Any], context: BoltContext) -> None:
    """Judge one channel message (top level or thread reply) and post a nudge if one is due."""
    nudges = deps.app.nudges
    nudge = nudges.consider(
        event.get("channel", ""),
        event.get("channel_type", ""),
        event.get("user", ""),
        event.get("ts", ""),
        event.get("thread_ts"),
        event.get("text") or "",
        bool(event.get("bot_id")) or event.get("subtype") == "bot_message",
        claim=lambda: first_to_claim(context),
    )
    if nudge is None:
        return
    message = nudge_message(nudge, context.bot_user_id)
    try:
        posted = client.chat_postMessage(
            channel=nudge.channel, thread_ts=nudge.thread_ts, text=message.text, blocks=message.blocks
        )
    except Exception:
        logger.exception("could not post nudge %s in %s", nudge.id, nudge.channel)
        nudges.withdraw(nudge.id)
        return
    nudges.posted(nudge.id, str(posted.get("ts") or ""))


def record_click(deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
    kind = NUDGE_ACTIONS[action["action_id"]]
    nudge_id, user = str(action.get("value") or ""), str((body.get("user") or {}).get("id") or "")
    try:
        deps.app.nudges.feedback(nudge_id, user, kind)
    except Exception as exc:  # noqa: BLE001 - an unknown nudge or a broken log: say so, privately
        log = logger.warning if isinstance(exc, AnswerLogError) else logger.exception
        log("nudge feedback %s from %s on %s not recorded: %s", kind, user, nudge_id, exc)
        respond(text=NOT_RECORDED, response_type="ephemeral", replace_original=False)
        return
    message = body.get("message") or {}
    blocks = acknowledged(list(message.get("blocks") or []), nudge_id, kind, deps.app.nudges.quiet_days)
    if blocks is not None:
        respond(text=message.get("text") or "Nudge", blocks=blocks, replace_original=True)


def watch(client: WebClient, deps: SlackDeps, argument: str, command: dict[str, Any], respond: Respond) -> None:
    """``/dualuse watch on|off|status`` in a channel."""
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    nudges = deps.app.nudges
    if argument not in ("on", "off", "status"):
        respond(text=USAGE, response_type="ephemeral")
        return
    if is_direct(command):
        respond(text=IN_A_DM, response_type="ephemeral")
        return
    if argument == "status":
        text = watch_status(nudges.status(channel), detector=nudges.enabled, now=nudges.now())
        respond(text=text, response_type="ephemeral")
        return
    members = channel_members(client, channel)
    if members is None and argument == "on":
        respond(text=NOT_IN_CHANNEL, response_type="ephemeral")
        return
    try:
        nudges.watch(
            channel,
            user,
            argument == "on",
            is_trainer=deps.trainers.allows(client, user),
            is_member=members is not None and user in members,
        )
    except NudgeError as exc:
        logger.warning("refused /dualuse watch %s in %s to %s: %s", argument, channel, user, exc)
        respond(text=f":lock: {exc}", response_type="ephemeral")
        return
    respond(text=watch_announcement(user, argument == "on", nudges.per_day), response_type="in_channel")


def is_direct(command: dict[str, Any]) -> bool:
    """The command was run in a DM or a group DM (Slack names them "directmessage" and "mpdm-...")."""
    name = str(command.get("channel_name") or "")
    return str(command.get("channel_id") or "").startswith("D") or name == "directmessage" or name.startswith("mpdm-")


def channel_members(client: WebClient, channel: str) -> frozenset[str] | None:
    """The channel's members, or None when the bot cannot see them (it is not in the channel)."""
    members: set[str] = set()
    cursor = None
    try:
        while True:
            response = client.conversations_members(channel=channel, limit=MEMBERS_PAGE, cursor=cursor)
            members.update(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return frozenset(members)
    except Exception as exc:  # noqa: BLE001 - not in the channel, or Slack failed: nobody is a member then
        logger.info("could not list the members of %s: %s", channel, exc)
        return None
