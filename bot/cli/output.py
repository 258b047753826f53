"""Terminal output: one-line errors, JSON, progress bars and answer rendering."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.errors import DualuseError

from ..answers import Answer

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("bot.cli")
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
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
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


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
    lines = [answer.answer]
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
