from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.engine import AnswerEngine, EngineOptions
from bot.core.llm import LLMAnswerer, make_chat_model
from bot.core.retrieval import HybridRetriever
from ingest.chunking import split_sentences
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import CorpusIndex
from tests.openai_server import FakeOpenAI, Script

QUESTION = "Who funds the UNODA/SIPRI responsible AI programme?"


def _engine(server: FakeOpenAI, index: CorpusIndex, embeddings: MiniLMEmbeddings, timeout: float = 5.0) -> AnswerEngine:
    llm = LLMAnswerer(make_chat_model("test-model", server.base_url, None, timeout), "test-model")
    return AnswerEngine(HybridRetriever(index, embeddings), embeddings, llm=llm, options=EngineOptions(mode="llm"))


def _sources(messages: list[dict]) -> dict[int, list[str]]:
    """The numbered sources as the model sees them in the prompt: number -> sentences of the passage."""
    user = messages[-1]["content"]
    sources: dict[int, list[str]] = {}
    for block in re.findall(r"^\[(\d+)\] [^\n]*\n(.*?)(?=\n\n\[\d+\] |\n\nQuestion:)", user, re.S | re.M):
        sources[int(block[0])] = split_sentences(block[1])
    return sources


def _find(sources: dict[int, list[str]], needle: str, skip: int | None = None) -> tuple[int, str]:
    return next((n, s) for n, group in sources.items() for s in group if needle in s and n != skip)


def test_llm_answer_keeps_only_supported_valid_markers_and_quotes_the_passages(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n_fund, fund = _find(sources, "2022/2269")
        n_other, other = next((n, g[0]) for n, g in sorted(sources.items(), reverse=True) if n != n_fund)
        return f"{fund} [{n_fund}] {other} [{n_other}][9] A claim citing nothing real [7]."

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    assert answer.status == "answered" and answer.mode == "llm" and answer.model == "test-model"
    # Renumbered by first use; [9] and [7] pointed to no source and are gone; the claim no source supports is not
    # shown to the user at all, only reported (and logged) as unsupported.
    assert answer.text.endswith("[2]") and "citing nothing real" not in answer.text
    assert "[1]" in answer.text and "[9]" not in answer.text and "[7]" not in answer.text
    assert answer.unsupported == ["A claim citing nothing real."]
    assert [c.n for c in answer.citations] == [1, 2]
    for citation in answer.citations:
        assert citation.quote and citation.quote in shipped_index.get_chunks([citation.chunk_id])[0].text
    assert [len(s.citations) for s in answer.sentences] == [1, 1]
    assert answer.as_dict()["sentences"][0]["citations"][0]["quote"] == answer.citations[0].quote

    request = fake_openai.requests[-1]["body"]
    assert request["model"] == "test-model"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "ONLY the numbered sources" in system
    assert QUESTION in user and "[1] " in user and "[6] " in user


def test_claims_with_invented_numbers_or_the_wrong_source_lose_their_marker(
    fake_openai: FakeOpenAI, shipped_index: CorpusIndex, embeddings: MiniLMEmbeddings
) -> None:
    def reply(messages: list[dict]) -> str:
        sources = _sources(messages)
        n_fund, fund = _find(sources, "2022/2269")
        wrong = next(n for n in sources if n != n_fund and not any("2022/2269" in x for x in sources[n]))
        other = sources[wrong][0]
        return (
            f"{fund} [{n_fund}] {other} [{wrong}] "
            f"The European Union gave the programme 99 million euros in 2031 [{n_fund}]. {fund} [{wrong}]"
        )

    fake_openai.script = Script(reply=reply)
    answer = _engine(fake_openai, shipped_index, embeddings).ask(QUESTION)
    assert answer.mode == "llm"
    # Half the sentences hold: the answer stands with those; the other half are removed and reported.
    fabricated = "The European Union gave the programme 99 million euros in 2031."
    assert answer.unsupported == [fabricated, answer.sentences[0].text]
    assert [len(s.citations) for s in answer.sentences] == [1, 1]
    assert fabricated not in answer.text and answer.text.count(answer.sentences[0].text) == 1
    assert answer.text.endswith("[2]")


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
    fake_openai.script = Script(reply=lambda m: "{} [{}]".format(*reversed(_find(_sources(m), "2022/2269"))))
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "llm" and "2022/2269" in data["answer"] and data["answer"].endswith("[1]")
    assert len(data["citations"]) == 1 and data["unsupported"] == []
    assert fake_openai.requests[-1]["body"]["model"] == "local-model"
