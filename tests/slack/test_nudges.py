"""Nudges in team channels (issue 17), end to end through the real Bolt app and its HTTP adapter against the Slack
emulator: the opt-in, the limits (one per thread, N per channel and day, a quiet week after "don't nudge"), the
buttons, the App Home, and that nothing of a message that did not trigger a nudge is stored or logged.

The detector is ``MarkerNoticer`` (nudge_helpers.py), a deterministic stand-in for the trained one."""

from __future__ import annotations

import logging
import shutil
import socketserver
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from bot.answerlog import PSEUDONYM_KEY_FILE, pseudonymise
from bot.app import Application
from bot.cli import app as cli_app
from bot.settings import load_settings
from bot.slack.app import build_app
from bot.slack.server import wsgi_app
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, TRAINER
from tests.slack.emulator import BOT_ID, BOT_USER_ID, SlackEmulator
from tests.slack.nudge_helpers import TRIGGER, Clock, MarkerNoticer, NudgeBot, message, services_for
from tests.slack.test_http import all_text, new_ts
from tests.slack.trainer_helpers import STRANGER

MEMBER = "U0MEMBER01"
PER_DAY = 2


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def nudge_bot(
    emulator: SlackEmulator, tmp_path_factory: pytest.TempPathFactory, shipped_index_dir: Path
) -> Iterator[NudgeBot]:
    data_dir = tmp_path_factory.mktemp("nudge-data")
    shutil.copytree(shipped_index_dir, data_dir / "index")
    settings = load_settings(
        data_dir=str(data_dir),
        trainers=TRAINER,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=emulator.api_url,
        nudges_per_day=PER_DAY,
        nudge_quiet_days=7,
        log_level="DEBUG",
    )
    clock, noticer = Clock(), MarkerNoticer()
    application = Application(settings, services_for(settings, noticer, clock))
    bot = build_app(settings, application, http=True)
    server = make_server("127.0.0.1", 0, wsgi_app(bot), server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield NudgeBot(bot, server, f"http://127.0.0.1:{server.server_address[1]}", clock, noticer, settings, emulator)
    server.shutdown()
    server.server_close()
    bot.deps.workers.shutdown()


def new_channel(emulator: SlackEmulator, *members: str) -> str:
    channel = "C" + uuid.uuid4().hex[:9].upper()
    emulator.members[channel] = [BOT_USER_ID, MEMBER, "U0000042", *members]
    return channel


def watched(bot: NudgeBot) -> str:
    channel = new_channel(bot.emulator)
    reply = bot.command("watch on", user=MEMBER, channel=channel)
    assert reply["response_type"] == "in_channel" and "turned on dual-use nudges" in reply["text"]
    return channel


# -- the opt-in -----------------------------------------------------------------------------------------------------
def test_nudges_are_off_in_a_channel_nobody_opted_in(nudge_bot: NudgeBot) -> None:
    channel = new_channel(nudge_bot.emulator)
    calls = nudge_bot.noticer.calls
    nudge_bot.event(message(channel, f"we are fine-tuning the {TRIGGER} on toxin families"))
    assert nudge_bot.nudges_in(channel) == []
    assert nudge_bot.noticer.calls == calls, "a message in an unwatched channel is not even judged"
    assert "off" in nudge_bot.command("watch status", user=MEMBER, channel=channel)["text"]


def test_watch_on_off_and_status_are_recorded_with_who_and_when(nudge_bot: NudgeBot) -> None:
    channel = new_channel(nudge_bot.emulator)
    on = nudge_bot.command("watch on", user=MEMBER, channel=channel)
    assert on["response_type"] == "in_channel" and f"<@{MEMBER}>" in on["text"]
    state = nudge_bot.app.nudges.status(channel)
    key = (nudge_bot.data_dir / PSEUDONYM_KEY_FILE).read_text().strip().encode()
    assert state is not None and state.watching
    assert (state.set_by, state.set_at) == (pseudonymise(MEMBER, key), nudge_bot.clock.now)
    assert "*on*" in nudge_bot.command("watch status", user=STRANGER, channel=channel)["text"]

    nudge_bot.clock.advance(minutes=5)
    off = nudge_bot.command("watch off", user=TRAINER, channel=channel)  # a trainer need not be a member
    assert "turned off" in off["text"]
    state = nudge_bot.app.nudges.status(channel)
    assert state is not None and not state.watching
    assert (state.set_by, state.set_at) == (pseudonymise(TRAINER, key), nudge_bot.clock.now)
    assert "*off*" in nudge_bot.command("watch status", user=MEMBER, channel=channel)["text"]


def test_someone_outside_the_channel_who_is_no_trainer_is_refused_in_one_line(nudge_bot: NudgeBot) -> None:
    channel = new_channel(nudge_bot.emulator)
    reply = nudge_bot.command("watch on", user=STRANGER, channel=channel)
    assert reply["response_type"] == "ephemeral" and "\n" not in reply["text"]
    assert "Only members of this channel and trainers" in reply["text"]
    assert nudge_bot.app.nudges.status(channel) is None


def test_watch_is_refused_in_direct_messages_and_needs_the_bot_in_the_channel(nudge_bot: NudgeBot) -> None:
    for channel, name in (("D0NUDGE01", "directmessage"), ("G0NUDGE01", "mpdm-ann--bob-1")):
        reply = nudge_bot.command("watch on", user=MEMBER, channel=channel, channel_name=name)
        assert "not in a direct message" in reply["text"]
        assert nudge_bot.app.nudges.status(channel) is None
    reply = nudge_bot.command("watch on", user=MEMBER, channel="C0NOTINVITED")  # the bot cannot list its members
    assert "Invite me to this channel first" in reply["text"]
    assert "Usage" in nudge_bot.command("watch sometimes", user=MEMBER, channel="C0NOTINVITED")["text"]


# -- noticing -------------------------------------------------------------------------------------------------------
def test_a_watched_channel_gets_one_short_threaded_nudge_with_guidance_and_buttons(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    event = message(channel, f"Anyone used the {TRIGGER} to redesign binding sites?")
    nudge_bot.event(event)
    (nudge,) = nudge_bot.nudges_in(channel)
    assert nudge["thread_ts"] == event["ts"]
    text = nudge["blocks"][0]["text"]["text"]
    assert len(text.splitlines()) <= 3
    assert "screening helps" in text and "*[1]* <https://responsiblebiodesign.ai/|A code of conduct" in text
    assert f"<@{BOT_USER_ID}>" in text
    labels = [b["text"]["text"] for b in nudge["blocks"][-1]["elements"]]
    assert labels == ["Useful", "Not now", "Don't nudge this channel"]


def test_no_nudge_in_a_direct_message_or_on_a_bots_message(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    text = f"release notes for the {TRIGGER}"
    nudge_bot.event(message(channel, text, channel_type="mpim"))
    nudge_bot.event(message(channel, text, bot_id="B0OTHERBOT", subtype="bot_message"))
    nudge_bot.event(message(channel, text, user=BOT_USER_ID, bot_id=BOT_ID))
    assert nudge_bot.nudges_in(channel) == []
    assert nudge_bot.app.nudges.consider(channel, "im", "U1", new_ts(), None, text, False) is None
    assert nudge_bot.app.nudges.consider(channel, "channel", "U1", new_ts(), None, text, True) is None


def test_a_message_that_mentions_the_bot_is_answered_not_nudged(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    calls = nudge_bot.noticer.calls
    # The message event of a mention (its app_mention twin is what answers it): the nudge listener leaves it alone.
    nudge_bot.event(message(channel, f"<@{BOT_USER_ID}> is the {TRIGGER} dual-use?"))
    assert nudge_bot.nudges_in(channel) == [] and nudge_bot.noticer.calls == calls


def test_at_most_one_nudge_per_thread(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    root = message(channel, f"kick-off: {TRIGGER} for enzyme work")
    nudge_bot.event(root)
    assert len(nudge_bot.nudges_in(channel)) == 1
    nudge_bot.event(message(channel, f"and the {TRIGGER} weights go public", thread_ts=root["ts"]))
    assert len(nudge_bot.nudges_in(channel)) == 1
    assert not [
        c for c in nudge_bot.emulator.calls_to("chat.postMessage", channel=channel) if "Looking" in c.params["text"]
    ]


def test_a_reply_in_someone_elses_thread_can_be_nudged_in_that_thread(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    root = message(channel, "weekly sync notes")
    nudge_bot.emulator.seed(channel, root)
    nudge_bot.event(root)
    nudge_bot.event(message(channel, f"I will try the {TRIGGER} tomorrow", thread_ts=root["ts"]))
    (nudge,) = nudge_bot.nudges_in(channel)
    assert nudge["thread_ts"] == root["ts"]


def test_n_per_channel_per_day_then_none_until_the_next_day(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    nudge_bot.clock.now = nudge_bot.clock.now.replace(hour=8, minute=0)
    for _ in range(PER_DAY + 2):
        nudge_bot.event(message(channel, f"thread about the {TRIGGER}"))
    assert len(nudge_bot.nudges_in(channel)) == PER_DAY
    other = watched(nudge_bot)  # the limit is per channel
    nudge_bot.event(message(other, f"thread about the {TRIGGER}"))
    assert len(nudge_bot.nudges_in(other)) == 1
    nudge_bot.clock.advance(hours=15, minutes=59)  # 23:59 UTC: still the same day
    nudge_bot.event(message(channel, f"late thread about the {TRIGGER}"))
    assert len(nudge_bot.nudges_in(channel)) == PER_DAY
    nudge_bot.clock.advance(minutes=2)  # the next UTC day
    nudge_bot.event(message(channel, f"new day, new {TRIGGER}"))
    assert len(nudge_bot.nudges_in(channel)) == PER_DAY + 1


def test_dont_nudge_quiets_the_channel_for_seven_days_then_nudges_come_back(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    nudge_bot.event(message(channel, f"plan for the {TRIGGER}"))
    (nudge,) = nudge_bot.nudges_in(channel)
    update = nudge_bot.click("nudge_dont_nudge", nudge, user=MEMBER, channel=channel)
    assert update["replace_original"] is True and "no nudges in this channel for 7 days" in all_text(update["blocks"])
    assert not [b for b in update["blocks"] if b["type"] == "actions"]
    status = nudge_bot.command("watch status", user=MEMBER, channel=channel)["text"]
    assert "*on*" in status and "none until" in status  # still watched, only paused

    nudge_bot.clock.advance(days=6, hours=23)
    nudge_bot.event(message(channel, f"again the {TRIGGER}"))
    assert len(nudge_bot.nudges_in(channel)) == 1
    nudge_bot.clock.advance(hours=1, minutes=1)
    nudge_bot.event(message(channel, f"and again the {TRIGGER}"))
    assert len(nudge_bot.nudges_in(channel)) == 2


def test_buttons_record_feedback_against_the_logged_nudge(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    nudge_bot.event(message(channel, f"sharing the {TRIGGER} checkpoint", user="U0AUTHOR1"))
    (nudge,) = nudge_bot.nudges_in(channel)
    update = nudge_bot.click("nudge_useful", nudge, user=MEMBER, channel=channel)
    assert "Marked *useful*" in all_text(update["blocks"])
    nudge_bot.click("nudge_not_now", nudge, user="U0000042", channel=channel)
    nudge_bot.click("nudge_not_now", nudge, user=MEMBER, channel=channel)  # a second click changes the first
    page = nudge_bot.app.review.nudges.list(channel=channel)
    (item,) = page.items
    assert sorted(item.feedback) == ["not_now", "not_now"]
    assert (item.channel, item.topic, item.score) == (channel, "protein_design", 0.87)
    record = nudge_bot.app.review.get(item.id)
    key = (nudge_bot.data_dir / PSEUDONYM_KEY_FILE).read_text().strip().encode()
    assert (record.surface, record.user, record.channel) == (
        "nudge",
        pseudonymise("U0AUTHOR1", key),
        pseudonymise(channel, key),
    )
    assert record.question == f"sharing the {TRIGGER} checkpoint" and record.citations[0].url.startswith("https://")


def test_a_retried_or_redelivered_event_does_not_nudge_twice(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    event = message(channel, f"the {TRIGGER} run finished")
    event_id = nudge_bot.event(event)
    nudge_bot.event(event, event_id, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    nudge_bot.event(event)  # the same message under a new event id
    assert len(nudge_bot.nudges_in(channel)) == 1
    assert nudge_bot.app.review.nudges.list(channel=channel).total == 1


# -- privacy --------------------------------------------------------------------------------------------------------
def test_nothing_of_a_message_that_did_not_trigger_a_nudge_is_stored_or_logged(
    nudge_bot: NudgeBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = f"okapi-{uuid.uuid4().hex}"
    channel, unwatched = watched(nudge_bot), new_channel(nudge_bot.emulator)
    calls = nudge_bot.noticer.calls
    nudge_bot.event(message(channel, f"lunch plans {marker}"))
    nudge_bot.event(message(channel, f"reply {marker}", thread_ts=new_ts()))
    nudge_bot.event(message(unwatched, f"elsewhere {marker}"))
    nudge_bot.event(message(channel, f"the {TRIGGER} is ready"))  # one that does trigger, for contrast
    assert nudge_bot.noticer.calls == calls + 3  # the watched channel's messages were judged
    assert len(nudge_bot.nudges_in(channel)) == 1

    engine = nudge_bot.app.database
    metadata = MetaData()
    metadata.reflect(engine)
    stored = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            stored += [repr(tuple(row)) for row in connection.execute(select(table))]
    assert any(TRIGGER in row for row in stored), "the triggering message is kept"
    assert not [row for row in stored if marker in row]
    for path in nudge_bot.data_dir.glob("dualuse.sqlite3*"):
        assert marker.encode() not in path.read_bytes(), path.name
    assert caplog.records and TRIGGER not in caplog.text
    assert marker not in caplog.text


# -- review ---------------------------------------------------------------------------------------------------------
def test_the_app_home_lists_the_watched_channels(nudge_bot: NudgeBot) -> None:
    channel = watched(nudge_bot)
    stopped = watched(nudge_bot)
    nudge_bot.command("watch off", user=MEMBER, channel=stopped)
    user = "U0HOME0001"
    nudge_bot.event(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": "home", "event_ts": new_ts()}
    )
    view = nudge_bot.emulator.wait_for(lambda: nudge_bot.emulator.calls_to("views.publish", user_id=user))[0].params[
        "view"
    ]
    text = all_text(view["blocks"])
    assert "Watched channels" in text and f"<#{channel}>" in text and f"<#{stopped}>" not in text


def test_log_list_surface_nudge_lists_the_nudges(nudge_bot: NudgeBot, monkeypatch: pytest.MonkeyPatch) -> None:
    channel = watched(nudge_bot)
    nudge_bot.event(message(channel, f"listing check {TRIGGER}"))
    monkeypatch.setenv("DUALUSE_DATA_DIR", str(nudge_bot.data_dir))
    result = CliRunner().invoke(cli_app, ["log", "list", "--surface", "nudge", "--limit", "500"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "listing check" in line)
    assert "nudge" in line and "0.87" in line and "protein_design" in line
    bad = CliRunner().invoke(cli_app, ["log", "list", "--surface", "carrier-pigeon"])
    assert bad.exit_code != 0 and "unknown surface 'carrier-pigeon'" in bad.output
