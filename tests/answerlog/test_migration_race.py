"""Issue 14, item 13: several processes opening an empty PostgreSQL database at once all get a migrated log."""

from __future__ import annotations

import multiprocessing

from bot.answerlog import AnswerLog


def _open(url: str) -> str:
    try:
        log = AnswerLog.open(url, pseudonym_key=None)
        try:
            return "ok" if log.ping() == "ok" and log.list().total == 0 else "bad"
        finally:
            log.close()
    except Exception as exc:  # noqa: BLE001 - report it to the test
        return f"{type(exc).__name__}: {exc}"


def test_concurrent_first_use_of_an_empty_postgresql_database(postgresql_url: str) -> None:
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        for _ in range(2):  # the first round races the migrations; the second finds them done
            results = pool.map(_open, [postgresql_url] * 6)
            assert results == ["ok"] * 6, results
