"""The data directory is private to the user that runs the assistant.

It holds the answer log (questions, answers, pseudonymisation and session keys) and the index, so it is created
with mode 0700, and an existing one that group or others can read is tightened to 0700 (only when this user owns
it; otherwise one warning). The SQLite answer log is created 0600. A read-only data directory is left as it is:
read commands still work there.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)


def prepare_data_dir(path: Path) -> None:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as exc:
        logger.warning("cannot create the data directory %s: %s", path, exc)
        return
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    if info.st_uid != os.getuid():
        logger.warning("the data directory %s is readable by others and owned by another user", path)
        return
    try:
        path.chmod(0o700)
    except OSError as exc:  # a read-only file system: nothing is written there either
        logger.info("could not make %s private (%s)", path, exc)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (so SQLite never creates it world-readable)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        logger.debug("could not pre-create %s: %s", path, exc)
