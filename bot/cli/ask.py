"""``dualuse ask``: answer one question from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from .output import echo, print_json, progress_bar, render_answer, stderr, user_errors


def register(app: typer.Typer) -> None:
    @app.command("ask")
    @user_errors
    def ask(
        ctx: typer.Context,
        question: Annotated[str, typer.Argument(help="The question, in quotes.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
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
        answer = services.engine.ask(question)
        try:
            services.answer_log.record(answer, surface="cli")
        except Exception as exc:  # noqa: BLE001 - e.g. a read-only data dir: the answer still counts
            echo(f"warning: this answer was not logged ({type(exc).__name__}: {str(exc).splitlines()[0]})", err=True)
        if as_json:
            print_json(answer.as_dict())
        else:
            echo(render_answer(answer))
