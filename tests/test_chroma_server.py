"""Everything works unchanged against a real Chroma server (`chroma run`), as in the compose deployment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from corpus import documents_dir
from tests.documents import write_markdown
from tests.servers import chroma_server as start_chroma
from tests.servers import free_port

runner = CliRunner()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_chroma(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_ingest_service_command_then_ask_against_a_chroma_server(
    chroma_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALUSE_CHROMA_URL", chroma_server)
    trainer_docs = tmp_path / "trainer-docs"
    trainer_docs.mkdir()
    write_markdown(
        trainer_docs / "heron.md",
        "The Heron Rule asks robotics labs to log every autonomy test flight.",
        id="heron-rule",
        title="Heron Rule",
        kind="other",
    )
    # The compose ingest service runs exactly this: the shipped corpus plus the trainers' folder.
    result = runner.invoke(app, ["ingest", "--json", str(documents_dir()), str(trainer_docs)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["added"] == 34

    asked = runner.invoke(app, ["ask", "--json", "Which rule asks labs to log autonomy test flights?"])
    answer = json.loads(asked.stdout)
    assert answer["status"] == "answered" and answer["citations"][0]["doc_id"] == "heron-rule"
    # The embedded index in the data dir was never used.
    assert not (Path(os.environ["DUALUSE_DATA_DIR"]) / "index").exists()

    assert runner.invoke(app, ["remove", "heron-rule"]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert len(listed) == 33 and "heron-rule" not in {d["doc_id"] for d in listed}


def test_unreachable_chroma_server_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALUSE_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the Chroma server at http://127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
