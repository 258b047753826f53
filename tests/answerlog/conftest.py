"""Answer-log fixtures: a fresh log on SQLite and on a real PostgreSQL server.

PostgreSQL is expected on 127.0.0.1:5432 (user postgres, trust auth), as `.ci/run` sets it up. Locally a missing
server skips those tests with the reason; with CI=true it fails them, so CI never passes by skipping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answerlog import AnswerLog
from tests.servers import fresh_postgresql_database


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards; the URL in its plain ``postgresql://`` form."""
    with fresh_postgresql_database() as url:
        yield url


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
