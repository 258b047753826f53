"""What every command receives: the settings, built once by the entry point, and the application, built when a
command first asks for it (commands that never touch the index, ``--help`` among them, do not pay for loading it).

Commands are module-level functions that take ``ctx: typer.Context`` and read it with :func:`settings_of` and
:func:`application_of`; nothing else is stored in the context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import Application


class CommandContext:
    """The object the entry point puts in ``ctx.obj``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._application: Application | None = None

    @property
    def application(self) -> Application:
        if self._application is None:
            from bot.app import Application  # loads Chroma, the model runtime and LangChain: only when needed

            self._application = Application(self.settings)
        return self._application


def _command_context(ctx: typer.Context) -> CommandContext:
    found = ctx.find_object(CommandContext)
    if found is None:  # a command invoked without the `dualuse` entry point's callback
        raise RuntimeError("no CommandContext: run commands through bot.cli.app")
    return found


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the entry point loaded (``--data-dir`` and the environment applied)."""
    return _command_context(ctx).settings


def application_of(ctx: typer.Context) -> Application:
    """The application (use cases behind Slack, the CLI and the admin page), built on first use."""
    return _command_context(ctx).application
