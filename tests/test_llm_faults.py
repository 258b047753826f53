"""Fault injection against the LLM path, over real HTTP on 127.0.0.1: the server down, answering garbage or
half-JSON, markers out of range, then recovering. Every question gets an answer (the extractive one, with the
notice) and nothing raises."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.llm import LLMAnswerer, make_chat_model
from bot.core.retrieval import HybridRetriever
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from tests.openai_server import FakeOpenAI, Script
from tests.servers import free_port
from tests.test_llm_mode import QUESTION, _find, _sources

BODIES = {
    "html": (200, "application/json", b"<html><body>502 Bad Gateway</body></html>"),
    "half-json": (200, "application/json", b'{"id": "x", "choices": [{"message": {"content": "The EU'),
    "no-choices": (200, "application/json", b'{"id": "x", "object": "chat.completion", "choices": []}'),
    "empty": (200, "application/json", b""),
    "502-text": (502, "text/plain", b"upstream connect error"),
}


@pytest.fixture
def garbage_server() -> Iterator[tuple[str, dict[str, str]]]:
    state = {"kind": "html"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, content_type, body = BODIES[state["kind"]]
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    server.shutdown()
    server.server_close()


def _engine(base_url: str, index: CorpusIndex, embeddings: MiniLMEmbeddings) -> AnswerEngine:
    llm = LLMAnswerer(make_chat_model("test-model", base_url, None, 2.0), "test-model")
    return AnswerEngine(HybridRetriever(index, embeddings), embeddings, llm=llm, options=EngineOptions(mode="llm"))


def _falls_back(engine: AnswerEngine) -> float:
    started = time.monotonic()
    answer = engine.ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "extractive" and answer.citations
    assert "quotes the sources directly" in answer.notice
    return time.monotonic() - started


def test_the_llm_server_down(shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> None:
    assert _falls_back(_engine(f"http://127.0.0.1:{free_port()}/v1", shipped_index, embeddings)) < 10


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_the_llm_server_answering_garbage(
    garbage_server: tuple[str, dict[str, str]], shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, kind: str
) -> None:
    url, state = garbage_server
    state["kind"] = kind
    assert _falls_back(_engine(url, shipped_index, embeddings)) < 15


@pytest.mark.parametrize("markers", ["[0]", "[99]", "[-1]", "[99999999999999999999]", "[1-3]", "[ ]"])
def test_out_of_range_markers(shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, markers: str) -> None:
    server = FakeOpenAI(script=Script(reply=lambda m: f"The programme is funded by the EU {markers}.")).start()
    try:
        _falls_back(_engine(server.base_url, shipped_index, embeddings))
    finally:
        server.stop()


def test_a_burst_of_500s_then_recovery(shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings) -> None:
    server = FakeOpenAI(script=Script(status=500)).start()
    try:
        engine = _engine(server.base_url, shipped_index, embeddings)
        for _ in range(3):
            _falls_back(engine)
        server.script = Script(reply=lambda m: "{} [{}]".format(*reversed(_find(_sources(m), "2022/2269"))))
        answer = engine.ask(QUESTION)
        assert answer.mode == "llm" and answer.citations and not answer.notice
    finally:
        server.stop()
