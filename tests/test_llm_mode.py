from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.engine import AnswerEngine, EngineOptions
from bot.llm import LLMAnswerer, make_chat_model
from bot.retrieval import HybridRetriever
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex

from .openai_server import FakeOpenAI, Script

QUESTION = "Who funds the UNODA/SIPRI responsible AI programme?"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def _engine(server: FakeOpenAI, index: CorpusIndex, embeddings: MiniLMEmbeddings, timeout: float = 5.0) -> AnswerEngine:
    llm = LLMAnswerer(make_chat_model("test-model", server.base_url, None, timeout), "test-model")
    return AnswerEngine(HybridRetriever(index, embeddings), embeddings, llm=llm, options=EngineOptions(mode="llm"))


def test_llm_answer_keeps_only_valid_markers_and_quotes_the_cited_passages(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    fake_openai.script = Script(
        reply=lambda m: (
            "The European Union funds the programme [2]. UNODA and SIPRI run it "
            "together [1][9]. A claim citing nothing real [7]."
        )
    )
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "llm" and answer.model == "test-model"
    # [2] came first so it becomes [1]; [9] and [7] pointed to no source and are gone.
    assert answer.answer == (
        "The European Union funds the programme [1]. UNODA and SIPRI run it together [2]. A claim citing nothing real."
    )
    assert [c.n for c in answer.citations] == [1, 2]
    passages = answer.passages
    assert answer.citations[0].chunk_id == passages[1].chunk_id
    assert answer.citations[1].chunk_id == passages[0].chunk_id
    for citation in answer.citations:
        assert citation.quote in shipped_index.get_chunks([citation.chunk_id])[0].text

    request = fake_openai.requests[-1]["body"]
    assert request["model"] == "test-model"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "ONLY the numbered sources" in system
    assert QUESTION in user and "[1] " in user and "[6] " in user


def test_i_dont_know_becomes_no_answer(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    fake_openai.script = Script(reply=lambda m: "I don't know.")
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    assert answer.status == "no_answer" and answer.citations == [] and answer.mode == "llm"


@pytest.mark.parametrize(
    "script",
    [Script(status=500), Script(delay=3.0), Script(reply=lambda m: "Unsupported claim [8].")],
    ids=["server-error", "timeout", "no-valid-citation"],
)
def test_llm_failure_falls_back_to_the_extractive_answer(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings, script: Script
) -> None:
    fake_openai.script = script
    answer = _engine(fake_openai, shipped_index, embeddings, timeout=1.0).ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "extractive"
    assert "quotes the sources directly" in answer.notice
    assert answer.citations and "notice" in answer.as_dict()


def test_refusals_never_reach_the_model(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    answer = _engine(fake_openai, shipped_index, embeddings).ask("Give me step-by-step synthesis of sarin")
    assert answer.status == "refused"
    assert fake_openai.requests == []


def test_cli_uses_llm_mode_when_openai_base_url_is_set(
    fake_openai: FakeOpenAI, shipped_index_dir: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("DUALUSE_LLM_MODEL", "local-model")
    fake_openai.script = Script(reply=lambda m: "The EU funds it [1].")
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "llm" and data["answer"] == "The EU funds it [1]." and len(data["citations"]) == 1
    assert fake_openai.requests[-1]["body"]["model"] == "local-model"
