"""Fixtures for the Slack tests: the emulator, signed requests, and real ``dualuse serve`` processes."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.openai_server import FakeOpenAI, Script
from tests.servers import free_port, stop_process, wait_for_url
from tests.slack.blockkit import message_problems
from tests.slack.emulator import SlackEmulator

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-2222-secretbottoken"
APP_TOKEN = "xapp-1-A111-2222-secretapptoken"


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def http(method: str, url: str, body: str = "", headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode() if method == "POST" else None, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@dataclass
class ServeProcess:
    process: subprocess.Popen
    log_path: Path
    data_dir: Path
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> tuple[int, str, float]:
        started = time.monotonic()
        all_headers = {"Content-Type": content_type, **sign(body), **(headers or {})}
        status, text = http("POST", f"{self.url}/slack/events", body, all_headers)
        elapsed = time.monotonic() - started
        if text.startswith("{"):  # an acknowledgement with a message in it: Slack checks its blocks too
            problems = message_problems(json.loads(text).get("blocks"))
            assert not problems, f"Slack would reject this acknowledgement: {problems}"
        return status, text, elapsed

    def post_event(self, event: dict[str, Any], event_id: str, headers: dict[str, str] | None = None):
        return self.post(json.dumps(event_callback(event, event_id)), "application/json", headers)

    def post_form(self, form: dict[str, str], headers: dict[str, str] | None = None):
        return self.post(urlencode(form), "application/x-www-form-urlencoded", headers)

    def stop(self) -> None:
        stop_process(self.process, timeout=10)


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T0000001",
        "api_app_id": "A0000001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0000001", "user_id": "UBOT0001", "is_bot": True}],
    }


def dualuse_command() -> list[str]:
    script = Path(sys.executable).with_name("dualuse")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]


def start_serve(
    args: list[str], data_dir: Path, emulator: SlackEmulator, env: dict[str, str], log_path: Path
) -> ServeProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "OPENAI_", "DUALUSE_"))
    }
    environment |= {
        "DUALUSE_DATA_DIR": str(data_dir),
        "DUALUSE_LOG_LEVEL": "INFO",
        "SLACK_API_URL": emulator.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        **env,
    }
    log = log_path.open("w")
    process = subprocess.Popen(
        [*dualuse_command(), "serve", *args], env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=data_dir
    )
    return ServeProcess(process, log_path, data_dir)


def wait_until_healthy(served: ServeProcess, timeout: float = 90.0) -> None:
    wait_for_url(f"{served.url}/healthz", served.process, timeout=timeout, details=served.log)


@contextlib.contextmanager
def serving_http(
    data_dir: Path, emulator: SlackEmulator, env: dict[str, str], log_path: Path
) -> Iterator[ServeProcess]:
    """A real ``dualuse serve --http`` on a free port, healthy before it is handed out and stopped afterwards."""
    port = free_port()
    served = start_serve(
        ["--http", "--host", "127.0.0.1", "--port", str(port)],
        data_dir,
        emulator,
        {"SLACK_SIGNING_SECRET": SIGNING_SECRET, **env},
        log_path,
    )
    served.url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(served)
        yield served
    finally:
        served.stop()


@contextlib.contextmanager
def slow_openai_server(delay: float) -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible server that takes ``delay`` seconds over every answer, so answers stay in flight."""
    server = FakeOpenAI(
        script=Script(reply=lambda messages: "The Hague Ethical Guidelines exist [1].", delay=delay)
    ).start()
    try:
        yield server
    finally:
        server.stop()


TRAINER = "U0TRAINER1"
TRAINER_GROUP = "S0TRAINERS"
GROUP_MEMBER = "U0GROUPIE"  # a trainer through TRAINER_GROUP
MAX_UPLOAD_MB = 1


@pytest.fixture(scope="module")
def emulator() -> Iterator[SlackEmulator]:
    server = SlackEmulator(bot_token=BOT_TOKEN, usergroups={TRAINER_GROUP: [GROUP_MEMBER]}).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def slack_accepts_everything(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which the bot sent Slack a payload Slack would reject (see blockkit.py)."""
    yield
    if "emulator" in request.fixturenames:
        server: SlackEmulator = request.getfixturevalue("emulator")
        rejected = server.take_rejected()
        assert not rejected, f"Slack would have rejected: {rejected}"


@pytest.fixture(scope="module")
def slack_data_dir(tmp_path_factory: pytest.TempPathFactory, shipped_index_dir: Path) -> Path:
    """A data directory with the shipped corpus already indexed, so ``serve`` does not re-index."""
    data_dir = tmp_path_factory.mktemp("slack-data")
    shutil.copytree(shipped_index_dir, data_dir / "index")
    return data_dir


@pytest.fixture(scope="module")
def http_bot(emulator: SlackEmulator, slack_data_dir: Path) -> Iterator[ServeProcess]:
    """One real ``dualuse serve --http`` process for the whole module."""
    env = {
        "DUALUSE_TRAINERS": f"{TRAINER},{TRAINER_GROUP}",
        "DUALUSE_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        # URL ingestion tests fetch from a local server: allow exactly that host past the SSRF guard.
        "DUALUSE_PRIVATE_URL_HOSTS": "127.0.0.1",
    }
    with serving_http(slack_data_dir, emulator, env, slack_data_dir / "serve-http.log") as served:
        yield served
