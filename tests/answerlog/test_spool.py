"""Answers given while the answer log's PostgreSQL server cannot be reached are kept and written when it returns.

The server "goes away" behind a TCP proxy the test owns (tests/tcp_proxy.py): stopping the proxy refuses new
connections and resets the open ones, as a stopped server does, without touching the PostgreSQL server other tests
share. The records are then read back over a direct connection.
"""

from __future__ import annotations

import logging
import shutil
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.answerlog import SPOOL_FILE, AnswerLog, AnswerSpool
from bot.app.metrics import Metrics
from bot.app.questions import Questions
from bot.core.engine import AnswerEngine
from tests.answerlog.samples import make_answer
from tests.tcp_proxy import TcpProxy

RETRY = 0.3  # seconds before the log tries the server again (DUALUSE_LOG_RETRY_SECONDS)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy(5432) as proxy:
        yield proxy


def through(proxy: TcpProxy, postgresql_url: str) -> str:
    return postgresql_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


def logged(postgresql_url: str) -> list[tuple[str, str]]:
    """(id, question) of every logged answer, in the order the rows were inserted, read past the proxy."""
    with psycopg.connect(postgresql_url) as db:
        return [(row[0], row[1]) for row in db.execute("SELECT id, question FROM answers ORDER BY ctid")]


def wait_until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def one_line_notices(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    notices = [r.getMessage() for r in caplog.records if text in r.getMessage()]
    assert all("\n" not in n for n in notices)
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]  # no traceback shown
    return notices


