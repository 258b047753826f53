"""Labelled workplace messages for the nudge detector: the training files (``corpus/nudge/train``) and the blind
split (``corpus/nudge/blind``, written by someone who saw neither the training data nor the code; never trained on).

One JSON object per line: ``id``, ``text``, ``label`` (``nudge`` or ``everyday``) and ``topic`` (for a nudge, the
kind of dual-use work; for an everyday message, its kind of traffic, ``hard_negative`` for borrowed vocabulary).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..guard.data import data_hash, labelled_files
from .considerations import consideration_for

LABELS = ("nudge", "everyday")


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    label: str
    topic: str
    source: str = ""  # file:line, for error reports

    @property
    def nudge(self) -> bool:
        return self.label == "nudge"

    @property
    def consideration(self) -> str:
        """The consideration a nudge for this message names ("" for everyday traffic)."""
        return consideration_for(self.topic).key if self.nudge else ""


def load_messages(paths: Iterable[Path]) -> list[LabelledMessage]:
    """Every labelled message in the files or folders; a malformed line is refused with its file and line."""
    messages: list[LabelledMessage] = []
    for file in labelled_files(paths):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{file.name}:{number}"
            try:
                row = json.loads(line)
                message = LabelledMessage(str(row["text"]).strip(), str(row["label"]), str(row.get("topic", "")), where)
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{where}: not a labelled message ({exc})") from None
            if message.label not in LABELS:
                raise ValueError(f"{where}: label {message.label!r} is not one of {', '.join(LABELS)}")
            if not message.text:
                raise ValueError(f"{where}: the text is empty")
            messages.append(message)
    return messages


__all__ = ["LABELS", "LabelledMessage", "data_hash", "load_messages"]
