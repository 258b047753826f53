"""The real ``dualuse serve`` in Socket Mode against the emulator's WebSocket server, in llm mode (a local
OpenAI-compatible server writes the answers) so that assistant threads stream."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import FakeOpenAI, Script
from tests.slack.conftest import APP_TOKEN, ServeProcess, event_callback, start_serve
from tests.slack.emulator import BOT_USER_ID, SlackEmulator
from tests.slack.test_http import all_text

pytestmark = pytest.mark.slow

QUESTION = "Who funds the UNODA/SIPRI responsible AI programme?"


def first_source_sentence(messages: list[dict]) -> str:
    """Answer with the first sentence of source [1], cited, as a well-behaved model would."""
    prompt = messages[-1]["content"]
    passage = re.search(r"^\[1\] [^\n]*\n(.+?)(?:\n|$)", prompt, re.M)
    sentence = re.split(r"(?<=[.!?])\s", passage.group(1).strip())[0] if passage else "No sources."
    return f"{sentence} [1]"


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(script=Script(reply=first_source_sentence)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def socket_bot(emulator: SlackEmulator, slack_data_dir: Path, fake_openai: FakeOpenAI) -> Iterator[ServeProcess]:
    env = {
        "SLACK_APP_TOKEN": APP_TOKEN,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "DUALUSE_ANSWER_MODE": "llm",
        "DUALUSE_LLM_MODEL": "test-model",
    }
    served = start_serve([], slack_data_dir, emulator, env, slack_data_dir / "serve-socket.log")
    try:
        deadline = time.monotonic() + 90
        while not emulator._sockets:
            assert served.process.poll() is None, served.log()
            assert time.monotonic() < deadline, served.log()
            time.sleep(0.2)
        yield served
    finally:
        served.stop()


def new_ts() -> str:
    return f"{time.time():.6f}"


def test_connects_with_the_app_token(socket_bot: ServeProcess, emulator: SlackEmulator) -> None:
    opened = emulator.calls_to("apps.connections.open")
    assert opened and opened[0].headers["Authorization"] == f"Bearer {APP_TOKEN}"


def test_mention_over_socket_mode_is_acknowledged_and_answered_once(
    socket_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    channel, ts, event_id = "C1000001", new_ts(), "Ev" + uuid.uuid4().hex[:12]
    event = {
        "type": "app_mention",
        "user": "U0000042",
        "text": f"<@{BOT_USER_ID}> {QUESTION}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    first = emulator.send_envelope(event_callback(event, event_id))
    retry = emulator.send_envelope(event_callback(event, event_id), retry_attempt=1)
    acked = emulator.wait_for(lambda: {first, retry} <= {a["envelope_id"] for a in emulator.acks})
    assert acked
    update = emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=channel), timeout=60)[0].params
    assert "*Sources*" in all_text(update["blocks"])
    time.sleep(1.0)
    assert len(emulator.calls_to("chat.postMessage", channel=channel)) == 1


def test_assistant_thread_offers_suggested_prompts(socket_bot: ServeProcess, emulator: SlackEmulator) -> None:
    dm, root = "D1000001", new_ts()
    event = {
        "type": "assistant_thread_started",
        "event_ts": root,
        "assistant_thread": {"user_id": "U0000042", "channel_id": dm, "thread_ts": root, "context": {}},
    }
    emulator.send_envelope(event_callback(event, "Ev" + uuid.uuid4().hex[:12]))
    prompts = emulator.wait_for(lambda: emulator.calls_to("assistant.threads.setSuggestedPrompts", channel_id=dm))
    assert prompts[0].params["thread_ts"] == root
    assert len(prompts[0].params["prompts"]) >= 2
    assert emulator.calls_to("chat.postMessage", channel=dm, thread_ts=root)  # the greeting


def test_assistant_thread_shows_status_and_streams_the_answer(
    socket_bot: ServeProcess, emulator: SlackEmulator
) -> None:
    dm, root, ts = "D1000002", new_ts(), new_ts()
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": dm,
        "user": "U0000042",
        "text": QUESTION,
        "ts": ts,
        "thread_ts": root,
    }
    emulator.send_envelope(event_callback(event, "Ev" + uuid.uuid4().hex[:12]))
    stopped = emulator.wait_for(lambda: emulator.calls_to("chat.stopStream", channel=dm), timeout=60)
    status = emulator.calls_to("assistant.threads.setStatus", channel_id=dm)
    assert status and status[0].params["status"] == "Searching the corpus..." and status[0].params["thread_ts"] == root
    started = emulator.calls_to("chat.startStream", channel=dm)
    assert started and started[0].params["thread_ts"] == root
    streamed = "".join(
        c.params.get("markdown_text") or "".join(chunk.get("text", "") for chunk in c.params.get("chunks") or [])
        for c in emulator.calls
        if c.method.endswith("Stream") and c.params.get("channel") == dm
    )
    assert "[1]" in streamed
    assert "*Sources*" in all_text(stopped[0].params["blocks"])
    assert not emulator.calls_to("chat.update", channel=dm)  # streamed, not post-then-update
