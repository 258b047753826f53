"""What the admin routes need, set once on ``app.state`` by ``create_app`` and handed to routes by typed providers.

A route names its dependencies as parameters (``log: Log``, ``guard: AdminGuard``, ``session: SignedIn``) and
FastAPI resolves them per request; nothing is captured in a closure. The providers are plain functions of the
request, so helpers that only have the request (rendering, CSRF) call them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from bot.app import AnswerLog

from ._security import Guard

ReadinessCheck = Callable[[], dict[str, str]]  # name -> "ok" or the problem


def get_log(request: Request) -> AnswerLog:
    """The answer log: the answers admins browse, judge and correct."""
    log: AnswerLog = request.app.state.log
    return log


def get_guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def get_readiness(request: Request) -> ReadinessCheck | None:
    """The application's readiness check behind ``/readyz`` (None: only the database is checked)."""
    readiness: ReadinessCheck | None = request.app.state.readiness
    return readiness


Log = Annotated[AnswerLog, Depends(get_log)]
AdminGuard = Annotated[Guard, Depends(get_guard)]
Readiness = Annotated[ReadinessCheck | None, Depends(get_readiness)]
