"""The ``dualuse`` command line: the entry point loads the settings and hands them to commands (``context.py``);
each module's ``register(app)`` attaches its module-level commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from bot.dotenv_check import check_dotenv
from bot.logging_setup import configure_logging
from bot.settings import load_settings

from . import admin, ask, documents, evaluate, guard, index_check, log, nudge, serve
from .context import CommandContext
from .output import user_errors

app = typer.Typer(
    name="dualuse",
    help="Answer AI practitioners' dual-use questions from a cited corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
@user_errors
def _configure(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where state lives (default: $DUALUSE_DATA_DIR).")
    ] = None,
) -> None:
    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    notice = check_dotenv()  # a .env in the working directory: refused when dangerous, named when it matters
    settings = load_settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    if notice:
        typer.echo(notice, err=True)
    ctx.obj = CommandContext(settings)


ask.register(app)
documents.register(app)
index_check.register(app)
evaluate.register(app)
guard.register(app)
nudge.register(app)
serve.register(app)
log.register(app)
admin.register(app)


def main() -> None:
    try:
        app(prog_name="dualuse")
    except BrokenPipeError:
        # The reader went away (e.g. `dualuse sources | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        raise SystemExit(0) from None
