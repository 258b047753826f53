"""``kill -9`` of a process that is answering: the answer log stays whole and answering resumes after a restart.

Real ``dualuse ask --batch`` processes answer a stream of tagged questions (one JSON answer printed per question,
after it was logged) and are killed at random points: while starting, and a random moment after their first, second
or third answer, often in the middle of writing the next. After each kill the SQLite log is checked as a restarted
process finds it; after the last, a new process answers and logs every question.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

QUESTIONS = [
    "What are the Hague Ethical Guidelines?",
    "What does the UN Secretary-General say about lethal autonomous weapons?",
    "What is dual-use research of concern?",
    "How should a lab screen synthetic DNA orders?",
]


def dualuse() -> str:
    return str(Path(sys.executable).with_name("dualuse"))


def batch_file(folder: Path, run: int, count: int) -> Path:
    path = folder / f"run{run}.jsonl"
    lines = [
        json.dumps({"id": f"r{run}q{n}", "question": f"{QUESTIONS[n % len(QUESTIONS)]} [r{run}q{n}]"})
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Answering:
    """A ``dualuse ask --batch`` process whose printed answers are collected as they come."""

    def __init__(self, batch: Path, env: dict[str, str]) -> None:
        self.stderr = batch.with_suffix(".stderr")
        with self.stderr.open("w") as stderr:  # a file, not a pipe: nothing the process writes can block it
            self.process = subprocess.Popen(
                [dualuse(), "ask", "--batch", str(batch)], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        self.answered: list[str] = []  # the ids of the answers printed so far
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.answered.append(json.loads(line)["id"])

    def wait_for_answers(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.answered) < count:
            assert self.process.poll() is None or self._reader.is_alive(), "the process ended early"
            assert time.monotonic() < deadline, "no answer in time"
            time.sleep(0.01)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join(timeout=5)

    def finish(self) -> tuple[int, str]:
        self.process.wait(timeout=120)
        self._reader.join(timeout=5)  # stdout is the reader's alone
        return self.process.returncode, self.stderr.read_text()


def check_log(database: Path) -> dict[str, str]:
    """What a restarted process finds: an intact file, every record whole, no question logged twice.
    Returns the logged answers' tag -> status."""
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        logged: dict[str, str] = {}
        for answer_id, question, status in db.execute("SELECT id, question, status FROM answers"):
            tag = question.rsplit("[", 1)[-1].rstrip("]")
            assert tag not in logged, f"{tag} logged twice"
            logged[tag] = status
            ranks = [r for (r,) in db.execute("SELECT rank FROM retrieved_passages WHERE answer_id = ?", (answer_id,))]
            citations = db.execute("SELECT count(*) FROM citations WHERE answer_id = ?", (answer_id,)).fetchone()[0]
            assert sorted(ranks) == list(range(len(ranks))), f"{tag}: passages {ranks}"
            if status == "answered":
                assert ranks and citations, f"{tag}: answered without its passages or citations"
        return logged


@pytest.mark.slow
def test_kill_9_while_answering_leaves_a_whole_log_and_answering_resumes(
    tmp_path: Path, shipped_index_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(shipped_index_dir, data_dir)  # indexed already: the processes answer, they do not ingest
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OPENAI_", "DUALUSE_"))}
    env |= {"DUALUSE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    database = data_dir / "dualuse.sqlite3"
    rng = random.Random(1409)
    printed: list[str] = []
    kills = []
    for run in range(4):
        answering = Answering(batch_file(tmp_path, run, 12), env)
        if run == 0:
            time.sleep(rng.uniform(1.0, 3.0))  # while starting (loading the models, opening the log)
            point = "starting"
        else:
            after = rng.randint(1, 3)
            answering.wait_for_answers(after)
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere in the next answer: retrieving, composing or logging
            point = f"after answer {after}"
        answering.kill()
        kills.append(f"{point} ({len(answering.answered)} printed)")
        printed += answering.answered
        logged = check_log(database) if database.exists() else {}
        # Every answer that was shown had been logged first; a kill after the commit and before the print
        # leaves at most one more logged than shown.
        assert set(printed) <= set(logged), set(printed) - set(logged)
        assert len(logged) - len(printed) <= run + 1

    after_restart = Answering(batch_file(tmp_path, 9, 3), env)
    returncode, stderr = after_restart.finish()
    assert returncode == 0, stderr
    assert after_restart.answered == ["r9q0", "r9q1", "r9q2"]
    assert "Traceback" not in stderr and "not logged" not in stderr
    logged = check_log(database)
    assert {"r9q0", "r9q1", "r9q2"} <= set(logged)
    listed = subprocess.run([dualuse(), "log", "list", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    print(f"kills: {'; '.join(kills)}; {len(logged)} answers logged, {len(printed) + 3} printed")
