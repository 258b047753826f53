"""PostgreSQL (the answer log, the document registry, the Slack event claims) unreachable while the bot starts and
while it answers, through a TCP proxy the test cuts (tests/tcp_proxy.py; the shared server is never touched).

A real ``dualuse serve --http`` against the emulator. At start-up it waits for the database, saying so in one line,
and starts by itself once the database is back. During traffic every question is still answered exactly once: from
the corpus as last read, its answer kept in the spool and written when the database returns; Slack's retries and
redeliveries are recognised by an in-process claim while the database cannot arbitrate, and still after it returns.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, insert, select

from bot.answerlog import SPOOL_FILE, AnswerSpool, open_database
from ingest.registry import corpus_documents, corpus_retired_versions, corpus_state
from tests.servers import free_port, fresh_postgresql_database
from tests.slack.conftest import SIGNING_SECRET, ServeProcess, serving_http, start_serve, wait_until_healthy
from tests.slack.emulator import SlackEmulator
from tests.slack.test_chroma_outage import QUESTIONS
from tests.slack.test_http import click, mention, new_id, new_ts
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


@pytest.fixture
def database(shipped_index_dir: Path) -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, whose document registry is the shipped index's (so the bot does not
    index the corpus again)."""
    with fresh_postgresql_database() as url:
        engine = open_database(url)
        source = create_engine(f"sqlite:///{shipped_index_dir / 'dualuse.sqlite3'}")
        with source.connect() as rows, engine.begin() as target:
            for table in (corpus_documents, corpus_retired_versions, corpus_state):
                copied = [dict(row) for row in rows.execute(select(table)).mappings()]
                if copied:
                    target.execute(insert(table), copied)
        source.dispose()
        engine.dispose()
        yield url


