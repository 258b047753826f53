"""Terminal output: one-line errors, JSON, progress bars and answer rendering.

Everything printed goes through :func:`echo` (or :func:`print_json`), which shows control characters, terminal
escape sequences and bidirectional overrides as visible escapes (``\\x1b``): titles, passages, file names and
questions come from documents and users, and must not drive the terminal. :func:`one_line` also escapes line
breaks, for values (file names, errors) that must not start a line of their own and fake a summary.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.app import Answer
from ingest.errors import DualuseError

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("bot.cli")
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


# C0 controls except tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidi embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def clean(text: str) -> str:
    """``text`` with everything that could drive a terminal shown as an escape; line breaks and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` as one line: line breaks escaped too."""
    return _UNSAFE_LINE.sub(_escape, text)


def echo(text: str = "", *, err: bool = False) -> None:
    typer.echo(clean(text), err=err)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code)


def user_errors(command: F) -> F:
    """Turn errors meant for the user into one line on stderr and exit status 1; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DualuseError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except (typer.Exit, typer.Abort, SystemExit, BrokenPipeError):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: log the details, show one line
            logger.debug("unexpected error", exc_info=True)
            raise fail(f"unexpected {type(exc).__name__}: {exc} (set DUALUSE_LOG_LEVEL=DEBUG for details)") from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    # json.dumps escapes C0 controls itself; DEL, C1 and bidi controls pass raw with ensure_ascii=False.
    text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False))
    sys.stdout.write(text + "\n")


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress callback drawing a bar on stderr when it is a terminal (and nothing otherwise)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[item]}"),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None, item="")

        def update(done: int, total: int, item: str) -> None:
            progress.update(task, completed=done, total=total, item=item)

        yield update


def render_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines += ["", f"Note: {answer.notice}"]
    if answer.unsupported:
        lines += ["", "Not supported by the cited sources (markers removed):"]
        lines += [f"  - {sentence}" for sentence in answer.unsupported]
    if answer.citations:
        lines += ["", "Sources:" if answer.status == "answered" else "Guidance:"]
        for c in answer.citations:
            where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
            origin = ", ".join(x for x in (c.publisher, c.date) if x)
            head = f"[{c.n}] {c.title}" + (f" ({origin})" if origin else "") + (f" - {where}" if where else "")
            lines.append(head)
            if c.url:
                lines.append(f"    {c.url}")
            if c.quote:
                lines.append(f'    "{c.quote}"')
    return "\n".join(lines)
