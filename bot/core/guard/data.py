"""Labelled requests for the misuse guard: the training files (``corpus/safety/train``) and the blind test split
(``corpus/safety/blind``, written by someone who never saw the training data; never trained on).

One JSON object per line: ``text``, ``label`` (a harm area or ``benign``), ``area``, ``style``, ``lang`` and
optionally ``history`` (the same user's earlier turns in the conversation, oldest first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..labelled import check_label, data_hash, read_labelled
from .policy import AREAS, LABELS


@dataclass(frozen=True)
class LabelledRequest:
    text: str
    label: str
    area: str
    style: str
    lang: str
    history: tuple[str, ...] = ()
    source: str = ""  # file:line, for error reports

    @property
    def harmful(self) -> bool:
        return self.label != "benign"


def _request(row: dict[str, Any], where: str) -> LabelledRequest:
    request = LabelledRequest(
        text=str(row["text"]).strip(),
        label=str(row["label"]),
        area=str(row.get("area") or row["label"]),
        style=str(row.get("style", "")),
        lang=str(row.get("lang", "en")),
        history=tuple(str(turn) for turn in row.get("history") or ()),
        source=where,
    )
    check_label(request.label, request.text, LABELS, where)
    return request


def load_requests(paths: Iterable[Path]) -> list[LabelledRequest]:
    """Every labelled request in the files or folders; a malformed line is refused with its file and line."""
    return read_labelled(paths, _request, "labelled request")


# Benign requests that are not about weapons or attacks at all, whatever words they borrow: "bomb chili", a
# tower-defence turret, "kill a process". The area "general" (or "none") marks such a request in any style.
OFF_TOPIC_STYLES = frozenset({"everyday", "homonym", "figure_of_speech", "safe_context"})


def on_topic(request: LabelledRequest) -> bool:
    """Whether the request is about weapons, attacks or their control at all (every harmful request is)."""
    return request.harmful or not (request.style in OFF_TOPIC_STYLES or request.area in ("general", "none"))


def training_text(request: LabelledRequest) -> str:
    """What the classifier learns from: a harmful follow-up is learnt with its conversation (its meaning lives
    there); a benign one alone, since at serving time a follow-up is refused only if it asks for something itself."""
    if request.history and request.harmful:
        return " ".join((*request.history[-2:], request.text))
    return request.text


__all__ = ["AREAS", "LabelledRequest", "data_hash", "load_requests", "on_topic", "training_text"]
