"""Acknowledgements never wait for answers: with a slow language model and many answers in flight, every kind of
request (events, commands, button clicks, view submissions) is still acknowledged at once, questions that wait for a
free worker say so, and every event is answered exactly once."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.openai_server import FakeOpenAI
from tests.slack.conftest import ServeProcess, serving_http, slow_openai_server
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import click, mention, new_id, new_ts

pytestmark = pytest.mark.slow

IN_FLIGHT = 12
WORKERS = 3
MODEL_SECONDS = 2.0
ACK_LIMIT = 1.0  # Slack allows 3 s and used to see none at all; the benchmark measures the real figures


@pytest.fixture(scope="module")
def slow_model() -> Iterator[FakeOpenAI]:
    with slow_openai_server(MODEL_SECONDS) as server:
        yield server


@pytest.fixture(scope="module")
def slow_bot(emulator: SlackEmulator, slack_data_dir: Path, slow_model: FakeOpenAI) -> Iterator[ServeProcess]:
    env = {
        "OPENAI_BASE_URL": slow_model.base_url,
        "DUALUSE_ANSWER_MODE": "llm",
        "DUALUSE_LLM_MODEL": "test-model",
        "DUALUSE_SLACK_WORKERS": str(WORKERS),
    }
    with serving_http(slack_data_dir, emulator, env, slack_data_dir / "serve-slow.log") as served:
        yield served


def command(emulator: SlackEmulator, text: str) -> dict[str, str]:
    return {
        "command": "/dualuse",
        "text": text,
        "user_id": "U0000042",
        "channel_id": "C3000001",
        "team_id": "T0000001",
        "response_url": emulator.response_url(uuid.uuid4().hex),
        "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
    }


def view_submission() -> dict[str, object]:
    return {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": "U0000042"},
        "api_app_id": "A0000001",
        "trigger_id": "submit-2",
        "view": {
            "id": "V0000009",
            "type": "modal",
            "callback_id": "add_document",
            "private_metadata": "nothing",
            "state": {"values": {}},
        },
    }


def shortcut() -> dict[str, object]:
    return {
        "type": "shortcut",
        "callback_id": "anything",
        "team": {"id": "T0000001"},
        "user": {"id": "U0000042"},
        "api_app_id": "A0000001",
        "trigger_id": "t-1",
    }


def options() -> dict[str, object]:
    return {
        "type": "block_suggestion",
        "action_id": "anything",
        "block_id": "b",
        "value": "x",
        "team": {"id": "T0000001"},
        "user": {"id": "U0000042"},
        "api_app_id": "A0000001",
    }


def test_every_kind_of_request_is_acknowledged_at_once_while_answers_queue(
    slow_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel = "C3000001"
    threads = [new_ts() for _ in range(IN_FLIGHT)]
    question = "what are the hague ethical guidelines?"
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        events = list(
            pool.map(lambda ts: slow_bot.post_event(mention(question, ts, channel=channel), new_id()), threads)
        )
    assert all(status == 200 for status, _, _ in events)
    assert max(elapsed for _, _, elapsed in events) < ACK_LIMIT, [round(e, 3) for _, _, e in events]
    time.sleep(0.5)  # the workers are busy with the model now, and questions are waiting

    others = {
        "command": lambda: slow_bot.post_form(command(emulator, question)),
        "help": lambda: slow_bot.post_form(command(emulator, "help")),
        "sources": lambda: slow_bot.post_form(command(emulator, "sources")),
        "button": lambda: slow_bot.post_form({"payload": json.dumps(click(emulator, "sources_page_next", "2"))}),
        "view_submission": lambda: slow_bot.post_form({"payload": json.dumps(view_submission())}),
        "event": lambda: slow_bot.post_event(mention(question, new_ts(), channel="C3000002"), new_id()),
        "shortcut": lambda: slow_bot.post_form({"payload": json.dumps(shortcut())}),
        "options": lambda: slow_bot.post_form({"payload": json.dumps(options())}),
    }
    for kind, send in others.items():
        status, _, elapsed = send()
        assert status == 200, kind
        assert elapsed < ACK_LIMIT, f"{kind} acknowledged after {elapsed:.2f} s"

    # Questions beyond the workers are told they wait, instead of silence.
    placeholders = emulator.calls_to("chat.postMessage", channel=channel)
    assert any("in line" in c.params["text"] for c in placeholders), [c.params["text"] for c in placeholders]
    # Every question is answered exactly once.
    for ts in threads:
        emulator.wait_for(
            lambda ts=ts: [
                c
                for c in emulator.calls_to("chat.update", channel=channel)
                if c.params.get("blocks")
                and any(b.get("type") == "actions" for b in c.params["blocks"])
                and _thread_of(emulator, channel, c.params["ts"]) == ts
            ],
            timeout=IN_FLIGHT * MODEL_SECONDS + 60,
        )
    # Exactly once: one message per thread carries the answer's feedback buttons (a long answer may continue in
    # a second message, but it is never answered twice).
    for ts in threads:
        answered = [
            c
            for c in (
                *emulator.calls_to("chat.update", channel=channel),
                *emulator.calls_to("chat.postMessage", channel=channel),
            )
            if any(b.get("type") == "actions" for b in c.params.get("blocks") or [])
            and (c.params.get("thread_ts") == ts or _thread_of(emulator, channel, c.params.get("ts", "")) == ts)
        ]
        assert len(answered) == 1, [c.params.get("text", "")[:80] for c in answered]


def _thread_of(emulator: SlackEmulator, channel: str, message_ts: str) -> str | None:
    for call in emulator.calls_to("chat.postMessage", channel=channel):
        if call.response.get("ts") == message_ts:
            return call.params.get("thread_ts")
    return None
