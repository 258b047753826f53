"""``/dualuse QUESTION`` answers privately (only the asker sees it); ``/dualuse help`` explains usage."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from ingest.errors import DualuseError

from ..answering import new_answer_id
from ..blocks import APOLOGY, LOOKING_UP, help_blocks, render_answer, render_error
from ..deps import SlackDeps
from ..mrkdwn import escape

logger = logging.getLogger(__name__)

COMMAND = "/dualuse"


def wants_help(text: str) -> bool:
    return text.strip().lower() in ("", "help", "-h", "--help", "?")


def register(app: App, deps: SlackDeps) -> None:
    def acknowledge(ack: Ack, command: dict[str, Any]) -> None:
        if wants_help(command.get("text", "")):
            ack(text="How to use /dualuse", blocks=help_blocks(), response_type="ephemeral")
        else:
            # The acknowledgement is the progress message; the answer replaces it through response_url.
            ack(text=LOOKING_UP, response_type="ephemeral")

    def answer(command: dict[str, Any], respond: Respond) -> None:
        question = command.get("text", "")
        if wants_help(question):
            return
        try:
            answer = deps.services.engine.ask(question)
            messages = render_answer(answer, new_answer_id())
            respond(text=messages[0].text, blocks=messages[0].blocks, response_type="ephemeral", replace_original=True)
            for message in messages[1:]:
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
        except DualuseError as exc:
            logger.info("could not answer a /dualuse question: %s", exc)
            text = escape(f":warning: {exc}")
            respond(text=text, blocks=render_error(text), response_type="ephemeral", replace_original=True)
        except Exception:
            logger.exception("answering a /dualuse question failed")
            respond(text=APOLOGY, blocks=render_error(APOLOGY), response_type="ephemeral", replace_original=True)

    app.command(COMMAND)(ack=acknowledge, lazy=[answer])
