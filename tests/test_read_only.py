"""Issue 14, item 13: read commands work on a read-only data dir (a real read-only bind mount)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.documents import write_markdown

pytestmark = pytest.mark.slow


def test_read_commands_work_on_a_read_only_data_dir(tmp_path: Path) -> None:
    dualuse = str(Path(sys.executable).with_name("dualuse"))
    data, mount = tmp_path / "data", tmp_path / "read-only"
    write_markdown(tmp_path / "d1.md", "Labs should review dual-use risks before the release of any model.", id="d1")
    env = {**os.environ, "DUALUSE_DATA_DIR": str(data)}
    subprocess.run([dualuse, "ingest", str(tmp_path / "d1.md")], env=env, check=True, capture_output=True)
    subprocess.run([dualuse, "ask", "review dual-use risks"], env=env, check=True, capture_output=True)
    mount.mkdir()
    bound = subprocess.run(["mount", "--bind", str(data), str(mount)], capture_output=True)
    if bound.returncode != 0:
        reason = "cannot bind-mount here (not root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true runs as root and needs it")
        pytest.skip(reason)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        env = {**os.environ, "DUALUSE_DATA_DIR": str(mount)}
        for command, expected in (
            (["sources"], "1 documents, 1 passages"),
            (["history", "d1"], "added"),
            (["log", "list"], "review dual-use risks"),
            (["ask", "review dual-use risks before release"], "Labs should review dual-use risks"),
        ):
            result = subprocess.run([dualuse, *command], env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, (command, result.stderr)
            assert expected in result.stdout, (command, result.stdout)
            assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 1, result.stderr
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
