"""`dualuse ask` records into the log; `dualuse log list|show|export|purge` read and trim it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.answerlog import open_answer_log
from bot.answerlog._store import utcnow
from bot.cli import app
from bot.settings import load_settings
from tests.answerlog.samples import make_answer

runner = CliRunner()


@pytest.fixture
def indexed_data_dir(isolated_environment: Path, shipped_index_dir: Path) -> Path:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    return isolated_environment


def test_ask_records_its_answer_and_log_shows_it(indexed_data_dir: Path) -> None:
    result = runner.invoke(app, ["ask", "What does the UN say about autonomous weapons?", "--json"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["log", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (item,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (item["surface"], item["status"]) == ("cli", "answered")

    shown = runner.invoke(app, ["log", "show", item["id"][:8]])
    assert shown.exit_code == 0, shown.output
    assert "Question: What does the UN say about autonomous weapons?" in shown.stdout
    assert "Retrieved passages (dense / lexical / fused):" in shown.stdout
    assert json.loads(result.stdout)["answer"] in shown.stdout
    detail = json.loads(runner.invoke(app, ["log", "show", item["id"], "--json"]).stdout)
    assert detail["passages"] and detail["citations"] and detail["question_tokens"] > 0


def _seed() -> list[str]:
    log = open_answer_log(load_settings())
    ids = [
        log.record(make_answer("Old one"), surface="cli", at=utcnow() - timedelta(days=60)),
        log.record(make_answer("Capital of Peru?", "no_answer", "Not covered."), surface="slack", user="U1"),
        log.record(make_answer('Quote "this", please'), surface="slack"),
    ]
    log.record_feedback(ids[2], "helpful", "U2")
    log.close()
    return ids


def test_list_filters_and_table(isolated_environment: Path) -> None:
    ids = _seed()
    table = runner.invoke(app, ["log", "list"])
    assert table.exit_code == 0 and len(table.stdout.splitlines()) == 3
    assert "no_answer" in table.stdout and "+1 -0 !0" in table.stdout
    only = runner.invoke(app, ["log", "list", "--status", "no_answer", "--json"])
    assert [json.loads(x)["id"] for x in only.stdout.splitlines()] == [ids[1]]
    recent = runner.invoke(app, ["log", "list", "--since", (utcnow() - timedelta(days=1)).date().isoformat(), "--json"])
    assert ids[0] not in recent.stdout and len(recent.stdout.splitlines()) == 2
    limited = runner.invoke(app, ["log", "list", "--limit", "1"])
    assert len(limited.stdout.splitlines()) == 1 and "(1 of 3; use --limit for more)" in limited.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "list", "--since", "yesterday"], "error: --since must be a date like 2025-03-31, not 'yesterday'"),
        (
            ["log", "list", "--status", "great"],
            "error: unknown status 'great'; use one of: answered, no_answer, refused",
        ),
        (["log", "show", "0123456789"], "error: no logged answer has the id '0123456789'"),
    ],
)
def test_bad_input_is_one_line(isolated_environment: Path, args: list[str], message: str) -> None:
    _seed()
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message and "Traceback" not in result.output


def test_export_csv_and_jsonl(isolated_environment: Path) -> None:
    ids = _seed()
    as_csv = runner.invoke(app, ["log", "export", "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["id"] for r in rows] == ids
    assert rows[2]["question"] == 'Quote "this", please' and rows[2]["helpful"] == "1"
    assert rows[0]["citations"] == "[1] un-sg-lethal-autonomous-weapons"
    assert rows[1]["user"].startswith("p_"), "exports carry pseudonyms, not Slack ids"
    lines = runner.invoke(app, ["log", "export", "--format", "jsonl"]).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ids and len(records[0]["passages"]) == 3
    bad = runner.invoke(app, ["log", "export", "--format", "xml"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_purge_keeps_recent_answers(isolated_environment: Path) -> None:
    ids = _seed()
    result = runner.invoke(app, ["log", "purge", "--older-than", "30"])
    assert result.exit_code == 0 and result.stdout.strip() == "Deleted 1 answer older than 30 days."
    listed = runner.invoke(app, ["log", "list", "--json"]).stdout
    assert ids[0] not in listed and ids[1] in listed
