"""Upgrading from 0.1.0: a data directory that release wrote (tests/fixtures/datadir-0.1.0.tar.gz, made by
tests/fixtures/make_datadir.py) opens with this code without losing a document, a version event or a logged answer.

0.1.0 kept document records, history, retired versions and the corpus revision in a second Chroma collection; this
release keeps them in the database, and moves them there the first time the index opens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from bot.answerlog import open_database
from bot.answerlog._db import VERSION_TABLE, alembic_config
from bot.app.container import Services
from bot.cli import app
from bot.settings import load_settings
from ingest.index import RETIRED_GRACE_SECONDS, CorpusIndex, make_client
from ingest.locks import file_lock
from ingest.registry import DocumentRegistry

FIXTURE = Path(__file__).parent / "fixtures" / "datadir-0.1.0.tar.gz"
runner = CliRunner()
DUALUSE = str(Path(sys.executable).with_name("dualuse"))


def unpack(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The 0.1.0 data directory, unpacked, and what 0.1.0 itself reported about it."""
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    root = tmp_path / "datadir-0.1.0"
    expected = json.loads((root / "expected.json").read_text())
    # 0.1.0 recorded no language: its documents read as English (migration 0008, ingest.legacy).
    expected["documents"] = [{**d, "language": "en"} for d in expected["documents"]]
    return root / "data", expected


@pytest.fixture
def old_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    data_dir, expected = unpack(tmp_path)
    monkeypatch.setenv("DUALUSE_DATA_DIR", str(data_dir))
    return data_dir, expected


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.stdout


def _collections(data_dir: Path) -> set[str]:
    return {c.name for c in make_client(data_dir / "index").list_collections()}


def test_the_0_1_0_data_directory_opens_with_everything_in_it(old_data_dir: tuple[Path, dict[str, Any]]) -> None:
    data_dir, expected = old_data_dir
    legacy_name = f"{expected['collection_prefix']}-documents"
    assert legacy_name in _collections(data_dir)  # the fixture is what 0.1.0 left

    assert json.loads(_cli("sources", "--json")) == expected["documents"]
    for doc_id, events in expected["history"].items():
        assert json.loads(_cli("history", doc_id, "--json")) == events, doc_id

    services = Services(load_settings())
    assert services.index.revision() == expected["revision"]
    assert services.index.last_changed() == expected["last_changed"]
    retired = [e.__dict__ for e in services.index.registry.retired()]
    assert retired == expected["retired"]

    for answer in expected["answers"]:
        record = services.answer_log.get(answer["id"])
        assert (record.question, record.status, record.surface, record.answer) == (
            answer["question"],
            answer["status"],
            answer["surface"],
            answer["answer"],
        )
        feedback = [{"kind": f.kind, "user": f.user, "reason": f.reason} for f in record.feedback]
        assert feedback == answer["feedback"]
    with services.database.connect() as connection:
        for table in ("slack_events", "slack_pending_documents"):
            rows = [dict(r) for r in connection.execute(text(f"SELECT * FROM {table}")).mappings()]
            assert rows == expected[table], table
        current = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    assert expected["alembic_version"] == "0005"
    assert current == ScriptDirectory.from_config(alembic_config()).get_current_head()

    asked = json.loads(_cli("ask", "--json", "How long does the Heron Rule ask labs to keep their flight logs?"))
    assert asked["status"] == "answered"
    assert asked["citations"][0]["doc_id"] == "heron-rule" and "five years" in asked["answer"]
    assert len(services.answer_log.list().items) == len(expected["answers"]) + 1
    assert services.index.revision() == expected["revision"]  # reading changed nothing

    assert legacy_name not in _collections(data_dir)  # the old collection is gone


def test_after_the_upgrade_the_retired_versions_are_swept_and_the_live_ones_kept(
    old_data_dir: tuple[Path, dict[str, Any]],
) -> None:
    _, expected = old_data_dir
    index = Services(load_settings()).index
    assert index.sweep_retired(now=time.time() + RETIRED_GRACE_SECONDS + 1) == 2  # heron-rule's first, plover-note
    counts = index.passage_counts()
    assert set(counts) == {(d["doc_id"], d["version"]) for d in expected["documents"]}
    assert all(counts[(d["doc_id"], d["version"])] == d["chunks"] for d in expected["documents"])
    assert index.registry.retired() == []


