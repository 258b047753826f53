"""``dualuse index check [--repair]``: do Chroma's passages and the document registry agree?

One line per finding (and, with ``--repair``, one per repair), then a summary line. Exit status: ``check`` exits 1
when it finds any disagreement; ``--repair`` exits 0 when it repaired everything it found, 1 when something is
left. The logic lives in ``ingest.consistency``, reached through the application's document library; this module only
prints.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .context import application_of
from .output import echo, one_line, user_errors


@user_errors
def check(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Delete orphan passages; re-ingest a record without passages from its file, or remove it "
            "when the file is gone.",
        ),
    ] = False,
) -> None:
    """Find orphan passages and records without passages; exit 1 when there are any."""
    library = application_of(ctx).library
    report = library.check()
    for finding in report.findings:
        echo(one_line(finding.describe()))
    if not report.findings:
        echo(report.summary())
        return
    if not repair:
        echo(f"{report.summary()}; run 'dualuse index check --repair' to fix")
        raise typer.Exit(1)
    left = 0
    for outcome in library.repair(report):
        echo(one_line(f"{'repaired' if outcome.done else 'not repaired'}: {outcome.message}"))
        left += not outcome.done
    if left:
        echo(f"{report.summary()}; {left} not repaired")
        raise typer.Exit(1)
    echo(f"{report.summary()}; all repaired")


def register(app: typer.Typer) -> None:
    index_app = typer.Typer(help="Look after the index: passages in Chroma, records in the database.")
    app.add_typer(index_app, name="index")
    index_app.command("check")(check)
