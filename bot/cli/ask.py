"""``dualuse ask``: answer one question from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from .conversation import load_turns, save_turns
from .output import print_json, progress_bar, render_answer, stderr, user_errors


def register(app: typer.Typer) -> None:
    @app.command("ask")
    @user_errors
    def ask(
        ctx: typer.Context,
        question: Annotated[str, typer.Argument(help="The question, in quotes.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
        follow_up: Annotated[
            bool, typer.Option("--follow-up", "-f", help="Continue the previous question's conversation.")
        ] = False,
    ) -> None:
        """Answer a question with numbered, cited sources (indexes the shipped corpus on first use)."""
        services = ctx.obj.get()
        with progress_bar("Indexing the shipped corpus") as progress:
            report = services.ensure_corpus(progress)
        if report is not None and not as_json:
            stderr.print(
                f"[dim]Indexed the shipped corpus: {report.count('added')} documents, "
                f"{report.chunks_written} passages.[/dim]"
            )
        data_dir = services.settings.data_dir
        history = load_turns(data_dir) if follow_up else []
        answer = services.engine.ask(question, history)
        services.answer_log.record(answer, surface="cli")
        save_turns(data_dir, history, answer)
        if as_json:
            print_json(answer.as_dict())
        else:
            typer.echo(render_answer(answer))
