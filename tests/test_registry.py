"""The SQL document registry on SQLite and on a real PostgreSQL server (127.0.0.1:5432, as `.ci/run` starts it;
skipped with the reason when there is none, failed under CI=true): one transaction per switch and removal, one
``added`` under concurrent first writes, collections kept apart, 0.1.0's records and Slack tables adopted."""

from __future__ import annotations

import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.answerlog import make_engine, open_database
from bot.answerlog._db import alembic_config
from bot.slack.dedup import slack_events
from bot.slack.pending import slack_pending_documents
from bot.slack.storage import metadata as slack_metadata
from ingest.index import CorpusIndex, make_client
from ingest.records import DocumentRecord, VersionEvent
from ingest.registry import DocumentRegistry

from .servers import fresh_postgresql_database

FIXTURE = Path(__file__).parent / "fixtures" / "datadir-0.1.0.tar.gz"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        return
    with fresh_postgresql_database() as url:
        yield url


@pytest.fixture
def registry(database_url: str) -> Iterator[DocumentRegistry]:
    engine = open_database(database_url)
    yield DocumentRegistry(engine, "dualuse-test")
    engine.dispose()


def _record(version: str, title: str = "Wren Pledge") -> DocumentRecord:
    return DocumentRecord("wren", title, "other", "", "", "", "wren.md", version, 2, 40, 0, "2026-01-01T00:00:00+00:00")


def test_switch_update_unchanged_and_remove(registry: DocumentRegistry) -> None:
    registry.retire("wren", "v1", 100.0)  # step one of a write
    assert registry.switch(_record("v1"), actor="a", now=101.0, bump=True)[1] == "added"
    assert registry.retired() == []  # live now: nothing to sweep
    first = registry.revision()
    assert first and registry.last_changed() == "1970-01-01T00:01:41+00:00"
    assert registry.switch(_record("v2", "Wren Pledge 2"), actor="b", now=102.0, bump=False)[1] == "updated"
    assert registry.revision() == first  # batched: the caller bumps once at the end
    assert registry.switch(_record("v2"), actor="c", now=103.0, bump=True) == (
        _record("v2", "Wren Pledge 2"),
        "unchanged",
    )
    assert [(r.doc_id, r.version, r.retired_at) for r in registry.retired()] == [("wren", "v1", 102.0)]
    removed = registry.remove("wren", actor="d", now=104.0)
    assert removed is not None and removed.version == "v2"
    assert registry.documents() == [] and registry.revision() != first
    assert [(e.action, e.version, e.by) for e in registry.history("wren")] == [
        ("added", "v1", "a"),
        ("updated", "v2", "b"),
        ("removed", "v2", "d"),
    ]
    revision = registry.revision()
    assert registry.remove("wren", actor="d", now=105.0) is None
    assert registry.revision() == revision  # nothing removed: the transaction's bump was rolled back


def test_sweepable_means_not_live_and_not_registered_since_the_cutoff(registry: DocumentRegistry) -> None:
    registry.switch(_record("v1"), actor="", now=10.0, bump=True)
    registry.switch(_record("v2"), actor="", now=20.0, bump=True)
    assert registry.sweepable("wren", "v1", cutoff=25.0)
    assert not registry.sweepable("wren", "v1", cutoff=15.0)  # retired at 20: readers may still hold it
    assert not registry.sweepable("wren", "v2", cutoff=99.0)  # live
    registry.retire("wren", "v1", 30.0)  # written again (a revert): the old entry must not sweep it now
    assert not registry.sweepable("wren", "v1", cutoff=25.0)
    registry.forget_retired("wren", "v1", cutoff=25.0)
    assert [r.retired_at for r in registry.retired()] == [30.0]


def test_concurrent_first_writes_of_one_document_record_one_added(registry: DocumentRegistry) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def write() -> None:
        barrier.wait()
        outcomes.append(registry.switch(_record("v1"), actor="", now=1.0, bump=True)[1])

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["added", "unchanged", "unchanged", "unchanged"]
    assert [e.action for e in registry.history("wren")] == ["added"]


def test_collections_are_kept_apart_and_adoption_claims_once(registry: DocumentRegistry) -> None:
    other = registry.for_collection("dualuse-other-model")
    registry.switch(_record("v1"), actor="", now=1.0, bump=True)
    assert other.is_new() and other.documents() == [] and other.revision() == ""
    event = VersionEvent("wren", "added", "v9", "h", 2, "2025-01-01T00:00:00.000+00:00", "x", "Wren")
    assert other.adopt([_record("v9")], [event], [], "r1", "2025-01-01T00:00:00+00:00") is True
    assert other.adopt([_record("v9")], [event], [], "r2", "2025-01-01T00:00:00+00:00") is False
    assert other.history("wren") == [event] and other.revision() == "r1"
    assert registry.get("wren") == _record("v1")


def test_the_0_1_0_records_move_into_this_database(database_url: str, tmp_path: Path, embeddings: Any) -> None:
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    data_dir = tmp_path / "datadir-0.1.0" / "data"
    expected = json.loads((data_dir.parent / "expected.json").read_text())
    expected["documents"] = [{**d, "language": "en"} for d in expected["documents"]]  # 0.1.0 recorded none
    engine = open_database(database_url)
    try:
        index = CorpusIndex(make_client(data_dir / "index"), embeddings, DocumentRegistry(engine))
        assert [r.as_dict() for r in index.documents()] == expected["documents"]
        for doc_id, events in expected["history"].items():
            assert [e.as_dict() for e in index.history(doc_id)] == events
        assert (index.revision(), index.last_changed()) == (expected["revision"], expected["last_changed"])
        assert [e.__dict__ for e in index.registry.retired()] == expected["retired"]
    finally:
        engine.dispose()


def test_slack_tables_made_by_0_1_0_are_kept_with_their_rows(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")  # where 0.1.0 left the schema
    slack_metadata.create_all(engine)  # as 0.1.0 created the Slack tables
    with engine.begin() as connection:
        connection.execute(slack_events.insert().values(event_id="Ev1", received_at=1.5))
        connection.execute(
            slack_pending_documents.insert().values(
                id="p1", user_id="U1", reply_channel="D1", document="{}", created_at=2.5
            )
        )
    before = {t: inspect(engine).get_columns(t) for t in ("slack_events", "slack_pending_documents")}
    engine.dispose()
    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT event_id, received_at FROM slack_events")).all() == [("Ev1", 1.5)]
            assert connection.execute(text("SELECT id, created_at FROM slack_pending_documents")).all() == [("p1", 2.5)]
        after = {t: inspect(engine).get_columns(t) for t in before}
        assert {t: [(c["name"], str(c["type"])) for c in cols] for t, cols in after.items()} == {
            t: [(c["name"], str(c["type"])) for c in cols] for t, cols in before.items()
        }
    finally:
        engine.dispose()


def test_new_slack_tables_have_the_columns_0_1_0_made(database_url: str, tmp_path: Path) -> None:
    made_by_migration = open_database(database_url)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite3'}")
    slack_metadata.create_all(reference)
    try:
        for table in ("slack_events", "slack_pending_documents"):
            migrated = inspect(made_by_migration)
            columns = [(c["name"], c["nullable"]) for c in migrated.get_columns(table)]
            assert columns == [(c["name"], c["nullable"]) for c in inspect(reference).get_columns(table)]
            assert {i["name"] for i in migrated.get_indexes(table)} == {
                i["name"] for i in inspect(reference).get_indexes(table)
            }
    finally:
        made_by_migration.dispose()
        reference.dispose()
