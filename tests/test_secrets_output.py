"""Issue 14, item 14: private state, no password in errors, and a .env in the working directory under control."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.documents import write_markdown
from tests.servers import free_port

runner = CliRunner()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_answer_log_and_the_index_are_private(tmp_path: Path, isolated_environment: Path) -> None:
    old = os.umask(0o022)  # the usual default: files 0644 in 0755 folders
    try:
        write_markdown(tmp_path / "doc.md", "Labs should review dual-use risks before release.", id="doc")
        assert runner.invoke(app, ["ingest", str(tmp_path / "doc.md")]).exit_code == 0
        assert runner.invoke(app, ["log", "list"]).exit_code == 0
    finally:
        os.umask(old)
    assert _mode(isolated_environment) == 0o700
    assert _mode(isolated_environment / "dualuse.sqlite3") == 0o600
    assert (isolated_environment / "index").is_dir()  # the index lives inside the private folder


def test_an_existing_open_data_dir_is_made_private(tmp_path: Path, isolated_environment: Path) -> None:
    isolated_environment.mkdir(mode=0o755)
    isolated_environment.chmod(0o755)
    assert runner.invoke(app, ["log", "list"]).exit_code == 0
    assert _mode(isolated_environment) == 0o700


def test_the_chroma_password_is_not_printed(isolated_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALUSE_CHROMA_URL", f"http://admin:s3cret-pw@127.0.0.1:{free_port()}")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1
    assert "s3cret-pw" not in result.output and "cannot reach the Chroma server at http://admin:***@" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_dotenv_cannot_send_the_operators_key_elsewhere(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path(".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-operator-key")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1
    assert "sets OPENAI_BASE_URL while OPENAI_API_KEY comes from the environment" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_dotenv_that_turns_a_guard_off_is_named(isolated_environment: Path) -> None:
    Path(".env").write_text("DUALUSE_ALLOW_PRIVATE_URLS=true\nDUALUSE_TOP_K=5\n", encoding="utf-8")
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 0
    assert "note: settings from" in result.stderr and "DUALUSE_ALLOW_PRIVATE_URLS" in result.stderr
    assert "DUALUSE_TOP_K" not in result.stderr


def test_a_dotenv_others_can_write_is_refused(isolated_environment: Path) -> None:
    Path(".env").write_text("DUALUSE_TOP_K=5\n", encoding="utf-8")
    Path(".env").chmod(0o666)
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 1 and "writable by others" in result.stderr
