"""Answer-log fixtures: a fresh log on SQLite and on a real PostgreSQL server.

PostgreSQL is expected on 127.0.0.1:5432 (user postgres, trust auth), as `.ci/run` sets it up. Locally a missing
server skips those tests with the reason; with CI=true it fails them, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answerlog import AnswerLog

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def _pg_connect():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is not reachable on 127.0.0.1:5432 as user postgres ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards; the URL in its plain ``postgresql://`` form."""
    name = f"dualuse_test_{uuid.uuid4().hex[:12]}"
    with _pg_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with _pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def log(database_url: str) -> Iterator[AnswerLog]:
    store = AnswerLog.open(database_url, pseudonym_key=b"test-key")
    yield store
    store.close()
