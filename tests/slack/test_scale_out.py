"""The deployment shape, run here: a Chroma server, PostgreSQL, several stateless bot processes and the admin page.

Two `dualuse serve --http` processes behind one address share the database: a signed event delivered to both is
answered exactly once. A process told to stop finishes the answer it is writing. The admin page and a Socket Mode
bot report ready against the same servers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from corpus import documents_dir
from tests.openai_server import FakeOpenAI, Script
from tests.servers import chroma_server, fresh_postgresql_database, stop_process, wait_for_url
from tests.slack.conftest import (
    APP_TOKEN,
    SIGNING_SECRET,
    ServeProcess,
    dualuse_command,
    free_port,
    http,
    start_serve,
    wait_until_healthy,
)
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import CHANNEL, mention, new_id, new_ts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Chroma server holding the indexed shipped corpus, and a fresh PostgreSQL database."""
    with chroma_server(tmp_path_factory.mktemp("chroma")) as chroma_url, fresh_postgresql_database() as pg_url:
        env = {"DUALUSE_CHROMA_URL": chroma_url, "DUALUSE_DATABASE_URL": pg_url}
        result = CliRunner().invoke(
            app,
            ["ingest", str(documents_dir())],
            env={**env, "DUALUSE_DATA_DIR": str(tmp_path_factory.mktemp("ingest-data"))},
        )
        assert result.exit_code == 0, result.output
        yield env


def _http_bot(tmp_path: Path, emulator: SlackEmulator, env: dict[str, str], name: str) -> ServeProcess:
    port = free_port()
    data_dir = tmp_path / name
    data_dir.mkdir()
    served = start_serve(
        ["--http", "--host", "127.0.0.1", "--port", str(port)],
        data_dir,
        emulator,
        {"SLACK_SIGNING_SECRET": SIGNING_SECRET, **env},
        data_dir / "serve.log",
    )
    served.url = f"http://127.0.0.1:{port}"
    wait_until_healthy(served)
    return served


def test_two_bot_processes_answer_one_event_once(
    tmp_path: Path, emulator: SlackEmulator, shared_servers: dict[str, str]
) -> None:
    first = _http_bot(tmp_path, emulator, shared_servers, "bot-1")
    second = _http_bot(tmp_path, emulator, shared_servers, "bot-2")
    try:
        for served in (first, second):
            status, body = http("GET", f"{served.url}/readyz")
            assert status == 200 and json.loads(body)["database"] == "ok", served.log()
        ts, event_id = new_ts(), new_id()
        event = mention("What are the Hague Ethical Guidelines?", ts)
        statuses: list[int] = []
        workers = [
            threading.Thread(target=lambda s=s: statuses.append(s.post_event(event, event_id)[0]))
            for s in (first, second)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert statuses == [200, 200]  # the loser acknowledges too, or Slack would retry
        emulator.wait_for(lambda: emulator.calls_to("chat.update", channel=CHANNEL))
        updates = emulator.wait_for(
            lambda: [c for c in emulator.calls_to("chat.update", channel=CHANNEL) if "Hague" in json.dumps(c.params)]
        )
        threading.Event().wait(2.0)  # give a duplicate time to show up, if there were one
        placeholders = emulator.calls_to("chat.postMessage", channel=CHANNEL, thread_ts=ts)
        assert len(placeholders) == 1 and len(updates) == 1
        answered = [s for s in (first, second) if 'outcome="answered"' in http("GET", f"{s.url}/metrics")[1]]
        assert len(answered) == 1
    finally:
        first.stop()
        second.stop()


def test_a_stopping_bot_finishes_the_answer_in_flight(
    tmp_path: Path, emulator: SlackEmulator, shared_servers: dict[str, str]
) -> None:
    slow_model = FakeOpenAI(Script(reply=lambda m: "I don't know.", delay=3.0)).start()
    try:
        served = _http_bot(tmp_path, emulator, {**shared_servers, "OPENAI_BASE_URL": slow_model.base_url}, "bot-slow")
        ts = new_ts()
        assert served.post_event(mention("What does the UN say about autonomous weapons?", ts), new_id())[0] == 200
        placeholder = emulator.wait_for(lambda: emulator.calls_to("chat.postMessage", channel=CHANNEL, thread_ts=ts))[0]
        emulator.wait_for(lambda: slow_model.requests)  # the model is writing the answer now
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=30) == 0, served.log()
        updates = emulator.calls_to("chat.update", channel=CHANNEL, ts=placeholder.response["ts"])
        assert updates, "the answer in flight was dropped at shutdown:\n" + served.log()
        assert "finishing 1 answer(s) in flight" in served.log()
    finally:
        slow_model.stop()


def test_admin_and_socket_mode_bot_report_ready_against_the_shared_servers(
    tmp_path: Path, emulator: SlackEmulator, shared_servers: dict[str, str]
) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "DUALUSE_"))}
    admin_port = free_port()
    admin = subprocess.Popen(
        [*dualuse_command(), "admin", "--port", str(admin_port)],
        env={
            **base,
            **shared_servers,
            "DUALUSE_DATA_DIR": str(tmp_path / "admin"),
            "DUALUSE_ADMIN_TOKEN": "admin-token-for-the-smoke-test",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ops_port = free_port()
    (tmp_path / "socket").mkdir()
    socket_bot = start_serve(
        ["--ops-port", str(ops_port), "--host", "127.0.0.1"],
        tmp_path / "socket",
        emulator,
        {"SLACK_APP_TOKEN": APP_TOKEN, **shared_servers},
        tmp_path / "socket" / "serve.log",
    )
    socket_bot.url = f"http://127.0.0.1:{ops_port}"
    try:
        wait_until_healthy(socket_bot)
        status, body = http("GET", f"{socket_bot.url}/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "index": "ok", "database": "ok", "slack": "ok"})
        assert "# TYPE dualuse_questions" in http("GET", f"{socket_bot.url}/metrics")[1]
        admin_url = f"http://127.0.0.1:{admin_port}"
        wait_for_url(f"{admin_url}/readyz", admin)
        status, body = http("GET", f"{admin_url}/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ok", "index": "ok", "database": "ok"})
    finally:
        socket_bot.stop()
        stop_process(admin)
