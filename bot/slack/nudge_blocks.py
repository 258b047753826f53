"""Block Kit for nudges: at most three lines (the consideration; the guidance, numbered like an answer's sources,
with its link and a short quote; the invitation to ask) and the buttons "useful", "not now", "don't nudge this
channel", which a click replaces with a short acknowledgement. Also the replies to ``/dualuse watch``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.app import ChannelWatch, PostedNudge
from bot.i18n import translations

from .blocks import Block, Message, button, context, section
from .mrkdwn import clip, escape, link

NUDGE_ACTIONS = {"nudge_useful": "useful", "nudge_not_now": "not_now", "nudge_dont_nudge": "dont_nudge"}
NUDGE_TEXT_BLOCK = "nudge_text"  # block_id prefix that marks a message as a nudge (threads.bot_in_thread skips it)
MAX_CONSIDERATION = 200
MAX_QUOTE = 160
ACKNOWLEDGEMENTS = {
    "useful": ":white_check_mark: Marked *useful*. Thanks.",
    "not_now": ":ok_hand: Noted: not now.",
    "dont_nudge": ":zipper_mouth_face: Understood: no nudges in this channel for {days} days.",
}


def nudge_message(nudge: PostedNudge, bot_user_id: str | None = None) -> Message:
    """The nudge as one threaded reply: three lines, then the buttons."""
    notice, c = nudge.notice, nudge.notice.citation
    consideration = escape(clip(notice.consideration, MAX_CONSIDERATION))
    title = link(c.url, c.title) if c.url else f"*{escape(clip(c.title, 120))}*"
    quote = escape(clip(c.quote, MAX_QUOTE)) if c.quote else ""
    guidance = f"*[{c.n}]* {title}" + (f": _{quote}_" if quote else "")
    text = "\n".join([f":bulb: {consideration}", guidance, invitation(bot_user_id)])
    blocks = [
        {"type": "section", "block_id": f"{NUDGE_TEXT_BLOCK}:{nudge.id}", "text": {"type": "mrkdwn", "text": text}},
        nudge_buttons(nudge.id),
    ]
    return Message(f"{consideration} {invitation(None)}", blocks)


def invitation(bot_user_id: str | None) -> str:
    me = f"<@{bot_user_id}>" if bot_user_id else "@dualuse"
    return f"Questions about this? Ask {me} here in the thread."


def nudge_buttons(nudge_id: str) -> Block:
    return {
        "type": "actions",
        "block_id": f"nudge:{nudge_id}",
        "elements": [
            button("nudge_useful", "Useful", nudge_id),
            button("nudge_not_now", "Not now", nudge_id),
            button("nudge_dont_nudge", "Don't nudge this channel", nudge_id),
        ],
    }


def acknowledged(blocks: list[Block], nudge_id: str, kind: str, quiet_days: int) -> list[Block] | None:
    """The nudge's ``blocks`` with its buttons replaced by an acknowledgement; None if they are not there."""
    block_id = f"nudge:{nudge_id}"
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") == block_id), None)
    if at is None:
        return None
    note = context(ACKNOWLEDGEMENTS[kind].format(days=quiet_days))
    note["block_id"] = block_id
    return [*blocks[:at], note, *blocks[at + 1 :]]


def is_nudge(message: dict[str, Any]) -> bool:
    """A message the bot posted as a nudge (not a conversation the bot takes part in)."""
    return any(str(b.get("block_id") or "").startswith(f"{NUDGE_TEXT_BLOCK}:") for b in message.get("blocks") or [])


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def watch_status(state: ChannelWatch | None, *, detector: bool, now: datetime) -> str:
    """One or two lines for ``/dualuse watch status`` (mrkdwn)."""
    if state is None or not state.watching:
        off = "Nudges are *off* in this channel"
        since = (
            f" (turned off {_when(state.set_at)})"
            if state is not None
            else " (they are off until someone turns them on)"
        )
        return f"{off}{since}. `/dualuse watch on` turns them on."
    line = f"Nudges are *on* in this channel since {_when(state.set_at)}."
    if state.quiet_at(now) and state.quiet_until is not None:
        line += f" Someone asked for a pause: none until {_when(state.quiet_until)}."
    if not detector:
        line += " (No nudge detector is configured on this bot yet, so none are posted.)"
    return line + " `/dualuse watch off` turns them off."


def watch_announcement(user: str, on: bool, per_day: int) -> str:
    """What the channel is told when someone turns nudges on or off (everyone there should know)."""
    if on:
        return (
            f"<@{escape(user)}> turned on dual-use nudges in this channel: I read new messages here and, at most "
            f"{per_day} times a day, reply in a thread when work might have dual-use potential. Only messages I "
            "reply to are kept (pseudonymised). `/dualuse watch off` turns this off."
        )
    return f"<@{escape(user)}> turned off dual-use nudges in this channel."


def watched_section(channels: list[ChannelWatch], language: str | None = None) -> list[Block]:
    """The App Home's "Watched channels" part, in the viewer's ``language`` (the nudges themselves stay English:
    a channel reads them, and their consideration comes from the English nudge model)."""
    t = translations(language)
    _ = t.gettext
    heading = "*" + _("Watched channels") + "*"
    if not channels:
        return [section(heading + "\n" + _("No channel has nudges on. Run `/dualuse watch on` in a channel to start."))]
    since = _("{channel} since {date}")
    listed = "\n".join(
        "• " + since.format(channel=f"<#{escape(c.channel)}>", date=t.isolate(f"{c.set_at:%Y-%m-%d}")) for c in channels
    )
    return [section(heading + " " + _("(nudges on)") + f"\n{listed}")]
