"""Driving trainer flows against the real bot: share a file, run /dualuse, press buttons, submit the modal."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from tests.slack.conftest import TRAINER, ServeProcess
from tests.slack.emulator import Call, SlackEmulator
from tests.slack.test_http import click, new_id, new_ts

STRANGER = "U0STRANGER"  # not a trainer


def share(
    bot: ServeProcess,
    emulator: SlackEmulator,
    name: str,
    data: bytes,
    mimetype: str,
    *,
    user: str = TRAINER,
    declared_size: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """``user`` shares a file with the bot in their DM; returns the DM channel and the file object."""
    channel = "D" + uuid.uuid4().hex[:10].upper()
    file = emulator.add_file(name, data, mimetype, declared_size=declared_size)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": "",
        "ts": new_ts(),
        "files": [file],
    }
    assert bot.post_event(event, new_id())[0] == 200
    return channel, file


def reading_result(emulator: SlackEmulator, channel: str) -> dict[str, Any]:
    """The update that replaces "Reading ..." in the DM: the review button or the error."""
    return emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=channel), timeout=60)[0].params


def slash(bot: ServeProcess, emulator: SlackEmulator, text: str, user: str = TRAINER) -> tuple[list[Call], str]:
    """Run ``/dualuse TEXT``; returns what came back through the response_url, and the trigger id used."""
    name, trigger = uuid.uuid4().hex, f"trigger-{uuid.uuid4().hex[:8]}"
    form = {
        "command": "/dualuse",
        "text": text,
        "user_id": user,
        "channel_id": "C0000020",
        "team_id": "T0000001",
        "response_url": emulator.response_url(name),
        "trigger_id": trigger,
    }
    status, _, elapsed = bot.post_form(form)
    assert status == 200 and elapsed < 3.0
    if text.startswith("add ") and user != STRANGER:
        return [], trigger  # a trainer's add opens a modal instead
    return emulator.wait_for(lambda: emulator.calls_to("response_url", _path=f"/response/{name}")), trigger


def submit(bot: ServeProcess, view: dict[str, Any], user: str = TRAINER, **values: str) -> tuple[int, str]:
    """Press "Add" in the review modal with the given field values (the others as prefilled)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        name, element = block["block_id"], block["element"]
        if name == "kind":
            state[name] = {
                "value": {
                    "type": "static_select",
                    "selected_option": {"value": values.get(name, element["initial_option"]["value"])},
                }
            }
        else:
            state[name] = {
                "value": {"type": "plain_text_input", "value": values.get(name, element.get("initial_value"))}
            }
    payload = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0000001",
        "trigger_id": "submit-1",
        "view": {**view, "id": "V0000001", "state": {"values": state}},
    }
    status, body, _ = bot.post_form({"payload": json.dumps(payload)})
    return status, body


def press(
    bot: ServeProcess,
    emulator: SlackEmulator,
    action_id: str,
    value: str,
    user: str = TRAINER,
    channel: str = "C0000020",
) -> dict[str, Any]:
    payload = click(emulator, action_id, value, user=user, channel=channel)
    assert bot.post_form({"payload": json.dumps(payload)})[0] == 200
    return payload


def corpus_size(bot: ServeProcess, emulator: SlackEmulator) -> int:
    responses, _ = slash(bot, emulator, "sources")
    return int(re.search(r"The corpus: (\d+) documents", responses[0].params["text"]).group(1))


def path_of(payload: dict[str, Any]) -> str:
    return "/" + payload["response_url"].split("/", 3)[3]
