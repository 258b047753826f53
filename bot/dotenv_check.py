"""What a ``.env`` file in the working directory may do, and a notice when it changes something that matters.

The settings read ``.env`` from the working directory (convenient for a checkout, and documented). But the working
directory is not always the operator's: a ``.env`` in a cloned repository or a shared folder could point LLM calls,
with the operator's key from the environment, at its own server, or turn the SSRF guard off, silently. So:

- a ``.env`` that is not owned by the current user, or that others may write, is refused (one line);
- a ``.env`` that sets a server address while the credential for it comes from the environment is refused
  (``OPENAI_BASE_URL`` with ``OPENAI_API_KEY``, ``SLACK_API_URL`` with ``SLACK_BOT_TOKEN``): set both in one place;
- any security-relevant setting that comes from ``.env`` rather than the environment is named in one notice line.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import dotenv_values

from ingest.errors import ConfigurationError

# A server address and the credential that would be sent to it.
ADDRESS_AND_CREDENTIAL = (
    (("OPENAI_BASE_URL", "DUALUSE_OPENAI_BASE_URL"), ("OPENAI_API_KEY", "DUALUSE_OPENAI_API_KEY")),
    (("SLACK_API_URL", "DUALUSE_SLACK_API_URL"), ("SLACK_BOT_TOKEN", "DUALUSE_SLACK_BOT_TOKEN")),
)
NOTEWORTHY = (
    "OPENAI_BASE_URL",
    "DUALUSE_OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "DUALUSE_ANSWER_MODE",
    "DUALUSE_ALLOW_PRIVATE_URLS",
    "DUALUSE_PRIVATE_URL_HOSTS",
    "DUALUSE_CHROMA_URL",
    "DUALUSE_DATABASE_URL",
    "DUALUSE_DATA_DIR",
    "DUALUSE_EMBEDDING_BACKEND",
    "DUALUSE_LOG_RAW_USERS",
    "DUALUSE_ADMIN_TRUSTED_PROXIES",
    "SLACK_API_URL",
    "DUALUSE_SLACK_API_URL",
)


def check_dotenv(path: Path = Path(".env")) -> str:
    """Refuse a dangerous ``.env`` (ConfigurationError); return a one-line notice of what it sets ('' if nothing)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return ""
    shown = path.resolve()
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise ConfigurationError(
            f"{shown} is owned by another user or writable by others; refusing to read settings from it "
            "(fix its owner and mode, or run from another directory)"
        )
    values = dotenv_values(path)
    from_file = {name.upper() for name, value in values.items() if value is not None and name not in os.environ}
    for addresses, credentials in ADDRESS_AND_CREDENTIAL:
        address = next((a for a in addresses if a in from_file), None)
        credential = next((c for c in credentials if c in os.environ), None)
        if address and credential:
            raise ConfigurationError(
                f"{shown} sets {address} while {credential} comes from the environment: the credential would be "
                f"sent to a server a file in the working directory chose; set both in the same place"
            )
    noteworthy = [name for name in NOTEWORTHY if name in from_file]
    return f"note: settings from {shown}: {', '.join(noteworthy)}" if noteworthy else ""