def test_an_upgrade_that_dies_before_its_commit_leaves_the_old_records_for_the_next_open(
    old_data_dir: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, embeddings: Any
) -> None:
    data_dir, expected = old_data_dir
    registry = DocumentRegistry(open_database(f"sqlite:///{data_dir / 'dualuse.sqlite3'}"))

    def dies(*args: Any, **kwargs: Any) -> bool:
        raise KeyboardInterrupt  # as good as kill -9 here: nothing after it runs

    monkeypatch.setattr(DocumentRegistry, "adopt", dies)
    with pytest.raises(KeyboardInterrupt):
        CorpusIndex(make_client(data_dir / "index"), embeddings, registry)
    monkeypatch.undo()
    assert registry.for_collection(expected["collection_prefix"]).is_new()
    index = CorpusIndex(make_client(data_dir / "index"), embeddings, registry)
    assert [r.as_dict() for r in index.documents()] == expected["documents"]
    assert [e.as_dict() for e in index.history("plover-note")] == expected["history"]["plover-note"]


def test_an_upgrade_that_dies_after_its_commit_only_deletes_the_leftover_next_time(
    old_data_dir: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, embeddings: Any
) -> None:
    data_dir, expected = old_data_dir
    registry = DocumentRegistry(open_database(f"sqlite:///{data_dir / 'dualuse.sqlite3'}"))
    client = make_client(data_dir / "index")
    delete = client.delete_collection

    def dies(name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(client, "delete_collection", dies)
    with pytest.raises(KeyboardInterrupt):
        CorpusIndex(client, embeddings, registry)
    monkeypatch.setattr(client, "delete_collection", delete)
    assert f"{expected['collection_prefix']}-documents" in _collections(data_dir)
    index = CorpusIndex(client, embeddings, registry)  # the next open
    assert f"{expected['collection_prefix']}-documents" not in _collections(data_dir)
    for doc_id, events in expected["history"].items():  # nothing twice
        assert [e.as_dict() for e in index.history(doc_id)] == events
    assert [r.as_dict() for r in index.documents()] == expected["documents"]


@pytest.mark.slow
def test_processes_upgrading_at_once_write_the_records_once(old_data_dir: tuple[Path, dict[str, Any]]) -> None:
    data_dir, expected = old_data_dir
    env = {**os.environ, "DUALUSE_DATA_DIR": str(data_dir)}
    runs = [
        subprocess.Popen([DUALUSE, "sources", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()[-2000:]
        assert json.loads(out) == expected["documents"]
    for doc_id, events in expected["history"].items():  # once each, whoever moved them
        assert json.loads(_cli("history", doc_id, "--json")) == events
    assert f"{expected['collection_prefix']}-documents" not in _collections(data_dir)


@pytest.mark.slow
def test_a_read_only_copy_of_a_data_dir_not_yet_upgraded_is_one_clear_line(
    old_data_dir: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    data_dir, _ = old_data_dir
    open_database(f"sqlite:///{data_dir / 'dualuse.sqlite3'}").dispose()  # migrated; the records still in Chroma
    mount = tmp_path / "read-only"
    mount.mkdir()
    bound = subprocess.run(["mount", "--bind", str(data_dir), str(mount)], capture_output=True)
    if bound.returncode != 0:
        reason = "cannot bind-mount here (not root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true runs as root and needs it")
        pytest.skip(reason)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        env = {**os.environ, "DUALUSE_DATA_DIR": str(mount)}
        result = subprocess.run([DUALUSE, "sources"], env=env, capture_output=True, text=True, timeout=120)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: the index was written by an older release"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.slow
def test_an_upgrade_waits_for_another_process_holding_the_data_dirs_write_lock(
    old_data_dir: tuple[Path, dict[str, Any]],
) -> None:
    # Chroma deletes a collection's segments before the collection itself, so a second process reading the old
    # collection during another's delete saw a half-deleted one (an InternalError in CI). Upgrades take the data
    # directory's write lock, the one concurrent ingests take, so they run one after another.
    data_dir, expected = old_data_dir
    env = {**os.environ, "DUALUSE_DATA_DIR": str(data_dir)}
    with file_lock(data_dir / "ingest.lock"):
        run = subprocess.Popen([DUALUSE, "sources", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(8)  # far longer than the whole upgrade takes unlocked (about 2 s)
        assert run.poll() is None, "the upgrade ran while another process held the write lock"
        assert f"{expected['collection_prefix']}-documents" in _collections(data_dir)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err.decode()[-2000:]
    assert json.loads(out) == expected["documents"]
    assert f"{expected['collection_prefix']}-documents" not in _collections(data_dir)
