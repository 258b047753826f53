"""Labelled workplace messages for the nudge detector: the training files (``corpus/nudge/train``) and the blind
split (``corpus/nudge/blind``, written by someone who saw neither the training data nor the code; never trained on).

One JSON object per line: ``id``, ``text``, ``label`` (``nudge`` or ``everyday``) and ``topic`` (for a nudge, the
kind of dual-use work; for an everyday message, its kind of traffic, ``hard_negative`` for borrowed vocabulary).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..labelled import check_label, data_hash, read_labelled
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


def _message(row: dict[str, Any], where: str) -> LabelledMessage:
    message = LabelledMessage(str(row["text"]).strip(), str(row["label"]), str(row.get("topic", "")), where)
    check_label(message.label, message.text, LABELS, where)
    return message


def load_messages(paths: Iterable[Path]) -> list[LabelledMessage]:
    """Every labelled message in the files or folders; a malformed line is refused with its file and line."""
    return read_labelled(paths, _message, "labelled message")


__all__ = ["LABELS", "LabelledMessage", "data_hash", "load_messages"]
