"""Issue 14, item 12: a full disk during ingest gives one line per file and an exit status, never a traceback or a
hang, and after space is freed a re-run stores everything and leaves no orphan passages (a real tmpfs, real Chroma).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.embeddings import MiniLMEmbeddings
from ingest.index import RETIRED_GRACE_SECONDS

from .stores import open_index

pytestmark = pytest.mark.slow
DOCS = 20
HEADROOM = 600 * 1024  # bytes left free once the index exists: a few documents fit, then the disk is full


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if result.returncode != 0:
        reason = f"cannot mount a small tmpfs here ({result.stderr.decode().strip() or 'not root'})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true runs as root and needs it")
        pytest.skip(reason)


def test_a_full_disk_ends_the_ingest_with_one_line_per_file_and_a_rerun_repairs(tmp_path: Path) -> None:
    folder, mount = tmp_path / "docs", tmp_path / "small-disk"
    folder.mkdir()
    for i in range(DOCS):
        words = " ".join(f"w{i}x{j}" for j in range(300))
        (folder / f"doc{i:03d}.md").write_text(f'---\nid: doc{i:03d}\ntitle: "Doc {i}"\n---\n\nDoc {i}. {words}.\n')
    _mount_tmpfs(mount, "32M")
    dualuse = str(Path(sys.executable).with_name("dualuse"))
    env = {**os.environ, "DUALUSE_DATA_DIR": str(mount / "data")}
    try:
        subprocess.run([dualuse, "sources"], env=env, capture_output=True, check=True)  # the empty index
        ballast = mount / "ballast"
        with ballast.open("wb") as handle:
            handle.write(b"\0" * (shutil.disk_usage(mount).free - HEADROOM))
        started = time.monotonic()
        full = subprocess.run([dualuse, "ingest", str(folder)], env=env, capture_output=True, text=True, timeout=240)
        elapsed = time.monotonic() - started
        assert full.returncode == 1, full.stderr[-2000:]
        assert "Traceback" not in full.stderr
        errors = [line for line in full.stderr.splitlines() if line.startswith("error: ")]
        others = [line for line in full.stderr.splitlines() if not line.startswith("error: ")]
        assert all(" WARNING " in line for line in others), others  # log lines, one line each
        assert errors and all("is full" in line for line in errors), errors[:3]
        summary = full.stdout.strip().splitlines()[-1]
        added = int(summary.split(" added")[0])
        run_errors = [line for line in errors if "new revision" in line]  # the run's own line
        assert f"{DOCS - added} failed" in summary and len(errors) - len(run_errors) == DOCS - added, summary

        ballast.unlink()  # space is freed
        rerun = subprocess.run([dualuse, "ingest", str(folder)], env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        index = open_index(mount / "data", MiniLMEmbeddings())
        versions = index.live_versions()
        assert len(versions) == DOCS
        index.sweep_retired(now=time.time() + RETIRED_GRACE_SECONDS + 1)
        chunks = index._chunks.get(include=["metadatas"])["metadatas"]
        assert [m for m in chunks if versions.get(str(m["doc_id"])) != m["version"]] == [], "orphan passages remain"
        print(f"full disk: {added} added, {DOCS - added} failed with one line each, ended after {elapsed:.1f} s")
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
