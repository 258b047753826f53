from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.documents import pdf_bytes, write_markdown

runner = CliRunner()


def _folder_with_good_and_bad_files(root: Path) -> Path:
    folder = root / "incoming"
    folder.mkdir()
    write_markdown(
        folder / "good.md",
        "Labs should review dual-use risks before release.",
        id="good-doc",
        title="Good Doc",
        kind="other",
    )
    (folder / "bad-front.md").write_text("---\nkind: nonsense\n---\nText.", encoding="utf-8")
    (folder / "scan.pdf").write_bytes(pdf_bytes([""]))
    (folder / "locked.pdf").write_bytes(b"%PDF-1.4 garbage that is not a pdf body")
    return folder


def test_ingest_reports_each_bad_file_on_one_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    folder = _folder_with_good_and_bad_files(tmp_path)
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert any("bad-front.md" in e and "kind 'nonsense'" in e for e in errors)
    assert any("scan.pdf" in e for e in errors) and any("locked.pdf" in e for e in errors)
    assert "Traceback" not in result.output
    assert "1 added, 0 updated, 0 unchanged, 3 failed" in result.stdout

    listed = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)
    assert [d["doc_id"] for d in listed] == ["good-doc"]
    assert set(listed[0]) >= {"doc_id", "title", "kind", "publisher", "date", "url", "chunks", "ingested_at"}


def test_ingest_json_twice_leaves_the_index_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    write_markdown(folder / "a.md", "First document text about responsible AI.", title="A")
    write_markdown(folder / "b.md", "Second document text about export controls.", title="B")
    first = json.loads(runner.invoke(app, ["ingest", "--json", str(folder)]).stdout)
    before = runner.invoke(app, ["sources", "--json"]).stdout
    second = runner.invoke(app, ["ingest", "--json", str(folder)])
    assert second.exit_code == 0
    assert first["summary"]["added"] == 2
    assert json.loads(second.stdout)["summary"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 2,
        "failed": 0,
        "chunks": 0,
        "skipped": 0,
    }
    assert runner.invoke(app, ["sources", "--json"]).stdout == before


def test_ingest_never_adds_the_shipped_corpus_and_rejects_bad_kind(tmp_path: Path) -> None:
    doc = write_markdown(tmp_path / "only.md", "Only this one document.", title="Only")
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    assert len(json.loads(runner.invoke(app, ["sources", "--json"]).stdout)) == 1
    bad = runner.invoke(app, ["ingest", "--kind", "poem", str(doc)])
    assert bad.exit_code == 1 and "--kind 'poem' must be one of" in bad.stderr


def test_remove(tmp_path: Path) -> None:
    doc = write_markdown(tmp_path / "x.md", "Text to remove later.", id="to-remove", title="X")
    runner.invoke(app, ["ingest", str(doc)])
    assert "removed to-remove" in runner.invoke(app, ["remove", "to-remove"]).stdout
    missing = runner.invoke(app, ["remove", "to-remove"])
    assert missing.exit_code == 1 and missing.stderr.strip() == (
        "error: no document with id 'to-remove'; list them with: dualuse sources"
    )


def test_bad_setting_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALUSE_TOP_K", "many")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: DUALUSE_TOP_K is invalid")


def test_ask_human_output_lists_numbered_sources(shipped_index_dir: Path, isolated_environment: Path) -> None:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    result = runner.invoke(app, ["ask", "What are the Hague Ethical Guidelines?"])
    assert result.exit_code == 0
    assert "Sources:" in result.stdout and "[1] The Hague Ethical Guidelines" in result.stdout


