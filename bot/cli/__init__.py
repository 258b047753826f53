"""The ``dualuse`` command line: the entry point builds settings and services and hands them to commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.dotenv_check import check_dotenv
from bot.logging_setup import configure_logging
from bot.settings import Settings, load_settings

if TYPE_CHECKING:
    from bot.app import Application
from . import admin, ask, corpus, evaluate, guard, index_check, log, serve
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
    ctx.obj = LazyApplication(settings)


class LazyApplication:
    """What every command receives as ``ctx.obj``: the settings now, the application when first asked for
    (commands that never touch the index, ``--help`` among them, should not pay for loading it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._application: Application | None = None

    def get(self) -> Application:
        if self._application is None:
            from bot.app import Application  # loads Chroma, the model runtime and LangChain: only when needed

            self._application = Application(self.settings)
        return self._application


ask.register(app)
corpus.register(app)
index_check.register(app)
evaluate.register(app)
guard.register(app)
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
