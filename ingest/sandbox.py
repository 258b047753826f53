"""Parse untrusted documents in a child process with a time and memory limit.

A zip bomb disguised as DOCX, a PDF whose object graph loops, or deeply nested markup can make a parser run for
ever or eat the machine. The child gets a CPU and address-space limit and a wall-clock deadline; if it dies or
overruns, the document is rejected with one clear line and nothing reaches the index.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
from dataclasses import dataclass
from typing import Any

from .documents import LoadedDocument
from .errors import DocumentError


@dataclass(frozen=True)
class ParseLimits:
    timeout: float = 60.0
    memory_mb: int = 1024


def _virtual_memory_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _worker(conn: multiprocessing.connection.Connection, kwargs: dict[str, Any], limits: ParseLimits) -> None:
    from .loaders import load_bytes  # preloaded in the fork server, so this is instant

    try:
        # The limit is on top of what the interpreter and its libraries already map.
        budget = _virtual_memory_bytes() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
        cpu = int(limits.timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    except (OSError, ValueError):
        pass  # limits unsupported here: the wall-clock deadline in the parent still applies
    try:
        conn.send(("ok", load_bytes(**kwargs)))
    except DocumentError as exc:
        conn.send(("error", exc.problem))
    except MemoryError:
        conn.send(("error", f"needed more than {limits.memory_mb} MB to parse; it may be malformed or hostile"))
    except Exception as exc:  # noqa: BLE001 - any parser failure is a property of the file
        conn.send(("error", f"could not be parsed ({type(exc).__name__}); re-export it and try again"))
    finally:
        conn.close()


class IsolatedParser:
    """Callable with the signature of :func:`ingest.loaders.load_bytes`, running it in a limited child process."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self._context = multiprocessing.get_context("forkserver")
        # Preloading __main__ too means each child does not re-run the entry script (a second per document).
        self._context.set_forkserver_preload(["__main__", "ingest.loaders"])

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
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_worker, args=(sender, kwargs, self.limits), daemon=True)
        process.start()
        sender.close()
        try:
            if not receiver.poll(self.limits.timeout):
                raise DocumentError(
                    source, f"took longer than {self.limits.timeout:g} s to parse; it may be malformed or hostile"
                )
            try:
                status, payload = receiver.recv()
            except EOFError:
                raise DocumentError(
                    source, f"crashed the parser (more than {self.limits.memory_mb} MB or a malformed structure)"
                ) from None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(5)
        if status != "ok":
            raise DocumentError(source, payload)
        return payload
