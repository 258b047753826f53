"""Labelled JSON-lines files (the misuse guard's requests, the nudge detector's messages): which files a set of
paths names, one parsed row per line with its file:line for error reports, and the hash a trained model records."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

Row = TypeVar("Row")


def labelled_files(paths: Iterable[Path]) -> list[Path]:
    """The .jsonl files named, and those in the folders named, in order."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    return files


def read_labelled(paths: Iterable[Path], parse: Callable[[dict[str, Any], str], Row], what: str) -> list[Row]:
    """``parse(row, "file:line")`` for every non-blank line; a line that is not JSON, or that ``parse`` rejects with
    KeyError or TypeError, is refused as "file:line: not a ``what``"; ``parse`` raises ValueError for anything else."""
    rows: list[Row] = []
    for file in labelled_files(paths):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{file.name}:{number}"
            try:
                rows.append(parse(json.loads(line), where))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{where}: not a {what} ({exc})") from None
    return rows


def check_label(label: str, text: str, labels: Iterable[str], where: str) -> None:
    labels = tuple(labels)
    if label not in labels:
        raise ValueError(f"{where}: label {label!r} is not one of {', '.join(labels)}")
    if not text:
        raise ValueError(f"{where}: the text is empty")


def data_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the labelled files' names and bytes: the manifest records which data a model was trained on."""
    digest = hashlib.sha256()
    for file in labelled_files(paths):
        digest.update(file.name.encode() + b"\x00" + file.read_bytes() + b"\x00")
    return digest.hexdigest()
