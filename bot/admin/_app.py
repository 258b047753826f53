"""The admin web app's wiring: its state, security headers, error pages and routers.

Routes are module-level functions on routers (sign-in in ``_signin``, health in ``_health``, the pages in
``_pages``, the JSON API in ``_api``); what they need comes from ``app.state`` through the typed providers in
``_deps``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.app import AnswerLog

from . import _api, _health, _pages, _signin
from ._deps import ReadinessCheck
from ._security import Guard
from ._web import NeedsSignIn, render

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

# The 500 page is static: rendering a template could fail for the same reason the request did.
ERROR_PAGE = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Error</title>"
    "<link rel='stylesheet' href='/static/admin.css'></head><body><main><h1>Something went wrong</h1>"
    "<p class='error' role='alert'>The server could not answer this request; the details are in its log.</p>"
    "<p><a href='/answers'>Back to the answers</a></p></main></body></html>"
)


def create_app(log: AnswerLog, guard: Guard, readiness: ReadinessCheck | None = None) -> FastAPI:
    app = FastAPI(title="dualuse-assistant admin", docs_url=None, redoc_url=None, openapi_url=None)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    app.state.log = log
    app.state.guard = guard
    app.state.templates = Jinja2Templates(env=environment)
    app.state.readiness = readiness
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.middleware("http")(security_headers)
    # Starlette types every handler as taking the base Exception, though it calls each with its own class.
    app.add_exception_handler(NeedsSignIn, to_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.include_router(_health.router)
    app.include_router(_signin.router)
    app.include_router(_pages.router)
    app.include_router(_api.router)
    return app


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def to_sign_in(request: Request, exc: NeedsSignIn) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/?=&')}", status_code=303)


async def server_error(request: Request, exc: Exception) -> Response:
    # Runs outside the middleware stack (Starlette's ServerErrorMiddleware), so the headers are set here.
    logger.error("admin page error on %s", request.url.path, exc_info=(type(exc), exc, exc.__traceback__))
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse({"error": "internal error; see the server log"}, status_code=500)
    else:
        response = HTMLResponse(ERROR_PAGE, status_code=500)
    response.headers.update(SECURITY_HEADERS)
    return response


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return render(request, "error.html", {"message": exc.detail}, status=exc.status_code)
