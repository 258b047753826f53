"""The terminal's conversation: ``dualuse ask --follow-up`` continues the previous question's conversation, so a
follow-up is answered (and judged by the misuse guard) with what was asked before.

Kept as a small JSON file in the data directory; every ``ask`` without ``--follow-up`` starts a new one. A missing
or damaged file simply means no earlier turns.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bot.app import Answer

MAX_TURNS = 8
FILE_NAME = "cli-conversation.json"


def load_turns(data_dir: Path) -> list[tuple[str, str]]:
    try:
        rows = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        return [(str(speaker), str(text)) for speaker, text in rows][-MAX_TURNS:]
    except (OSError, ValueError, TypeError):
        return []


def save_turns(data_dir: Path, turns: list[tuple[str, str]], answer: Answer) -> None:
    turns = [*turns, ("user", answer.question), ("assistant", answer.text)][-MAX_TURNS:]
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{FILE_NAME}.{os.getpid()}"
    temporary.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
    temporary.replace(data_dir / FILE_NAME)