@pytest.mark.slow
def test_installed_command_answers_on_a_fresh_data_dir(tmp_path: Path) -> None:
    """The newcomer path: the console script, an empty data dir, one question."""
    executable = shutil.which("dualuse", path=os.path.dirname(sys.executable)) or shutil.which("dualuse")
    assert executable, "the dualuse console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DUALUSE_"))}
    env["DUALUSE_DATA_DIR"] = str(tmp_path / "fresh")
    completed = subprocess.run(
        [executable, "ask", "--json", "What does the UN Secretary-General say about autonomous weapons?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["status"] == "answered" and data["citations"]
    assert any(c["doc_id"] == "sg-statements-laws" for c in data["citations"])


def test_the_suite_cannot_reach_the_internet() -> None:
    with pytest.raises(Exception, match="(?i)socket|blocked|host"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_versions_are_recorded_and_listed(tmp_path: Path) -> None:
    doc = write_markdown(tmp_path / "v.md", "First wording of the lab rule.", id="lab-rule", title="Lab Rule")
    runner.invoke(app, ["ingest", str(doc)])
    unchanged = runner.invoke(app, ["ingest", "--json", str(doc)])
    assert json.loads(unchanged.stdout)["files"][0]["outcome"] == "unchanged"
    write_markdown(tmp_path / "v.md", "Second wording of the lab rule.", id="lab-rule", title="Lab Rule v2")
    runner.invoke(app, ["ingest", str(doc)])
    current = json.loads(runner.invoke(app, ["sources", "--json"]).stdout)[0]
    history = json.loads(runner.invoke(app, ["history", "--json", "lab-rule"]).stdout)
    assert [e["action"] for e in history] == ["added", "updated"]
    assert history[-1]["version"] == current["version"] and history[0]["version"] != current["version"]
    assert all(e["by"].startswith("cli:") and len(e["content_hash"]) == 64 and e["chunks"] == 1 for e in history)
    assert current["content_hash"] == history[-1]["content_hash"]
    runner.invoke(app, ["remove", "lab-rule"])
    assert [e["action"] for e in json.loads(runner.invoke(app, ["history", "--json", "lab-rule"]).stdout)] == [
        "added",
        "updated",
        "removed",
    ]
    text = runner.invoke(app, ["history", "lab-rule"]).stdout
    assert "removed" in text and "Lab Rule v2" in text
    missing = runner.invoke(app, ["history", "nope"])
    assert missing.exit_code == 1 and "no history for 'nope'" in missing.stderr


def test_negative_dense_weight_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALUSE_DENSE_WEIGHT", "-1")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: DUALUSE_DENSE_WEIGHT is invalid")
    assert len(result.stderr.strip().splitlines()) == 1


def test_ask_batch_answers_every_line_in_one_process(
    shipped_index_dir: Path, isolated_environment: Path, tmp_path: Path
) -> None:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    questions = tmp_path / "questions.txt"
    questions.write_text(
        "Who funds the UNODA/SIPRI programme?\n\n"
        + json.dumps({"id": "q2", "question": "What are the Hague Ethical Guidelines?"})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ask", "--batch", str(questions)])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 3] and rows[1]["id"] == "q2"
    assert all(r["status"] == "answered" and r["citations"] for r in rows)
    assert rows[0]["question"] == "Who funds the UNODA/SIPRI programme?"


def test_ask_batch_reads_stdin_and_gives_a_bad_line_one_error(
    shipped_index_dir: Path, isolated_environment: Path
) -> None:
    shutil.copytree(shipped_index_dir, isolated_environment / "index")
    stdin = "{not json\n" + json.dumps({"text": "no question field"}) + "\nWhat is the ACM Code of Ethics?\n"
    result = runner.invoke(app, ["ask", "--batch", "-"], input=stdin)
    assert result.exit_code == 1  # after answering the good line
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["error"].startswith("line 1: not valid JSON") and "question" in rows[1]["error"]
    assert rows[2]["status"] == "answered"
    assert [line for line in result.stderr.splitlines() if line.startswith("error: line")] == [
        f"error: {rows[0]['error']}",
        f"error: {rows[1]['error']}",
    ]


def test_ask_needs_a_question_or_a_batch_file(isolated_environment: Path) -> None:
    for args in (["ask"], ["ask", "a question", "--batch", "-"], ["ask", "--batch", "missing.txt"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
