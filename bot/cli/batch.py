"""``dualuse ask --batch``: many questions in one process, one JSON answer per input line.

Guarantees: every non-blank input line produces exactly one output line, in input order, so outputs can be
zipped with inputs. A line is a question as plain text, or a JSON object with a ``question`` field (any ``id`` field
is echoed back). A line that is not a usable question gets ``{"line": N, "error": "..."}`` instead of an answer and
one line on stderr; the other lines are still answered and the command then exits with status 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class BatchItem:
    line: int
    question: str = ""
    id: object = None
    error: str = ""


def read_batch(lines: Iterable[str]) -> Iterator[BatchItem]:
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        if not text.startswith("{"):
            yield BatchItem(number, text)
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            yield BatchItem(number, error=f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        question = row.get("question") if isinstance(row, dict) else None
        if not isinstance(question, str) or not question.strip():
            yield BatchItem(
                number,
                id=row.get("id") if isinstance(row, dict) else None,
                error=f'line {number}: a JSON line needs a "question" field with the question as text',
            )
            continue
        yield BatchItem(number, question, row.get("id"))
