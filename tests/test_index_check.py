"""``dualuse index check [--repair]`` on a real Chroma store and SQLite registry: each kind of disagreement made on
purpose behind the registry's back, found, repaired, and clean afterwards."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app.container import Services
from bot.cli import app
from bot.settings import load_settings
from ingest.consistency import check
from ingest.embeddings import MiniLMEmbeddings
from ingest.index import RETIRED_GRACE_SECONDS, CorpusIndex
from tests.documents import write_markdown
from tests.servers import free_port

runner = CliRunner()


def _long(topic: str) -> str:
    return "\n\n".join(
        f"Paragraph {i} of the {topic}: laboratories record each {topic} review, who took part and what was decided, "
        f"so that auditors can follow every decision about the {topic} from the first request to the final release."
        for i in range(12)
    )


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    return {
        "alder": write_markdown(
            folder / "alder.md",
            "The Alder Accord asks labs to publish red-team summaries.",
            id="alder-accord",
            title="Alder Accord",
        ),
        "birch": write_markdown(folder / "birch.md", _long("Birch Protocol"), id="birch-protocol", title="Birch"),
        "cedar": write_markdown(
            folder / "cedar.md", "The Cedar Code bans covert model exfiltration.", id="cedar-code", title="Cedar Code"
        ),
    }


def _run(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["index", "check", *args])
    return result.exit_code, result.stdout.strip().splitlines()


def _stray(index: CorpusIndex, embeddings: MiniLMEmbeddings, doc_id: str, version: str, n: int = 2) -> None:
    """Passages written straight to Chroma, as a write whose registry entries were lost would leave them."""
    vectors = embeddings.embed_documents([f"stray passage {i}" for i in range(n)])
    index._chunks.upsert(
        ids=[f"{doc_id}::{version}::{i}" for i in range(n)],
        embeddings=vectors,
        documents=[f"stray passage {i}" for i in range(n)],
        metadatas=[{"doc_id": doc_id, "version": version, "section": "", "index": i, "tokens": 3} for i in range(n)],
    )


def test_check_finds_each_disagreement_and_repair_fixes_it(docs: dict[str, Path], embeddings: MiniLMEmbeddings) -> None:
    assert runner.invoke(app, ["ingest", *map(str, docs.values())]).exit_code == 0
    index = Services(load_settings()).index
    live = index.live_versions()
    birch = index.get_document("birch-protocol")
    assert birch is not None and birch.chunks >= 2
    total = birch.chunks + 2
    assert _run() == (0, [f"3 documents, {total} passages: the passages and the registry agree"])

    # Behind the registry's back: every passage of one document, one passage of another (whose file is then
    # deleted), the passages of a third whose file has changed since, and passages nobody registered.
    index._chunks.delete(where={"doc_id": "alder-accord"})
    index._chunks.delete(ids=[f"birch-protocol::{birch.version}::0001"])
    docs["birch"].unlink()
    index._chunks.delete(where={"doc_id": "cedar-code"})
    write_markdown(
        docs["cedar"],
        "The Cedar Code bans covert model exfiltration and weight theft.",
        id="cedar-code",
        title="Cedar Code",
    )
    _stray(index, embeddings, "ghost-doc", "0123456789ab")

    code, lines = _run()
    assert code == 1
    assert lines == [
        "orphan passages: ghost-doc version 0123456789ab: 2 passages that no live or pending record points to",
        f"record without passages: alder-accord version {live['alder-accord']}: 0 of 1 passages in the index",
        f"record without passages: birch-protocol version {birch.version}: {birch.chunks - 1} of {birch.chunks} "
        "passages in the index",
        f"record without passages: cedar-code version {live['cedar-code']}: 0 of 1 passages in the index",
        f"3 documents, {birch.chunks + 1} passages: 1 orphan version(s) (2 passages), 3 record(s) without passages; "
        "run 'dualuse index check --repair' to fix",
    ]

    code, lines = _run("--repair")
    assert code == 0, lines
    assert lines[4:] == [
        "repaired: deleted 2 orphan passages of ghost-doc version 0123456789ab",
        f"repaired: re-ingested alder-accord from {docs['alder']} (1 passages)",
        f"repaired: removed birch-protocol: its source {docs['birch']} no longer exists",
        f"repaired: re-ingested cedar-code from {docs['cedar']}, updated (1 passages)",
        f"3 documents, {birch.chunks + 1} passages: 1 orphan version(s) (2 passages), 3 record(s) without passages; "
        "all repaired",
    ]
    # birch-protocol's remaining passages are retired with it, and go with the sweep after the grace period.
    assert _run() == (0, [f"2 documents, {birch.chunks + 1} passages: the passages and the registry agree"])
    assert index.sweep_retired(now=time.time() + RETIRED_GRACE_SECONDS + 1) == 2  # birch, the old cedar
    assert _run() == (0, ["2 documents, 2 passages: the passages and the registry agree"])

    history = json.loads(runner.invoke(app, ["history", "birch-protocol", "--json"]).stdout)
    assert [(e["action"], e["by"]) for e in history][-1] == ("removed", "index-check")
    assert [e["action"] for e in json.loads(runner.invoke(app, ["history", "cedar-code", "--json"]).stdout)] == [
        "added",
        "updated",
    ]
    asked = json.loads(runner.invoke(app, ["ask", "--json", "What does the Alder Accord ask labs to publish?"]).stdout)
    assert asked["status"] == "answered" and asked["citations"][0]["doc_id"] == "alder-accord"


def test_passages_of_a_write_in_progress_are_not_orphans_until_the_grace_period_ends(
    docs: dict[str, Path], embeddings: MiniLMEmbeddings
) -> None:
    assert runner.invoke(app, ["ingest", str(docs["alder"])]).exit_code == 0
    index = Services(load_settings()).index
    now = time.time()
    index.registry.retire("alder-accord", "fedcba987654", now)  # step 1 of a write, whose passages follow
    _stray(index, embeddings, "alder-accord", "fedcba987654")
    assert check(index, now=now).findings == []
    later = check(index, now=now + RETIRED_GRACE_SECONDS + 1).findings  # the write died long ago
    assert [(f.kind, f.doc_id, f.version, f.found) for f in later] == [("orphan", "alder-accord", "fedcba987654", 2)]


def test_a_database_that_cannot_be_reached_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALUSE_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_port()}/dualuse")
    result = runner.invoke(app, ["index", "check"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot open the database at postgresql+psycopg://postgres@127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
