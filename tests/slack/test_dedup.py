"""Durable event de-duplication: one owner per event_id, across connections, processes and restarts."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from bot.answerlog import open_database
from bot.slack.dedup import KEEP_SECONDS, EventDeduplicator


def _claim(url: str, event_id: str, results: multiprocessing.Queue) -> None:  # runs in a child process
    engine = open_database(url)  # the tables come from the migrations, as in the bot
    results.put(EventDeduplicator(engine).claim(event_id))


def test_first_claim_wins_and_survives_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first = open_database(url)
    assert EventDeduplicator(first).claim("Ev1") is True
    assert EventDeduplicator(first).claim("Ev1") is False
    first.dispose()
    restarted = open_database(url)  # a new process would start like this
    assert EventDeduplicator(restarted).claim("Ev1") is False
    assert EventDeduplicator(restarted).claim("Ev2") is True


def test_only_one_of_several_processes_owns_an_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_claim, args=(url, "EvShared", results)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in processes]
    assert sorted(outcomes) == [False, False, False, True]


def test_old_events_are_pruned(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    dedup = EventDeduplicator(engine)
    assert dedup.claim("EvOld", now=1000.0)
    assert dedup.prune(now=1000.0 + KEEP_SECONDS + 1) == 1
    assert dedup.claim("EvOld")
