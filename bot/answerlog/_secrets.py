"""Keys the log and the admin page need, kept in the data directory when the settings do not provide them.

``load_or_create_secret`` never returns an empty or partial secret, also when several processes (compose starts the
admin and the bot replicas together on one volume) use it for the first time at once: the new secret is written to
a private temporary file first and then linked into place, which is atomic and fails if another process won, so a
reader sees no file or a complete one. An empty file (a crash of an older version mid-write) is one clear error.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path

from pydantic import SecretStr

from ingest.errors import ConfigurationError

logger = logging.getLogger(__name__)

EMPTY_WAIT_SECONDS = 1.0  # an older version creates the file first and writes it a moment later


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _existing(path: Path) -> str:
    deadline = time.monotonic() + EMPTY_WAIT_SECONDS
    while not (value := _read(path)) and time.monotonic() < deadline:
        time.sleep(0.02)
    if not value:
        raise ConfigurationError(f"{path} is empty; delete it (a new secret is then created) or set the secret")
    return value


def load_or_create_secret(path: Path, configured: SecretStr | None = None) -> str:
    """The ``configured`` secret when set; else the one in ``path``, created (random, owner-only) on first use."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    if path.exists():
        return _existing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(staging, path)  # atomic, and refuses to replace a secret another process just made
        except FileExistsError:
            return _existing(path)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
            return _create_exclusive(path, value)  # a file system without hard links
    finally:
        staging.unlink(missing_ok=True)
    logger.info("created a new secret in %s", path)
    return value


def _create_exclusive(path: Path, value: str) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _existing(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def pseudonymise(value: str, key: bytes | None) -> str:
    """A keyed hash of a Slack user or channel id (the same id always maps to the same pseudonym); raw when no key."""
    if not value or key is None:
        return value
    return "p_" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]
