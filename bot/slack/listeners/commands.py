"""``/dualuse``: a question (answered privately), ``help``, ``watch on|off|status`` (nudges in this channel; see
``nudging.py``), and the trainer commands ``add URL``, ``sources``, ``remove DOC_ID`` and ``gaps``.

The command is acknowledged before any work: help in the acknowledgement itself, a question with "looking this up"
(or its place in line when the answer workers are busy) while it waits on the answer workers, trainer commands on
the quick pool. Only exact command shapes are commands ("remove" followed by one id, "add" followed by one
address), so a question that happens to start with one of these words is still answered as a question.

Help and the acknowledgement are in the user's interface language when it is already known, else in English: neither
a Slack call nor the language identifier (0.7 s to load) belongs before an acknowledgement. The answer that replaces
it is in the Slack locale looked up on the answer worker, else in the answer's language.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.app import detect_language
from bot.i18n import N_
from ingest.errors import DualuseError

from .. import library, nudging
from ..answering import feedback_id
from ..blocks import (
    APOLOGY,
    BUSY,
    LOOKING_UP,
    help_blocks,
    in_language,
    render_answer,
    render_error,
    waiting,
    warning,
)
from ..deps import SlackDeps, deps_of
from ..mrkdwn import from_slack
from ..trainers import refusal
from ..workers import Busy

logger = logging.getLogger(__name__)

COMMAND = "/dualuse"
# subcommand -> what a refused user is told they tried to do (None: open to everyone)
ACTIONS: dict[str, str | None] = {
    "add": "add documents to the corpus",
    "remove": "remove documents from the corpus",
    "gaps": "see the questions the corpus could not answer",
    "sources": None,
}


def wants_help(text: str) -> bool:
    return text.strip().lower() in ("", "help", "-h", "--help", "?")


def parse(text: str) -> tuple[str, str]:
    """(subcommand, argument); ``("ask", text)`` for a question and ``("help", "")`` for help."""
    if wants_help(text):
        return "help", ""
    words = text.split()
    verb = words[0].lower()
    if verb in ("sources", "gaps") and len(words) == 1:
        return verb, ""
    if verb == "sources" and len(words) == 2 and words[1].isdigit():
        return verb, words[1]
    if verb == "watch" and len(words) <= 2:
        return verb, words[1].lower() if len(words) == 2 else ""
    if verb in ("add", "remove") and len(words) == 2:
        return verb, words[1].strip("<>")  # Slack wraps a pasted link in <...>
    return "ask", text


def trainer_work(
    client: WebClient, deps: SlackDeps, name: str, argument: str, command: dict[str, Any], respond: Respond
) -> None:
    """``sources``, ``add``, ``remove`` and ``gaps`` (on the quick pool): the role is checked first where needed."""
    user = command.get("user_id", "")
    action = ACTIONS[name]
    if action is not None and not deps.trainers.check(client, user, f"/dualuse {name}"):
        respond(text=refusal(action), response_type="ephemeral")
        return
    try:
        if name == "add":
            if not argument.startswith(("http://", "https://")):
                respond(
                    text="Usage: `/dualuse add https://...` (to add a file, share it with me in a DM)",
                    response_type="ephemeral",
                )
                return
            library.add_url(client, deps, trigger_id=command["trigger_id"], url=argument.split("|")[0], user=user)
        elif name == "sources":
            text, blocks = library.sources(deps, int(argument or 1))
            respond(text=text, blocks=blocks, response_type="ephemeral")
        elif name == "remove":
            text, blocks = library.confirm_removal(deps, argument)
            respond(text=text, blocks=blocks, response_type="ephemeral")
        elif name == "gaps":
            respond(text="Questions the corpus could not answer", blocks=library.gaps(deps), response_type="ephemeral")
    except Exception:
        logger.exception("/dualuse %s failed", name)
        respond(text=library.FAILED, response_type="ephemeral")


def answer(
    deps: SlackDeps, question: str, command: dict[str, Any], respond: Respond, client: WebClient | None = None
) -> None:
    """A ``/dualuse`` question (on an answer worker), answered privately through the response URL."""
    user = command.get("user_id", "")
    locale = deps.locales.language(client, user) if client is not None else deps.locales.cached(user)
    language = locale or detect_language(question)
    try:
        asked = deps.app.questions.ask(
            question, surface="slack", channel=command.get("channel_id", ""), user=user, language=locale
        )
        messages = render_answer(asked.answer, feedback_id(asked), language=locale)
        respond(text=messages[0].text, blocks=messages[0].blocks, response_type="ephemeral", replace_original=True)
        for message in messages[1:]:
            respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
    except DualuseError as exc:
        logger.info("could not answer a /dualuse question: %s", exc)
        text = warning(exc)
        respond(text=text, blocks=render_error(text), response_type="ephemeral", replace_original=True)
    except Exception:
        logger.exception("answering a /dualuse question failed")
        apology = in_language(APOLOGY, language)
        respond(text=apology, blocks=render_error(apology), response_type="ephemeral", replace_original=True)


def on_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    deps = deps_of(context)
    raw = command.get("text", "")
    name, argument = parse(raw)
    known = deps.locales.cached(command.get("user_id", ""))
    if name == "help":
        language = known or "en"
        title = in_language(N_("How to use /dualuse"), language)
        ack(text=title, blocks=help_blocks(language), response_type="ephemeral")
    elif name == "ask":
        # The acknowledgement is the progress message; the answer replaces it through response_url.
        language = known or "en"
        ahead = deps.workers.ahead()
        ack(text=waiting(ahead, language) if ahead else in_language(LOOKING_UP, language), response_type="ephemeral")
        try:
            deps.workers.answer(answer, deps, from_slack(raw), command, respond, client)
        except Busy:
            busy = in_language(BUSY, language)
            deps.workers.quick(respond, text=busy, response_type="ephemeral", replace_original=True)
    elif name == "watch":
        ack()
        deps.workers.quick(nudging.watch, client, deps, argument, command, respond)
    else:
        ack()
        deps.workers.quick(trainer_work, client, deps, name, argument, command, respond)


def register(app: App) -> None:
    app.command(COMMAND)(on_command)
