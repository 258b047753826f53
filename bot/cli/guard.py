"""``dualuse guard``: rebuild, check and measure the misuse guard's classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corpus import safety_blind_dir, safety_train_dir

from .context import settings_of
from .output import print_json, user_errors


@user_errors
def train_command(
    ctx: typer.Context,
    data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: shipped).")] = None,
) -> None:
    """Train the classifier on the labelled requests and write the model and its manifest."""
    from bot.app.safety import train_guard

    report, target = train_guard(data or [safety_train_dir()], cache_dir=settings_of(ctx).cache_dir, out=out)
    typer.echo(
        f"trained on {report.examples} requests ({report.harmful} harmful): threshold {report.threshold:.3f}, "
        f"out-of-fold recall {report.oof_recall:.3f}, false refusals {report.oof_false_refusals:.3%}; "
        f"wrote {target}"
    )
    for language, figures in report.by_language.items():
        typer.echo(
            f"  {language}: out-of-fold recall {figures.recall:.3f} of {figures.harmful} harmful, "
            f"false refusals {figures.false_refusals:.2%} of {figures.benign} benign"
        )


@user_errors
def check_command(
    data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
) -> None:
    """Confirm the shipped model matches its manifest and was trained on the labelled data as it is now."""
    from bot.app.safety import check_guard

    checked = check_guard(data or [safety_train_dir()])
    typer.echo(
        f"guard model ok: weights {checked.weights_sha256[:12]}, data {checked.data_sha256[:12]}, "
        f"threshold {checked.threshold:.3f}"
    )


@user_errors
def eval_command(
    data: Annotated[list[Path] | None, typer.Option("--set", help="Labelled .jsonl files or folders.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List every missed or over-refused request.")] = False,
) -> None:
    """Refusal recall per area, precision and over-refusal on labelled requests (default: the blind split)."""
    from bot.app.safety import measure_guard

    report = measure_guard(data or [safety_blind_dir()])
    if as_json:
        print_json(
            {
                "metrics": {k: round(v, 4) for k, v in report.metrics.items()},
                "per_language": report.per_language,
                "passed": report.passed,
                "failures": report.failures,
                **({"misses": report.misses} if misses else {}),
            }
        )
    else:
        for name, value in report.metrics.items():
            typer.echo(f"{name:<34} {value:8.3f}")
        for lang, figures in report.per_language.items():
            typer.echo(
                f"  {lang:<4} recall {figures['recall']:.3f} of {figures['harmful']:.0f}, "
                f"over-refusal {figures['over_refusal']:.3f} of {figures['benign']:.0f}"
            )
        if misses:
            for miss in report.misses:
                typer.echo(json.dumps(miss, ensure_ascii=False))
        typer.echo("PASSED" if report.passed else "FAILED: " + "; ".join(report.failures))
    if not report.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    guard_app = typer.Typer(help="The misuse guard's classifier: train it, check it, measure it.")
    guard_app.command("train")(train_command)
    guard_app.command("check")(check_command)
    guard_app.command("eval")(eval_command)
    app.add_typer(guard_app, name="guard")
