"""The nudge tests' bot: the real Bolt app and HTTP server, built in this process so that the detector and the clock
are the tests' own, and driven with signed requests against the Slack emulator."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIServer

from bot.app import Application, Citation
from bot.app.container import Services
from bot.core.nudge import Notice
from bot.settings import Settings
from bot.slack.app import SlackBot
from tests.slack.conftest import event_callback, http, sign
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import new_id, new_ts

TRIGGER = "heron-protein-designer"  # the word MarkerNoticer answers
NUDGE_CITATION = Citation(
    n=1,
    doc_id="biosecurity-code-of-conduct",
    title="A code of conduct for biosecurity in protein design",
    publisher="Responsible AI x Biodesign",
    date="2024-03-08",
    url="https://responsiblebiodesign.ai/",
    section="Commitments",
    page=None,
    quote="We will support the development of biosecurity screening of synthesis orders.",
    score=0.71,
    chunk_id="biosecurity-code-of-conduct:3",
)


class MarkerNoticer:
    """Stands in for the trained detector (``bot/core/nudge``, built separately): a message containing ``TRIGGER``
    gets a Notice with a real-looking citation, every other message None. It is deterministic so that these tests
    exercise the opt-in, the rate limits and what is stored, not the classifier. Like the real one it keeps
    nothing; it only counts the calls, so a test can tell that a message was judged."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def notice(self, text: str) -> Notice | None:
        with self._lock:
            self.calls += 1
        if TRIGGER not in text:
            return None
        return Notice(
            score=0.87,
            topic="protein_design",
            consideration="Protein design tools can be misused to make harmful proteins; screening helps.",
            citation=NUDGE_CITATION,
        )


@dataclass
class Clock:
    """Naive UTC, moved by the tests."""

    now: datetime = field(default_factory=lambda: datetime(2027, 1, 12, 9, 0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class NudgeBot:
    bot: SlackBot
    server: WSGIServer
    url: str
    clock: Clock
    noticer: MarkerNoticer
    settings: Settings
    emulator: SlackEmulator

    @property
    def app(self) -> Application:
        return self.bot.deps.app

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> int:
        status, _ = http(
            "POST", f"{self.url}/slack/events", body, {"Content-Type": content_type, **sign(body), **(headers or {})}
        )
        return status

    def event(self, event: dict[str, Any], event_id: str | None = None, headers: dict[str, str] | None = None) -> str:
        """Deliver an event and wait until the work it started is done; returns the event id."""
        event_id = event_id or new_id()
        assert self.post(json.dumps(event_callback(event, event_id)), "application/json", headers) == 200
        self.settle()
        return event_id

    def command(self, text: str, *, user: str, channel: str, channel_name: str = "research") -> dict[str, Any]:
        """Run ``/dualuse TEXT``; returns what came back through the response URL."""
        name = uuid.uuid4().hex
        form = {
            "command": "/dualuse",
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "channel_name": channel_name,
            "team_id": "T0000001",
            "response_url": self.emulator.response_url(name),
            "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
        }
        assert self.post(urlencode(form), "application/x-www-form-urlencoded") == 200
        self.settle()
        return self.emulator.wait_for(lambda: self.emulator.calls_to("response_url", _path=f"/response/{name}"))[
            -1
        ].params

    def click(self, action_id: str, nudge: dict[str, Any], *, user: str, channel: str) -> dict[str, Any]:
        """Press a button under the nudge ``nudge`` (a chat.postMessage's params); returns the response_url call."""
        name = uuid.uuid4().hex
        value = nudge["blocks"][-1]["elements"][0]["value"]
        payload = {
            "type": "block_actions",
            "team": {"id": "T0000001"},
            "user": {"id": user},
            "api_app_id": "A0000001",
            "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": channel},
            "channel": {"id": channel},
            "message": {"ts": "1700000001.000100", "text": nudge["text"], "blocks": nudge["blocks"]},
            "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
            "response_url": self.emulator.response_url(name),
            "actions": [{"type": "button", "action_id": action_id, "value": value, "action_ts": new_ts()}],
        }
        assert self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded") == 200
        self.settle()
        return self.emulator.wait_for(lambda: self.emulator.calls_to("response_url", _path=f"/response/{name}"))[
            -1
        ].params

    def settle(self) -> None:
        assert self.bot.deps.in_flight.wait_idle(30), "the bot's work did not finish"

    def nudges_in(self, channel: str) -> list[dict[str, Any]]:
        """The nudges posted in ``channel`` (chat.postMessage params)."""
        return [
            c.params
            for c in self.emulator.calls_to("chat.postMessage", channel=channel)
            if any(str(b.get("block_id", "")).startswith("nudge") for b in c.params.get("blocks") or [])
        ]


def message(channel: str, text: str, *, user: str = "U0000042", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": new_ts(),
        "event_ts": new_ts(),
        **extra,
    }


def services_for(settings: Settings, noticer: MarkerNoticer, clock: Clock) -> Services:
    return Services(settings, noticer=noticer, clock=clock)
