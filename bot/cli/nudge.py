"""``dualuse nudge``: rebuild, check and measure the nudge detector's classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corpus import nudge_blind_dir, nudge_train_dir

from .context import settings_of
from .output import print_json, user_errors


@user_errors
def train_command(
    ctx: typer.Context,
    data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: shipped).")] = None,
) -> None:
    """Train the classifier on the labelled messages and write the model and its manifest."""
    from bot.app.nudge_model import train_nudge_model

    report, target = train_nudge_model(data or [nudge_train_dir()], cache_dir=settings_of(ctx).cache_dir, out=out)
    typer.echo(
        f"trained on {report.examples} messages ({report.nudges} that should trigger): threshold "
        f"{report.threshold:.3f}, out-of-fold precision {report.oof_precision:.3f}, recall {report.oof_recall:.3f}, "
        f"{report.oof_false_nudges_per_1000:.2f} false nudges per 1,000 everyday messages; wrote {target}"
    )


@user_errors
def check_command(
    data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
) -> None:
    """Confirm the shipped model matches its manifest and was trained on the labelled data as it is now."""
    from bot.app.nudge_model import check_nudge_model

    checked = check_nudge_model(data or [nudge_train_dir()])
    typer.echo(
        f"nudge model ok: weights {checked.weights_sha256[:12]}, data {checked.data_sha256[:12]}, "
        f"threshold {checked.threshold:.3f}"
    )


@user_errors
def eval_command(
    data: Annotated[list[Path] | None, typer.Option("--set", help="Labelled .jsonl files or folders.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    mistakes: Annotated[bool, typer.Option("--mistakes", help="List every missed or false nudge.")] = False,
) -> None:
    """Precision, recall and false nudges per 1,000 everyday messages (default: the blind split), classifier only."""
    from bot.app.nudge_model import measure_nudges

    report = measure_nudges(data or [nudge_blind_dir()])
    if as_json:
        print_json(
            {
                "metrics": {k: round(v, 4) for k, v in report.metrics.items()},
                "per_topic": report.per_topic,
                "passed": report.passed,
                "failures": report.failures,
                **({"mistakes": report.mistakes} if mistakes else {}),
            }
        )
    else:
        for name, value in report.metrics.items():
            typer.echo(f"{name:<24} {value:8.3f}")
        for key, figures in report.per_topic.items():
            typer.echo(f"  {key:<16} recall {figures['recall']:.3f} of {figures['messages']:.0f}")
        if mistakes:
            for mistake in report.mistakes:
                typer.echo(json.dumps(mistake, ensure_ascii=False))
        typer.echo("PASSED" if report.passed else "FAILED: " + "; ".join(report.failures))
    if not report.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    nudge_app = typer.Typer(help="The nudge detector's classifier: train it, check it, measure it.")
    nudge_app.command("train")(train_command)
    nudge_app.command("check")(check_command)
    nudge_app.command("eval")(eval_command)
    app.add_typer(nudge_app, name="nudge")
