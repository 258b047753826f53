"""Signing in and out: the form, the token check (rate-limited, CSRF-protected) and the server-side session."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from ._deps import AdminGuard, get_guard
from ._web import render, safe_next

logger = logging.getLogger(__name__)
router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
    return sign_in_page(request, safe_next(next))


@router.post("/login")
async def login(request: Request, guard: AdminGuard) -> Response:
    form = await request.form()
    next_path = safe_next(str(form.get("next", "/")))
    key, address = guard.limit_key(request), guard.client_address(request)
    wait = guard.limiter.retry_after(key)
    if wait:
        message = f"Too many failed sign-ins. Try again in {max(1, wait // 60)} minute(s)."
        return sign_in_page(request, next_path, message, status=429, headers={"Retry-After": str(wait)})
    if not guard.csrf_ok(request, guard.session(request), str(form.get("csrf_token", ""))):
        return sign_in_page(request, next_path, "Your sign-in form expired; please try again.", status=403)
    if not guard.token_matches(str(form.get("token", ""))):
        guard.limiter.failed(key, address)
        return sign_in_page(request, next_path, "That token is not correct.", status=401)
    guard.limiter.succeeded(key)
    response = RedirectResponse(next_path, status_code=303)
    guard.set_cookie(response, request, guard.start_session())
    guard.remember_device(response, request)
    logger.info("admin signed in from %s", address)
    return response


@router.post("/logout")
async def logout(request: Request, guard: AdminGuard) -> Response:
    form = await request.form()
    session = guard.session(request)
    if not guard.csrf_ok(request, session, str(form.get("csrf_token", ""))):
        raise HTTPException(403, "The form expired; reload the page and try again.")
    guard.end_session(session)  # on the server: a copied cookie is dead from now on
    response = RedirectResponse("/login", status_code=303)
    guard.clear(response)
    return response


def sign_in_page(
    request: Request, next_path: str, error: str = "", *, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    guard = get_guard(request)
    session = guard.session(request)
    fresh = session is None
    if session is None:  # an anonymous session, so that the sign-in form carries a CSRF token too
        session = guard.anonymous_session()
    response = render(request, "login.html", {"next": next_path, "error": error}, status=status, session=session)
    if fresh:
        guard.set_cookie(response, request, session)
    if headers:
        response.headers.update(headers)
    return response
