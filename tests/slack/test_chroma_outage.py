"""The Chroma server killed (SIGKILL) and started again while Slack questions keep coming.

A real ``chroma run`` server holds the index (the shipped corpus, its files copied from the session's indexed data
directory, which Chroma's server reads as they are) and a real ``dualuse serve --http`` answers mentions from the
emulator. The server is killed in the middle of the traffic and started again 3 s later on the same port and data
path. Every question gets exactly one reply: its answer, or a one-line apology that says the search index is
unreachable (no traceback in the bot's output); questions asked after the restart are answered without restarting the
bot; every answer shown is in the answer log once, and nothing else is.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ChromaServer
from tests.slack.conftest import ServeProcess, serving_http
from tests.slack.emulator import SlackEmulator
from tests.slack.test_http import mention, new_id, new_ts

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What are the Hague Ethical Guidelines?",
    "What does the UN Secretary-General say about lethal autonomous weapons?",
    "What is dual-use research of concern?",
    "How should a lab screen synthetic DNA orders?",
]


class Asking:
    """Mentions, each in its own channel and tagged ``[qN]`` so that its answer can be found in the log."""

    def __init__(self, bot: ServeProcess) -> None:
        self.bot = bot
        self.asked: list[tuple[str, str, str]] = []  # (tag, channel, ts)
        self.lock = threading.Lock()

    def ask(self) -> str:
        with self.lock:
            n = len(self.asked)
            tag, channel, ts = f"q{n}", f"CCHROMA{n:03d}", new_ts()
            self.asked.append((tag, channel, ts))
        event = mention(f"{QUESTIONS[n % len(QUESTIONS)]} [{tag}]", ts, channel=channel)
        assert self.bot.post_event(event, new_id())[0] == 200
        return tag


def feedback_buttons(blocks: list[dict[str, Any]] | None) -> bool:
    elements = [e for b in blocks or [] if b.get("type") == "actions" for e in b.get("elements", [])]
    return any(e.get("action_id") == "feedback_helpful" for e in elements)


def replies(emulator: SlackEmulator, channel: str, ts: str) -> tuple[list[dict], list[dict]]:
    """The answers (progress message turned into an answer) and the private apologies a question got."""
    answers = [
        c.params for c in emulator.calls_to("chat.update", channel=channel) if feedback_buttons(c.params["blocks"])
    ]
    apologies = [c.params for c in emulator.calls_to("chat.postEphemeral", channel=channel, thread_ts=ts)]
    return answers, apologies


def logged_tags(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [q.rsplit("[", 1)[-1].rstrip("]") for (q,) in db.execute("SELECT question FROM answers")]


def test_chroma_killed_and_restarted_during_traffic(
    emulator: SlackEmulator, tmp_path: Path, shipped_index_dir: Path
) -> None:
    shutil.copytree(shipped_index_dir / "index", tmp_path / "chroma")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy2(shipped_index_dir / "dualuse.sqlite3", data_dir / "dualuse.sqlite3")  # the registry
    chroma = ChromaServer(tmp_path / "chroma").start()
    try:
        env = {"DUALUSE_CHROMA_URL": chroma.url}
        with serving_http(data_dir, emulator, env, tmp_path / "serve.log") as bot:
            asking = Asking(bot)
            first = asking.ask()
            emulator.wait_for(lambda: replies(emulator, *asking.asked[0][1:])[0], timeout=60)
            done = threading.Event()

            def traffic() -> None:
                while not done.is_set():
                    asking.ask()
                    time.sleep(0.25)

            sender = threading.Thread(target=traffic)
            sender.start()
            try:
                time.sleep(2.0)
                chroma.kill()
                # Down until a question has met the outage: on a loaded machine the queued questions can take
                # longer than any fixed pause to reach the index.
                emulator.wait_for(
                    lambda: any(replies(emulator, channel, ts)[1] for _, channel, ts in list(asking.asked)),
                    timeout=90,
                )
                chroma.start()
                time.sleep(2.0)
            finally:
                done.set()
                sender.join()
            after = [asking.ask() for _ in range(4)]  # the bot was not restarted

            outcome: dict[str, tuple[int, list[str]]] = {}  # tag -> (answers, apology texts)
            deadline = time.monotonic() + 90
            for tag, channel, ts in asking.asked:
                while True:
                    answers, apologies = replies(emulator, channel, ts)
                    if answers or apologies or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                outcome[tag] = (len(answers), [a["text"] for a in apologies])
            time.sleep(2.0)  # a late second reply would show now
            for tag, channel, ts in asking.asked:
                answers, apologies = replies(emulator, channel, ts)
                assert (len(answers), [a["text"] for a in apologies]) == outcome[tag], f"{tag} replied to twice"
            log = bot.log()

        no_reply = [tag for tag, (answers, apologies) in outcome.items() if not answers and not apologies]
        assert not no_reply, f"no reply (a hang) to {no_reply}\n{log[-3000:]}"
        assert all(answers + len(apologies) == 1 for answers, apologies in outcome.values()), outcome
        apologised = {tag: texts[0] for tag, (_, texts) in outcome.items() if texts}
        assert apologised, "the outage was missed: every question was answered"
        for text in apologised.values():
            assert "search index" in text and "unreachable" in text and "\n" not in text, text
        assert first not in apologised and not set(after) & set(apologised), apologised
        assert "Traceback" not in log, log[-3000:]

        answered = sorted(tag for tag, (answers, _) in outcome.items() if answers)
        assert sorted(logged_tags(data_dir / "dualuse.sqlite3")) == answered  # each shown answer once, nothing else
        print(f"{len(outcome)} questions: {len(answered)} answered, {len(apologised)} apologies while Chroma was away")
    finally:
        chroma.stop()
