"""Helpers every page shares: the signed-in check, CSRF on forms, and rendering with the session in context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from ._deps import AdminGuard, get_guard, get_templates
from ._security import Session


class NeedsSignIn(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def signed_in(request: Request, guard: AdminGuard) -> Session:
    """The admin's session, or a redirect to the sign-in form (a dependency: ``session: SignedIn``)."""
    session = guard.session(request)
    if session is None or not session.authenticated:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(path)
    return session


SignedIn = Annotated[Session, Depends(signed_in)]


def require_csrf(request: Request, session: Session, form: FormData) -> None:
    if not get_guard(request).csrf_ok(request, session, str(form.get("csrf_token", ""))):
        raise HTTPException(403, "The form expired or did not come from this page; reload it and try again.")


def safe_next(value: str) -> str:
    """Only same-site paths: never redirect to another host after signing in."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def render(
    request: Request, name: str, context: dict[str, object], *, status: int = 200, session: Session | None = None
) -> HTMLResponse:
    session = session or get_guard(request).session(request)
    context = {"session": session, "signed_in": bool(session and session.authenticated), **context}
    return get_templates(request).TemplateResponse(request, name, context, status_code=status)
