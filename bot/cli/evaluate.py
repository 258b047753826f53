"""``dualuse eval``: the golden-set evaluation, used as a gate in CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corpus import eval_dir, nudge_blind_dir, safety_blind_dir

from .context import application_of
from .output import fail, print_json, progress_bar, user_errors


@user_errors
def eval_command(
    ctx: typer.Context,
    golden: Annotated[
        list[Path] | None, typer.Option("--set", help="Golden set file or folder (default: the shipped set).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object of metrics.")] = False,
    safety: Annotated[
        list[Path] | None,
        typer.Option(
            "--safety-set",
            help="Labelled requests for the misuse guard (default with the shipped "
            "golden set: the guard's blind split).",
        ),
    ] = None,
    languages: Annotated[
        bool,
        typer.Option(
            "--languages",
            help="Also ask the golden questions translated into French, Spanish, Russian, Arabic and Chinese, and "
            "report and gate each language against English.",
        ),
    ] = False,
    nudge_set: Annotated[
        list[Path] | None,
        typer.Option(
            "--nudge-set",
            help="Labelled workplace messages for the nudge detector (default with the shipped golden set: "
            "its blind split).",
        ),
    ] = None,
) -> None:
    """Measure retrieval, citations, facts, abstention and refusal on the golden set; exit 1 below the gates."""
    from bot.app.evaluation import THRESHOLDS, load_golden
    from bot.app.nudge_model import load_labelled_messages
    from bot.app.safety import load_labelled_requests

    application = application_of(ctx)
    paths = list(golden or [eval_dir()])
    if languages:
        paths.append(eval_dir() / "i18n")
    for path in paths:
        if not path.exists():
            raise fail(f"golden set {path} does not exist")
    try:
        questions = load_golden(paths)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if not questions:
        raise fail(f"no golden questions found in {', '.join(map(str, paths))}")
    # The misuse guard on requests it was never trained on (checked before the golden run, which takes minutes).
    requests = load_labelled_requests(safety or [safety_blind_dir()]) if safety or not golden else []
    messages = load_labelled_messages(nudge_set or [nudge_blind_dir()]) if nudge_set or not golden else []
    with progress_bar("Indexing the shipped corpus") as progress:
        application.library.ensure_shipped_corpus(progress)
    result = application.evaluate(questions)
    gates = dict(THRESHOLDS)
    if result.per_language:  # translated questions among them: each language is gated against English
        from bot.app.evaluation import LANGUAGE_THRESHOLDS, language_failures

        result.failures.extend(language_failures(result.per_language))
        gates.update({f"{name} (each language)": gate for name, gate in LANGUAGE_THRESHOLDS.items()})
    if requests:
        from bot.app.evaluation import GUARD_THRESHOLDS

        guard_report = application.evaluate_guard(requests)
        result.metrics.update(guard_report.metrics)
        result.failures.extend(guard_report.failures)
        gates.update(GUARD_THRESHOLDS)
    if messages:
        from bot.app.evaluation import NUDGE_THRESHOLDS

        nudge_report = application.evaluate_nudges(messages)
        result.metrics.update(nudge_report.metrics)
        result.failures.extend(nudge_report.failures)
        gates.update(NUDGE_THRESHOLDS)
    if as_json:
        print_json(
            {
                **{k: round(v, 4) for k, v in result.metrics.items()},
                "passed": result.passed,
                "failures": result.failures,
                "per_set": {
                    name: {k: round(v, 4) for k, v in figures.items()} for name, figures in result.per_set.items()
                },
                **(
                    {
                        "per_language": {
                            name: {k: round(v, 4) for k, v in figures.items()}
                            for name, figures in result.per_language.items()
                        }
                    }
                    if result.per_language
                    else {}
                ),
            }
        )
    else:
        for name, value in result.metrics.items():
            gate = gates.get(name)
            mark = f"  (gate {gate[0]} {gate[1]})" if gate else ""
            typer.echo(f"{name:<28} {value:8.3f}{mark}")
        typer.echo("")
        typer.echo(
            f"{'per set':<16} {'questions':>9} {'facts':>7} {'median chars':>12} {'cited right':>11} "
            f"{'abst. prec':>10} {'abst. recall':>12}"
        )
        for name, f in result.per_set.items():
            typer.echo(
                f"{name:<16} {f['questions']:9.0f} {f['fact_coverage']:7.3f} "
                f"{f['median_answer_chars']:12.0f} {f['citation_recall']:11.3f} "
                f"{f['abstention_precision']:10.3f} {f['abstention_recall']:12.3f}"
            )
        if result.per_language:
            typer.echo("")
            typer.echo(
                f"{'per language':<16} {'questions':>9} {'recall@5':>8} {'cited right':>11} "
                f"{'abst. prec':>10} {'abst. recall':>12}"
            )
            for name, f in result.per_language.items():
                typer.echo(
                    f"{name:<16} {f['questions']:9.0f} {f['recall_at_5']:8.3f} {f['citation_recall']:11.3f} "
                    f"{f['abstention_precision']:10.3f} {f['abstention_recall']:12.3f}"
                )
        typer.echo("PASSED" if result.passed else "FAILED: " + "; ".join(result.failures))
    if not result.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
