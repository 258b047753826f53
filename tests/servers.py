"""Real servers the tests start or find: a `chroma run` server and a fresh PostgreSQL database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(
    url: str, process: subprocess.Popen, *, timeout: float = 60.0, details: Callable[[], str] = lambda: ""
) -> None:
    """Poll ``url`` until it answers 200; fail the test if ``process`` exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited with {process.returncode} before {url} answered\n{details()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {timeout:g} s\n{details()}")
        time.sleep(0.2)


def stop_process(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class ChromaServer:
    """A real Chroma server (the `chroma` command chromadb installs) on 127.0.0.1, on a port of its own for its whole
    life: ``kill()`` it (SIGKILL, as a crash) and ``start()`` it again on the same port and data path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> ChromaServer:
        command = [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(self.path)]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_url(f"{self.url}/api/v2/heartbeat", self.process, timeout=timeout)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stop_process(self.process)


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """A real Chroma server on 127.0.0.1; yields its URL."""
    server = ChromaServer(path).start()
    try:
        yield server.url
    finally:
        server.stop()


def pg_connect():  # type: ignore[no-untyped-def]
    """An admin connection to the local PostgreSQL; skips (or, under CI=true, fails) when there is none."""
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL is not reachable on 127.0.0.1:5432 as user postgres ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)


@contextmanager
def fresh_postgresql_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards; the URL in its plain ``postgresql://`` form."""
    name = f"dualuse_test_{uuid.uuid4().hex[:12]}"
    with pg_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
