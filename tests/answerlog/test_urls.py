"""Database URLs: the libpq form works as written and maps to the installed psycopg 3 driver."""

from __future__ import annotations

import pytest

from bot.answerlog import AnswerLogError, normalise_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://user@host:5432/db", "postgresql+psycopg://user@host:5432/db"),
        ("postgres://user:pw@host/db", "postgresql+psycopg://user:pw@host/db"),
        ("postgresql+psycopg://user@host/db", "postgresql+psycopg://user@host/db"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_a_malformed_url_is_one_clear_line() -> None:
    with pytest.raises(AnswerLogError, match="DUALUSE_DATABASE_URL is not a database URL"):
        normalise_url("not a url")
