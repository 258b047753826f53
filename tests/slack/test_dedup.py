"""Durable event de-duplication: one owner per event and per message, across threads, connections, processes and
restarts, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.answerlog import make_engine, open_database
from bot.slack.dedup import KEEP_SECONDS, EventDeduplicator, claim_keys
from tests.servers import fresh_postgresql_database
from tests.tcp_proxy import TcpProxy

RACERS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        with fresh_postgresql_database() as url:
            yield url


def event(kind: str, event_id: str, ts: str, channel: str = "C1", **extra: object) -> dict[str, object]:
    return {
        "type": "event_callback",
        "event_id": event_id,
        "event": {"type": kind, "channel": channel, "ts": ts, "user": "U1", "text": "hi", **extra},
    }


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


def test_every_delivery_of_a_message_claims_the_message() -> None:
    mention, message = event("app_mention", "Ev1", "1.000100"), event("message", "Ev2", "1.000100", thread_ts="0.1")
    assert claim_keys(mention) == ("Ev1", "message:C1:1.000100")
    assert claim_keys(message) == ("Ev2", "message:C1:1.000100")
    assert claim_keys(event("app_mention", "Ev3", "1.000100", channel="C2")) == ("Ev3", "message:C2:1.000100")
    home = {"type": "event_callback", "event_id": "Ev4", "event": {"type": "app_home_opened", "user": "U1"}}
    assert claim_keys(home) == ("Ev4",)
    assert claim_keys({"type": "block_actions", "actions": []}) == ()


def test_a_claim_is_all_or_nothing(database_url: str) -> None:
    dedup = EventDeduplicator(open_database(database_url))
    assert dedup.claim("Ev1", "message:C1:1.000100") is True
    assert dedup.claim("Ev2", "message:C1:1.000100") is False  # the same message under another event id
    assert dedup.claim("Ev1") is False
    assert dedup.claim("Ev2") is True  # the refused claim left nothing behind
    dedup.engine.dispose()


def test_deliveries_racing_for_one_message_have_one_winner(database_url: str) -> None:
    """Retries (the same event_id) and redeliveries (new ones) of one message, released together on threads with
    their own connections: the database lets exactly one through, every time."""
    dedup = EventDeduplicator(open_database(database_url))
    for round_ in range(10):
        message = f"message:C1:{round_}.000100"
        # Half are retries of one delivery, half the same message under event ids of their own.
        event_ids = [f"Ev{round_}-0" if i % 2 == 0 else f"Ev{round_}-{i}" for i in range(RACERS)]
        deliveries = [(event_id, message) for event_id in event_ids]
        barrier = threading.Barrier(RACERS)

        def claim(keys: tuple[str, str], barrier: threading.Barrier = barrier) -> bool:
            barrier.wait()
            return dedup.claim(*keys)

        with ThreadPoolExecutor(RACERS) as pool:
            outcomes = list(pool.map(claim, deliveries))
        assert sorted(outcomes) == [False] * (RACERS - 1) + [True], f"round {round_}: {outcomes}"
    dedup.engine.dispose()


def test_while_the_database_is_away_events_are_claimed_in_the_process_and_written_back() -> None:
    with fresh_postgresql_database() as url, TcpProxy(5432) as proxy:
        open_database(url).dispose()  # the tables
        engine = make_engine(url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
        dedup = EventDeduplicator(engine, retry_seconds=0.2)
        keys = claim_keys(event("app_mention", "Ev1", "1.000001"))
        proxy.stop()
        assert dedup.claim(*keys)  # the database is away: claimed here
        assert not dedup.claim(*keys)  # Slack's retry
        assert not dedup.claim("Ev2", keys[1])  # a redelivery under a new event_id
        proxy.start()
        time.sleep(0.3)  # retry_seconds: until then claims stay in the process without trying the database
        assert not dedup.claim(*keys)  # a retry after the database returned: still skipped
        assert dedup.claim("Ev3")  # the first claim that reaches the database writes the ones made meanwhile
        other_process = EventDeduplicator(open_database(url))
        assert not other_process.claim(keys[0]) and not other_process.claim(keys[1])
        assert not dedup.local.unsaved()
        engine.dispose()
