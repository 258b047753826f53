"""The trained nudge detector behind the real Bolt app (the other nudge tests use a deterministic stand-in): in a
watched channel, a message about dual-use work gets one threaded nudge citing a shipped guidance document, and
everyday traffic gets nothing."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import make_server

import pytest

from bot.app import Application
from bot.app.container import Services
from bot.settings import load_settings
from bot.slack.app import build_app
from bot.slack.server import wsgi_app
from corpus import documents_dir
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, TRAINER
from tests.slack.emulator import BOT_USER_ID, SlackEmulator
from tests.slack.nudge_helpers import Clock, NudgeBot, message
from tests.slack.test_nudges import MEMBER, _Quiet, _Server


@pytest.fixture(scope="module")
def trained_bot(
    emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory, shipped_index_dir: Path
) -> Iterator[NudgeBot]:
    data_dir = tmp_path_factory.mktemp("trained-nudge-data")
    shutil.copytree(shipped_index_dir, data_dir / "index")
    settings = load_settings(
        data_dir=str(data_dir),
        trainers=TRAINER,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url,
    )
    clock = Clock()
    application = Application(settings, Services(settings, clock=clock))  # the default, trained detector
    application.warm_up()  # as `dualuse serve` does: the shipped corpus indexed, the models loaded
    bot = build_app(settings, application, http=True)
    server = make_server("127.0.0.1", 0, wsgi_app(bot), server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    yield NudgeBot(bot, server, url, clock, None, settings, emulator)  # type: ignore[arg-type]
    server.shutdown()
    server.server_close()
    bot.deps.workers.shutdown()


def test_the_trained_detector_nudges_dual_use_work_and_lets_everyday_traffic_pass(trained_bot: NudgeBot) -> None:
    channel = "C" + uuid.uuid4().hex[:9].upper()
    trained_bot.emulator.members[channel] = [BOT_USER_ID, MEMBER, "U0000042"]
    assert "turned on" in trained_bot.command("watch on", user=MEMBER, channel=channel)["text"]

    trained_bot.event(message(channel, "CI is red on main again, the loader test times out on the arm runners"))
    trained_bot.event(message(channel, "who's up for lunch at the ramen place? 12:30"))
    assert trained_bot.nudges_in(channel) == []

    event = message(
        channel, "we're putting the full weights of the toxin-binder design model on the public hub friday, no gating"
    )
    trained_bot.event(event)
    (nudge,) = trained_bot.nudges_in(channel)
    assert nudge["thread_ts"] == event["ts"]
    text = nudge["blocks"][0]["text"]["text"]
    assert len(text.splitlines()) <= 3
    shipped_urls = [
        line.split(":", 1)[1].strip()
        for path in documents_dir().rglob("*.md")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("url:")
    ]
    assert any(url.strip("\"'") in text for url in shipped_urls), text