@pytest.fixture
def data_dir(tmp_path: Path, shipped_index_dir: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(shipped_index_dir / "index", folder / "index")  # Chroma; the registry is in PostgreSQL
    return folder


def through(proxy: TcpProxy, url: str) -> str:
    return url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


class Questions:
    def __init__(self, bot: ServeProcess, emulator: SlackEmulator) -> None:
        self.bot, self.emulator = bot, emulator
        self.events: dict[str, tuple[dict[str, Any], str]] = {}  # tag -> (event, event_id)

    def ask(self, tag: str) -> None:
        n = len(self.events)
        event = mention(f"{QUESTIONS[n % len(QUESTIONS)]} [{tag}]", new_ts(), channel=f"CDB{tag.upper():0>6}")
        event_id = new_id()
        self.events[tag] = (event, event_id)
        assert self.bot.post_event(event, event_id)[0] == 200

    def deliver_again(self, tag: str, *, retry: bool) -> None:
        """Slack's retry (same event_id, a retry header) or a redelivery of the message under a new event_id."""
        event, event_id = self.events[tag]
        status = self.bot.post_event(event, event_id, RETRY) if retry else self.bot.post_event(event, new_id())
        assert status[0] == 200

    def replies(self, tag: str) -> tuple[int, int]:
        """(answers, private messages) the question got."""
        event, _ = self.events[tag]
        channel = event["channel"]
        answers = [
            c
            for c in self.emulator.calls_to("chat.update", channel=channel)
            if any(b.get("type") == "actions" for b in c.params.get("blocks") or [])
        ]
        return len(answers), len(self.emulator.calls_to("chat.postEphemeral", channel=channel))

    def answer_id(self, tag: str) -> str:
        """The id the answer's feedback buttons carry."""
        channel = self.events[tag][0]["channel"]
        for call in self.emulator.calls_to("chat.update", channel=channel):
            for block in call.params.get("blocks") or []:
                if block.get("type") == "actions":
                    return str(block["elements"][0]["value"])
        raise AssertionError(f"{tag} has no answer")

    def click_helpful(self, tag: str) -> str:
        """Press "Helpful" under the answer; returns the text sent back privately through the response_url."""
        payload = click(self.emulator, "feedback_helpful", self.answer_id(tag), user="U0CLICKER")
        assert self.bot.post_form({"payload": json.dumps(payload)})[0] == 200
        path = "/" + payload["response_url"].split("/", 3)[3]
        calls = self.emulator.wait_for(lambda: self.emulator.calls_to("response_url", _path=path))
        return str(calls[0].params.get("text", ""))

    def wait_answered(self, tags: list[str], timeout: float = 60) -> None:
        self.emulator.wait_for(lambda: all(sum(self.replies(t)) for t in tags), timeout=timeout)


def logged(url: str) -> list[str]:
    """The tags of the answers in the database, read past the proxy."""
    with psycopg.connect(url) as db:
        return [q.rsplit("[", 1)[-1].rstrip("]") for (q,) in db.execute("SELECT question FROM answers")]


def feedback(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as db:
        return [(answer_id, kind) for answer_id, kind in db.execute("SELECT answer_id, kind FROM feedback")]


def claimed(url: str) -> set[str]:
    with psycopg.connect(url) as db:
        return {key for (key,) in db.execute("SELECT event_id FROM slack_events")}


def wait_until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_while_the_database_is_away_every_question_is_answered_once_and_logged_when_it_returns(
    emulator: SlackEmulator, database: str, data_dir: Path, tmp_path: Path
) -> None:
    with TcpProxy(5432) as proxy:
        env = {"DUALUSE_DATABASE_URL": through(proxy, database), "DUALUSE_LOG_RETRY_SECONDS": "0.5"}
        with serving_http(data_dir, emulator, env, tmp_path / "serve.log") as bot:
            questions = Questions(bot, emulator)
            questions.ask("before")
            questions.wait_answered(["before"])

            proxy.stop()
            away = [f"away{n}" for n in range(6)]
            for tag in away:
                questions.ask(tag)
            questions.deliver_again("away0", retry=True)  # Slack retries while the database is away...
            questions.deliver_again("away1", retry=False)  # ...and redelivers a message under a new event_id
            questions.wait_answered(away)
            away_click = questions.click_helpful("before")  # feedback cannot wait in the spool: the user is told

            proxy.start()
            questions.deliver_again("away2", retry=True)  # a retry arriving after the database is back
            questions.ask("back")
            questions.wait_answered(["back"])
            spool = AnswerSpool(data_dir / SPOOL_FILE)
            wait_until(lambda: spool.waiting() == 0)
            back_click = questions.click_helpful("away3")  # an answer given while away, written since
            time.sleep(2.0)  # a late second answer would show now
            log = bot.log()

        tags = ["before", *away, "back"]
        assert {tag: questions.replies(tag) for tag in tags} == {tag: (1, 0) for tag in tags}, log[-3000:]
        assert sorted(logged(database)) == sorted(tags)  # each answer written once, none lost
        assert "answer log is unreachable" in away_click and "click again" in away_click, away_click
        assert back_click.startswith("Thanks"), back_click
        assert feedback(database) == [(questions.answer_id("away3"), "helpful")]
        # The claims made in-process while the database was away were written back once it returned, so another
        # bot process would not answer those events either.
        for tag in away:
            event, event_id = questions.events[tag]
            assert {event_id, f"message:{event['channel']}:{event['ts']}"} <= claimed(database), tag
        assert "Traceback" not in log, log[-3000:]
        assert "kept in" in log and "database is back" in log  # the spool at work
        fallback = [line for line in log.splitlines() if "claiming Slack events in this process" in line]
        assert fallback, log[-3000:]


def test_the_bot_waits_for_the_database_at_start_up_and_then_serves(
    emulator: SlackEmulator, database: str, data_dir: Path, tmp_path: Path
) -> None:
    proxy = TcpProxy(5432)  # not started: the database is unreachable when the bot starts
    log_path = tmp_path / "serve.log"
    port = free_port()
    env = {
        "DUALUSE_DATABASE_URL": through(proxy, database),
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    bot = start_serve(["--http", "--host", "127.0.0.1", "--port", str(port)], data_dir, emulator, env, log_path)
    bot.url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: "waiting" in bot.log(), timeout=60)
        time.sleep(3.0)
        assert bot.process.poll() is None, bot.log()
        waiting = [line for line in bot.log().splitlines() if "unreachable" in line]
        assert len(waiting) == 1, waiting  # one line, not one a retry
        assert "waiting up to 300 s" in waiting[0] and "Traceback" not in bot.log()

        proxy.start()
        wait_until_healthy(bot)
        questions = Questions(bot, emulator)
        questions.ask("started")
        questions.wait_answered(["started"])
        assert questions.replies("started") == (1, 0)
        assert logged(database) == ["started"]
        assert "Traceback" not in bot.log()
    finally:
        bot.stop()
        proxy.stop()


def test_the_bot_gives_up_waiting_with_one_line(emulator: SlackEmulator, data_dir: Path, tmp_path: Path) -> None:
    proxy = TcpProxy(5432)  # never started
    env = {
        "DUALUSE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{proxy.port}/nowhere",
        "DUALUSE_DATABASE_WAIT_SECONDS": "2",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    bot = start_serve(["--http", "--port", "0"], data_dir, emulator, env, tmp_path / "serve.log")
    assert bot.process.wait(timeout=120) == 1
    output = bot.log()
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1].startswith("error: cannot open the database at postgresql"), output
    assert len([line for line in output.splitlines() if "waiting up to 2 s" in line]) == 1, output
