"""An exclusive lock on a file in the data directory, held by one process (and thread) at a time.

Used around each document's check-and-switch so that concurrent ``dualuse ingest`` runs on one data directory
report truthfully (one ``added``, the other ``unchanged``). The kernel releases the lock when a process dies, so a
``kill -9`` never leaves it held. It does not span machines: replicas writing to one Chroma server from several
hosts are not serialised by it (docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_local = threading.Lock()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with _local:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


@contextmanager
def file_lock_unless_read_only(path: Path) -> Iterator[None]:
    """:func:`file_lock`, or no lock where the data directory is mounted read-only: a process there writes nothing
    to it, so it has nothing to serialise, and it must still reach the clear error that says what to do."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(file_lock(path))
        except OSError as exc:
            if exc.errno not in (errno.EROFS, errno.EACCES):
                raise
        yield
