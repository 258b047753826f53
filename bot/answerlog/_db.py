"""Engines and migrations: open the database a URL names and bring its schema to the newest migration.

One Alembic history covers every table of the project's database: the answer log, the document registry
(``ingest.registry``) and the Slack tables. The migrations ship inside this package and run from code, so no
``alembic.ini`` is needed at run time. On PostgreSQL they run under an advisory lock, so processes opening an empty
database at once do not race.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from bot.datadir import create_private_file
from ingest.errors import database_unreachable

from ._errors import AnswerLogError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "answerlog_alembic_version"
CONNECT_TIMEOUT = 10  # seconds, for a new PostgreSQL connection
MIGRATION_LOCK_KEY = 0x6475616C7573  # 'dualus': one advisory lock id for this schema's migrations
WAIT_RETRY_SECONDS = 2.0  # while waiting for the database at start-up: a refused connection costs nothing
WAIT_REPORT_SECONDS = 60.0  # and a line a minute says it is still waiting


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` (libpq style) select psycopg 3, the driver we install."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise AnswerLogError(f"DUALUSE_DATABASE_URL is not a database URL: {_redact(url)}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database))  # the log is private: 0600 from the start, not SQLite's 0644
        if database and database != ":memory:" and not os.access(Path(database).parent, os.W_OK):
            # A read-only data directory: a database in WAL mode cannot create its -shm file there, so it is read
            # as immutable (nothing else can be writing to a directory nobody may write to).
            path = Path(database).resolve()
            engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?immutable=1", uri=True, timeout=30)
            )
        else:
            engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that does not answer at all (not even to refuse) must not hold an answer for the OS's TCP timeout:
    # the write fails after connect_timeout and the answer is spooled (``_writes``). A URL's own value wins.
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # a DB-API connection: untyped
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # so that purging an answer removes its passages and feedback
    # WAL: readers never wait for a writer, and a commit costs ~1 ms instead of ~25 ms (two fsyncs in the rollback
    # journal). The Slack bot claims every event here before it answers, so this is on the answer's path.
    # WAL needs to create its -wal and -shm files beside the database: on a read-only data directory (dualuse log
    # list on a mounted backup) the rollback journal's read path is kept instead.
    files = [row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main" and row[2]]
    if not files or os.access(os.path.dirname(files[0]) or ".", os.W_OK):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_database(url: str) -> Engine:
    """An engine for ``url`` with its schema at the newest migration: what the registry, the answer log and the
    Slack tables share."""
    engine = make_engine(url)
    upgrade(engine, what="the database")
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


def upgrade(engine: Engine, what: str = "the answer log") -> None:
    """Apply every migration not yet applied (a no-op when the schema is current)."""
    try:
        _migrate(engine)
    except DBAPIError as exc:
        raise AnswerLogError(f"cannot open {what} at {_redact(str(engine.url))}: {_first_line(exc)}") from None
    except SQLAlchemyError as exc:
        raise AnswerLogError(f"cannot migrate {what}: {_first_line(exc)}") from None


def wait_for_database(url: str, seconds: float, *, retry_seconds: float = WAIT_RETRY_SECONDS) -> Engine:
    """:func:`open_database`, trying again for up to ``seconds`` while the server cannot be reached (a bot started
    before its database, or while it restarts); one line when the wait begins and one a minute while it lasts.
    Any other failure, and the end of the wait, is :func:`open_database`'s one-line error. (A refused password is a
    connection failure to the driver too: it is waited for, and the line names it.)"""
    engine = make_engine(url)
    deadline = time.monotonic() + seconds
    told = 0.0  # when the last line was written (0: not yet)
    while True:
        try:
            _migrate(engine)
            if told:
                logger.warning("the database at %s is reachable: starting", _redact(url))
            return engine
        except SQLAlchemyError as exc:
            remaining = deadline - time.monotonic()
            if not database_unreachable(exc) or remaining <= 0:
                engine.dispose()
                upgrade(engine, what="the database")  # the same one-line error as without the wait
                return engine  # it answered after all
            if not told or time.monotonic() - told >= WAIT_REPORT_SECONDS:
                logger.warning(
                    "the database at %s is unreachable (%s): waiting up to %g s for it, trying every %g s",
                    _redact(url),
                    _first_line(exc),
                    seconds,
                    retry_seconds,
                )
                told = time.monotonic()
        time.sleep(min(retry_seconds, remaining))


def _migrate(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Processes starting together on an empty database (compose starts admin and bot replicas at once)
            # would all create the tables; the lock makes the others wait and then find the schema current.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        elif connection.dialect.name == "sqlite":
            # The same on SQLite (bot, admin and ingest started together on a new data dir): the write lock
            # before Alembic reads its version table, so the others wait and then find the schema current.
            # (The sqlite3 module would not begin a transaction before DDL by itself.)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
