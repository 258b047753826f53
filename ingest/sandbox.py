"""Parse untrusted documents in a separate worker process with a time and memory limit.

A zip bomb disguised as DOCX, a PDF whose object graph loops, or deeply nested markup can make a parser run for
ever or eat the machine. Parsing happens in a worker process with an address-space limit; the caller waits at most
the time limit. A worker that overruns, dies or runs out of memory is killed and replaced, and the document is
rejected with one clear line: nothing reaches the index. The worker is kept between documents, because starting a
process costs far more than parsing a typical file. The worker dies with its parent (Linux parent-death signal,
and it stops quietly when the pipe breaks), so a ``kill -9`` of ``dualuse ingest`` leaves no orphan and no traceback.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import threading
from dataclasses import dataclass
from typing import Any

from .documents import LoadedDocument
from .errors import DocumentError

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT = 120.0
RECYCLE_AFTER = 200  # documents per worker, so that memory fragmentation never creeps towards the limit


@dataclass(frozen=True)
class ParseLimits:
    timeout: float = 60.0
    memory_mb: int = 1024


def _virtual_memory_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the kernel kills this worker when its parent dies
    except (OSError, AttributeError):
        pass  # not Linux: the broken pipe below still ends the worker


def _serve(conn: multiprocessing.connection.Connection, memory_mb: int) -> None:
    """The worker: parse each job it receives until the pipe closes."""
    _die_with_parent()
    try:
        _serve_jobs(conn, memory_mb)
    except (BrokenPipeError, EOFError, ConnectionResetError, KeyboardInterrupt):
        return  # the parent is gone: nothing to report to


def _serve_jobs(conn: multiprocessing.connection.Connection, memory_mb: int) -> None:
    from .loaders import load_bytes

    try:
        # The limit is on top of what the interpreter and its libraries already map.
        budget = _virtual_memory_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    except (OSError, ValueError):
        pass  # unsupported here: the parent's deadline still bounds the time
    conn.send(("ready", None))  # start-up (imports) does not count against a document's time limit
    while True:
        try:
            kwargs = conn.recv()
        except EOFError:
            return
        try:
            reply: tuple[str, Any] = ("ok", load_bytes(**kwargs))
        except DocumentError as exc:
            reply = ("error", exc.problem)
        except MemoryError:
            reply = ("error", f"needed more than {memory_mb} MB to parse; it may be malformed or hostile")
        except Exception as exc:  # noqa: BLE001 - any parser failure is a property of the file
            reply = ("error", f"could not be parsed ({type(exc).__name__}); re-export it and try again")
        conn.send(reply)


class IsolatedParser:
    """Callable with the signature of :func:`ingest.loaders.load_bytes`, running it in a limited worker process."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self._context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited threads or locks
        self._lock = threading.Lock()  # one document at a time per worker
        self._worker: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._jobs = 0

    def __call__(
        self,
        data: bytes,
        *,
        fmt: str,
        source: str,
        default_id: str,
        kind: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> LoadedDocument:
        kwargs = {
            "data": data,
            "fmt": fmt,
            "source": source,
            "default_id": default_id,
            "kind": kind,
            "metadata": metadata,
        }
        with self._lock:
            conn = self._ensure_worker()
            try:
                conn.send(kwargs)
                if not conn.poll(self.limits.timeout):
                    self._discard_worker()
                    raise DocumentError(
                        source, f"took longer than {self.limits.timeout:g} s to parse; it may be malformed or hostile"
                    )
                status, payload = conn.recv()
            except (EOFError, OSError):
                self._discard_worker()
                raise DocumentError(
                    source, f"crashed the parser (more than {self.limits.memory_mb} MB or a malformed structure)"
                ) from None
            self._jobs += 1
            if self._jobs >= RECYCLE_AFTER:
                self._discard_worker()
        if status != "ok":
            raise DocumentError(source, payload)
        return payload

    def close(self) -> None:
        with self._lock:
            self._discard_worker()

    def _ensure_worker(self) -> multiprocessing.connection.Connection:
        if self._worker is not None and self._worker.is_alive() and self._conn is not None:
            return self._conn
        self._discard_worker()
        parent, child = self._context.Pipe()
        self._worker = self._context.Process(
            target=_serve, args=(child, self.limits.memory_mb), name="dualuse-parser", daemon=True
        )
        self._worker.start()
        child.close()
        try:
            ready = parent.poll(STARTUP_TIMEOUT) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._discard_worker()
            raise DocumentError("parser", f"the parsing worker did not start within {STARTUP_TIMEOUT:g} s")
        self._conn, self._jobs = parent, 0
        return parent

    def _discard_worker(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._worker is not None:
            if self._worker.is_alive():
                self._worker.kill()
            self._worker.join(5)
        self._worker, self._conn = None, None
