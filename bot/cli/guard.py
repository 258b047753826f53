"""``dualuse guard``: rebuild, check and measure the misuse guard's classifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from corpus import safety_blind_dir, safety_train_dir

from .output import fail, print_json, user_errors

if TYPE_CHECKING:
    from ..guard.data import LabelledRequest

GUARD_EMBEDDING_ID = "minilm-l6-int8"  # the guard always reads MiniLM vectors, whatever backend retrieval uses


def _embed():
    from ingest.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings().embed_array


def load_labelled_requests(paths: list[Path]) -> list[LabelledRequest]:
    """The labelled requests in ``paths``; a missing path, a bad line or an empty set is one line and exit 1."""
    from ..guard.data import load_requests

    for path in paths:
        if not path.exists():
            raise fail(f"{path} does not exist; give a .jsonl file or a folder of them")
    try:
        requests = load_requests(paths)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    if not requests:
        raise fail(f"no labelled requests in {', '.join(map(str, paths))}")
    return requests


def register(app: typer.Typer) -> None:
    guard_app = typer.Typer(help="The misuse guard's classifier: train it, check it, measure it.")
    app.add_typer(guard_app, name="guard")

    @guard_app.command("train")
    @user_errors
    def train_command(
        ctx: typer.Context,
        data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: shipped).")] = None,
    ) -> None:
        """Train the classifier on the labelled requests and write the model and its manifest."""
        try:
            from ..guard.train import CachedEmbed, train
        except ImportError:
            raise fail('training needs scikit-learn: pip install -e ".[train]"') from None
        from ..guard.data import data_hash
        from ..guard.model import MODEL_DIR

        paths = data or [safety_train_dir()]
        requests = load_labelled_requests(paths)
        embed = CachedEmbed(_embed(), ctx.obj.settings.cache_dir / "guard-embeddings.npz", GUARD_EMBEDDING_ID)
        model, report = train(requests, embed, embedding_id=GUARD_EMBEDDING_ID, data_sha256=data_hash(paths))
        target = out or MODEL_DIR
        model.save(target)
        typer.echo(
            f"trained on {report.examples} requests ({report.harmful} harmful): threshold {report.threshold:.3f}, "
            f"out-of-fold recall {report.oof_recall:.3f}, false refusals {report.oof_false_refusals:.3%}; "
            f"wrote {target}"
        )

    @guard_app.command("check")
    @user_errors
    def check_command(
        data: Annotated[list[Path] | None, typer.Option("--data", help="Labelled .jsonl files or folders.")] = None,
    ) -> None:
        """Confirm the shipped model matches its manifest and was trained on the labelled data as it is now."""
        from ..guard.data import data_hash
        from ..guard.model import GuardModelError, load_model

        try:
            model = load_model()
        except GuardModelError as exc:
            raise fail(str(exc)) from None
        expected = data_hash(data or [safety_train_dir()])
        if model.manifest.get("data_sha256") != expected:
            raise fail("the guard model was trained on different labelled data; rebuild it with `dualuse guard train`")
        typer.echo(f"guard model ok: weights {str(model.manifest['weights_sha256'])[:12]}, data {expected[:12]}, "
                   f"threshold {model.threshold:.3f}")

    @guard_app.command("eval")
    @user_errors
    def eval_command(
        data: Annotated[list[Path] | None, typer.Option("--set", help="Labelled .jsonl files or folders.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
        misses: Annotated[bool, typer.Option("--misses", help="List every missed or over-refused request.")] = False,
    ) -> None:
        """Refusal recall per area, precision and over-refusal on labelled requests (default: the blind split)."""
        from ingest.embeddings import MiniLMEmbeddings

        from ..extractive import SentenceVectors
        from ..guard import MisuseGuard
        from ..guard.evaluate import evaluate_guard

        requests = load_labelled_requests(data or [safety_blind_dir()])
        report = evaluate_guard(requests, MisuseGuard(SentenceVectors(MiniLMEmbeddings())))
        if as_json:
            print_json({"metrics": {k: round(v, 4) for k, v in report.metrics.items()}, "per_language":
                        report.per_language, "passed": report.passed, "failures": report.failures,
                        **({"misses": report.misses} if misses else {})})
        else:
            for name, value in report.metrics.items():
                typer.echo(f"{name:<34} {value:8.3f}")
            for lang, figures in report.per_language.items():
                typer.echo(f"  {lang:<4} recall {figures['recall']:.3f} of {figures['harmful']:.0f}, "
                           f"over-refusal {figures['over_refusal']:.3f} of {figures['benign']:.0f}")
            if misses:
                for miss in report.misses:
                    typer.echo(json.dumps(miss, ensure_ascii=False))
            typer.echo("PASSED" if report.passed else "FAILED: " + "; ".join(report.failures))
        if not report.passed:
            raise typer.Exit(1)
