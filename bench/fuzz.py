"""The fuzz properties of tests/test_fuzz.py with a long budget (20,000 examples each; CI runs 60).

    python bench/fuzz.py            # about 10-20 minutes on two cores
    python bench/fuzz.py -k address # one property

A failure prints hypothesis's shrunk example; add it to tests/test_fuzz.py (or a regression test beside the code
it broke) before fixing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "DUALUSE_FUZZ_PROFILE": "long"}
    command = [sys.executable, "-m", "pytest", "-q", str(ROOT / "tests" / "test_fuzz.py"), *sys.argv[1:]]
    return subprocess.call(command, env=env, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