def test_answers_given_while_the_database_is_down_are_written_when_it_returns(
    postgresql_url: str, proxy: TcpProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.answerlog")
    spool = AnswerSpool(tmp_path / SPOOL_FILE)
    log = AnswerLog.open(through(proxy, postgresql_url), pseudonym_key=b"k", spool=spool, retry_seconds=RETRY)
    try:
        before = log.record(make_answer("asked before"), surface="cli")
        proxy.stop()
        started = time.monotonic()
        kept = [log.record(make_answer(f"asked while down {n}"), surface="slack", user="U1") for n in range(5)]
        down_ms = (time.monotonic() - started) * 1000 / len(kept)
        assert down_ms < 1000  # refused at once, then straight to the spool: the user does not wait
        assert spool.waiting() == 5
        assert stat.S_IMODE(spool.path.stat().st_mode) == 0o600
        assert len(one_line_notices(caplog, "kept in")) == 5
        assert [q for _, q in logged(postgresql_url)] == ["asked before"]

        proxy.start()  # the server is back: the background retry writes them, oldest first, with no new answer
        wait_until(lambda: spool.waiting() == 0)
        assert logged(postgresql_url) == [(before, "asked before")] + [
            (answer_id, f"asked while down {n}") for n, answer_id in enumerate(kept)
        ]
        assert one_line_notices(caplog, "database is back") == [
            f"the answer log's database is back: wrote 5 kept answer(s) from {spool.path}"
        ]
        for answer_id in kept:  # each is a whole record, and feedback attaches to it
            log.record_feedback(answer_id, "helpful", user="U1")
            record = log.get(answer_id)
            assert [f.kind for f in record.feedback] == ["helpful"]
            assert len(record.passages) == 3 and len(record.citations) == 1
            assert record.user and record.user != "U1"  # pseudonymised before it was kept
    finally:
        log.close()


def test_a_crash_between_writing_and_forgetting_a_kept_answer_does_not_write_it_twice(
    postgresql_url: str, proxy: TcpProxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.answerlog")
    spool = AnswerSpool(tmp_path / SPOOL_FILE)
    log = AnswerLog.open(through(proxy, postgresql_url), pseudonym_key=b"k", spool=spool, retry_seconds=60)
    proxy.stop()
    answer_id = log.record(make_answer("kept"), surface="cli")
    log.close()
    snapshot = tmp_path / "before-drain.sqlite3"
    shutil.copy2(spool.path, snapshot)
    proxy.start()
    # A second process (the restarted bot) writes the kept answer at start-up...
    restarted = AnswerLog.open(through(proxy, postgresql_url), pseudonym_key=b"k", spool=spool, retry_seconds=60)
    wait_until(lambda: spool.waiting() == 0)
    restarted.close()
    # ...and is killed before the spool's removal reached the disk: the record is offered again on the next start.
    shutil.copy2(snapshot, spool.path)
    assert spool.waiting() == 1
    again = AnswerLog.open(postgresql_url, pseudonym_key=b"k", spool=spool, retry_seconds=60)
    try:
        wait_until(lambda: spool.waiting() == 0)
        assert logged(postgresql_url) == [(answer_id, "kept")]
        assert any("already in the database" in r.getMessage() for r in caplog.records)
        again.record_feedback(answer_id, "flag", user="U2")
        assert [f.kind for f in again.get(answer_id).feedback] == ["flag"]
    finally:
        again.close()


QUESTIONS = [
    "What are the Hague Ethical Guidelines?",
    "What does the UN Secretary-General say about lethal autonomous weapons?",
    "What is dual-use research of concern?",
    "How should a lab screen synthetic DNA orders?",
]


def test_a_database_restart_during_traffic_loses_no_answer_and_logs_none_twice(
    postgresql_url: str,
    proxy: TcpProxy,
    tmp_path: Path,
    shipped_engine: AnswerEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.answerlog")
    spool = AnswerSpool(tmp_path / SPOOL_FILE)
    log = AnswerLog.open(through(proxy, postgresql_url), pseudonym_key=b"k", spool=spool, retry_seconds=RETRY)
    questions = Questions(shipped_engine, log, Metrics())
    results: list[tuple[str, str, str]] = []  # (question, answer id, log error)
    failures: list[BaseException] = []
    done = threading.Event()

    def ask(worker: int) -> None:
        n = 0
        while not done.is_set() or n < 4:
            question = f"{QUESTIONS[n % len(QUESTIONS)]} (worker {worker}, #{n})"
            try:
                asked = questions.ask(question, surface="slack", user=f"U{worker}")
            except BaseException as exc:  # noqa: BLE001 - any exception is a question left unanswered
                failures.append(exc)
                return
            assert asked.answer.text
            results.append((question, asked.answer_id, asked.log_error))
            n += 1

    def write(worker: int) -> None:  # denser traffic: answers logged as fast as the database takes them
        n = 0
        while not done.is_set():
            question = f"logged directly (writer {worker}, #{n})"
            try:
                answer_id = log.record(make_answer(question), surface="cli")
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)
                return
            results.append((question, answer_id, ""))
            n += 1
            time.sleep(0.005)

    workers = [threading.Thread(target=ask, args=(w,)) for w in range(3)]
    workers += [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for worker in workers:
        worker.start()
    try:
        # A restart: every connection reset at once, three times; then the server away for 2 s and back.
        for _ in range(3):
            time.sleep(0.7)
            proxy.drop_connections()
        time.sleep(0.5)
        proxy.stop()
        time.sleep(2.0)
        proxy.start()
        time.sleep(0.5)
        proxy.drop_connections()
        time.sleep(0.5)
    finally:
        done.set()
        for worker in workers:
            worker.join(timeout=60)
    try:
        assert not failures
        assert all(answer_id and not error for _, answer_id, error in results), results
        wait_until(lambda: spool.waiting() == 0 and log.write_kept())
        rows = logged(postgresql_url)
        assert sorted(rows) == sorted((answer_id, question) for question, answer_id, _ in results)  # once each
        assert len({answer_id for answer_id, _ in rows}) == len(rows)
        kept = sum(len(r.getMessage().split(" kept in ")) - 1 for r in caplog.records)
        asked = sum(1 for q, _, _ in results if "worker" in q)
        print(f"{asked} questions and {len(results) - asked} direct writes, {kept} kept while the database was away,")
        again = sum("already in the database" in r.getMessage() for r in caplog.records)
        print(f"{proxy.accepted} connections opened, {again} kept answers found already written")
        assert kept  # the outage was met, not missed
    finally:
        log.close()
