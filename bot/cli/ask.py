"""``dualuse ask``: answer one question from the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ingest.errors import DualuseError

from .batch import read_batch
from .context import application_of
from .conversation import load_turns, save_turns
from .output import echo, fail, print_json, progress_bar, render_answer, stderr, user_errors

if TYPE_CHECKING:
    from bot.app import Application


@user_errors
def ask(
    ctx: typer.Context,
    question: Annotated[str | None, typer.Argument(help="The question, in quotes.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    follow_up: Annotated[
        bool, typer.Option("--follow-up", "-f", help="Continue the previous question's conversation.")
    ] = False,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            help="File of questions, one per line or JSON lines with a 'question' field "
            "('-': standard input); prints one JSON answer per line.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Answer a question with numbered, cited sources (indexes the shipped corpus on first use)."""
    if (question is None) == (batch is None):
        raise fail("give either a question or --batch FILE ('-' for standard input), not both and not neither")
    if batch is not None:
        lines = _batch_lines(batch)
    application = application_of(ctx)
    with progress_bar("Indexing the shipped corpus") as progress:
        report = application.library.ensure_shipped_corpus(progress)
    if batch is not None:
        _answer_batch(application, lines)
        return
    assert question is not None
    if report is not None and not as_json:
        stderr.print(
            f"[dim]Indexed the shipped corpus: {report.count('added')} documents, "
            f"{report.chunks_written} passages.[/dim]"
        )
    data_dir = application.settings.data_dir
    history = load_turns(data_dir) if follow_up else []
    asked = application.questions.ask(question, history=history, surface="cli")
    answer = asked.answer
    if asked.log_error:  # e.g. a read-only data dir: the answer still counts
        echo(f"warning: this answer was not logged ({asked.log_error})", err=True)
    else:
        try:
            save_turns(data_dir, history, answer)
        except OSError as exc:
            echo(f"warning: this conversation was not saved for --follow-up ({type(exc).__name__})", err=True)
    if as_json:
        print_json(answer.as_dict())
    else:
        echo(render_answer(answer))


def _batch_lines(batch: str) -> list[str]:
    if batch == "-":
        return sys.stdin.read().splitlines()
    path = Path(batch)
    if not path.is_file():
        raise fail(f"batch file {batch} does not exist")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"batch file {batch} cannot be read as UTF-8 text ({type(exc).__name__})") from None


def _answer_batch(application: Application, lines: list[str]) -> None:
    """One JSON line per question, answered by one engine in this process; exit 1 when any line was bad."""
    bad = 0
    for item in read_batch(lines):
        extra = {"line": item.line} | ({"id": item.id} if item.id is not None else {})
        error = item.error
        if not error:
            try:
                asked = application.questions.ask(item.question, surface="cli")
            except DualuseError as exc:
                error = f"line {item.line}: {exc}"
            else:
                if asked.log_error:
                    typer.echo(f"warning: line {item.line} was not logged ({asked.log_error})", err=True)
                print_json(extra | asked.answer.as_dict())
                continue
        bad += 1
        typer.echo(f"error: {error}", err=True)
        print_json(extra | {"error": error})
    if bad:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
