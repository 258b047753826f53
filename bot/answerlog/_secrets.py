"""Keys the log and the admin page need, kept in the data directory when the settings do not provide them."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

logger = logging.getLogger(__name__)


def load_or_create_secret(path: Path, configured: SecretStr | None = None) -> str:
    """The ``configured`` secret when set; else the one in ``path``, created (random, owner-only) on first use."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    logger.info("created a new secret in %s", path)
    return value


def pseudonymise(value: str, key: bytes | None) -> str:
    """A keyed hash of a Slack user or channel id (the same id always maps to the same pseudonym); raw when no key."""
    if not value or key is None:
        return value
    return "p_" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]
