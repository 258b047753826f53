"""The spool: answers kept on local disk while the answer log's database server cannot be reached.

A record is appended as one JSON document (the rows the store would have written, user ids already pseudonymised)
to a small SQLite file in the data directory, created 0600 like the other data files, and committed with
``synchronous=FULL``: once :meth:`AnswerSpool.append` returns, the record survives a crash or a power cut. Records
come back in the order they were appended and leave the file only when the caller has written them
(:meth:`AnswerSpool.remove`), so a crash while draining leaves the record here, to be offered again; the store
makes that harmless by skipping a record whose id the database already holds.

SQLite's own locking makes the file safe for several threads and processes at once.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datadir import create_private_file

SPOOL_FILE = "answer-spool.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spooled (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    spooled_at REAL NOT NULL,
    error TEXT
)
"""


@dataclass(frozen=True)
class Spooled:
    seq: int
    answer_id: str
    payload: dict[str, Any]


class AnswerSpool:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, answer_id: str, payload: dict[str, Any]) -> int:
        """Keep one record (a second append of the same id is ignored); returns how many are waiting."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain)
        with self._connect(create=True) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "INSERT OR IGNORE INTO spooled (answer_id, payload, spooled_at) VALUES (?, ?, ?)",
                (answer_id, body, time.time()),
            )
            db.execute("COMMIT")
            return int(db.execute("SELECT count(*) FROM spooled WHERE error IS NULL").fetchone()[0])

    def waiting(self) -> int:
        """How many records wait to be written (0 when there is no spool file)."""
        if not self.path.exists():
            return 0
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM spooled WHERE error IS NULL").fetchone()[0])

    def pending(self, limit: int = 100) -> list[Spooled]:
        """The oldest waiting records, in the order they were appended."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT seq, answer_id, payload FROM spooled WHERE error IS NULL ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [Spooled(seq, answer_id, json.loads(payload)) for seq, answer_id, payload in rows]

    def remove(self, seq: int) -> None:
        """The record is in the database: forget it (durably, so a restart does not offer it again)."""
        with self._connect() as db:
            db.execute("DELETE FROM spooled WHERE seq = ?", (seq,))

    def set_aside(self, seq: int, error: str) -> None:
        """The database refused the record itself (not the connection): keep it, with why, but stop offering it, so
        one bad record does not hold back the others."""
        with self._connect() as db:
            db.execute("UPDATE spooled SET error = ? WHERE seq = ?", (error, seq))

    @contextlib.contextmanager
    def _connect(self, *, create: bool = False) -> Iterator[sqlite3.Connection]:
        if create and not self.path.exists():
            create_private_file(self.path)  # 0600 before SQLite creates it with the umask's mode
        # isolation_level=None: autocommit, each statement its own transaction unless BEGIN says otherwise.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")  # fsync at every commit: the spool is the only copy
            db.execute(_SCHEMA)
            yield db
        finally:
            db.close()


def _plain(value: Any) -> Any:
    """A numpy scalar (a score straight from the ranker) as the Python number it holds."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} cannot be kept in the spool")
