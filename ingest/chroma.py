"""Opening Chroma: an embedded store under the data directory or a Chroma server, and the collections' names.

An unreachable server or a malformed address is one line (:class:`IndexError_`, :class:`ConfigurationError`) with
any password hidden, and so is a server that goes away later (:func:`server_errors`); a read-only index folder is
read through a private snapshot copy, because Chroma cannot open a folder it cannot write.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from .errors import ConfigurationError, IndexError_, IndexUnavailable

logger = logging.getLogger(__name__)


def make_client(persist_dir: Path | None = None, server_url: str | None = None) -> chromadb.ClientAPI:
    """An embedded client under ``persist_dir``, or an HTTP client for a Chroma server at ``server_url``."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if server_url:
        parsed = urlparse(server_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigurationError(f"DUALUSE_CHROMA_URL '{redact_url(server_url)}' must look like http://host:8000")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        try:
            return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)
        except Exception as exc:  # noqa: BLE001 - chromadb raises plain Exception/ValueError on connect
            shown = redact_url(server_url)
            detail = str(exc).replace(server_url, shown)
            if parsed.password:
                detail = detail.replace(parsed.password, "***")
            raise IndexError_(f"cannot reach the Chroma server at {shown} ({detail}); is it running?") from None
    if persist_dir is None:
        raise ConfigurationError("no index location: set DUALUSE_DATA_DIR or DUALUSE_CHROMA_URL")
    if persist_dir.is_dir() and not _writable(persist_dir):
        # Chroma cannot open a folder it cannot write ("attempt to write a readonly database"), so read commands
        # on a read-only data dir (a mounted backup, a locked-down replica) read a private copy instead.
        persist_dir = read_only_snapshot(persist_dir)
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=settings)


@contextlib.contextmanager
def server_errors() -> Iterator[None]:
    """Calls to a Chroma server that went away (killed, restarting, the network down) fail with one line the person
    asking can act on instead of the HTTP client's traceback. Nothing else is needed for the server's return: the
    client opens a new connection for the next call."""
    try:
        yield
    except httpx.TransportError as exc:  # refused, reset, dropped mid-reply, timed out
        detail = str(exc).strip().splitlines()
        reason = f"{type(exc).__name__}: {detail[0]}" if detail else type(exc).__name__
        raise IndexUnavailable(
            f"the search index is unreachable right now ({reason}); please try again in a minute"
        ) from None


def _writable(folder: Path) -> bool:
    database = folder / "chroma.sqlite3"
    return os.access(folder, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))


def read_only_snapshot(folder: Path) -> Path:
    """A private copy of a read-only index folder, removed when the process exits; writes to it are lost."""
    target = Path(tempfile.mkdtemp(prefix="dualuse-index-snapshot-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    shutil.copytree(folder, target / "index")
    logger.info("the index at %s is read-only: reading a snapshot copy in %s", folder, target)
    return target / "index"


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    parsed = urlparse(url)
    if not parsed.password:
        return url
    netloc = parsed.netloc.rsplit("@", 1)
    user = (parsed.username or "") + ":***"
    return parsed._replace(netloc=f"{user}@{netloc[-1]}").geturl()


def collection_prefix(embedding_id: str) -> str:
    # Vectors of different models must never share a collection; the name carries the model.
    return "dualuse-" + re.sub(r"[^a-zA-Z0-9_-]+", "-", embedding_id).strip("-")[:200]
