"""The admin web app: wiring, sign-in and sign-out, health; the pages and the JSON API live in their own modules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.app import AnswerLog

from . import _api, _pages
from ._security import Guard
from ._web import NeedsSignIn, render, safe_next

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


def create_app(log: AnswerLog, guard: Guard, readiness: Callable[[], dict[str, str]] | None = None) -> FastAPI:
    app = FastAPI(title="dualuse-assistant admin", docs_url=None, redoc_url=None, openapi_url=None)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    app.state.log = log
    app.state.guard = guard
    app.state.templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NeedsSignIn)
    async def to_sign_in(request: Request, exc: NeedsSignIn) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/?=&')}", status_code=303)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # Runs outside the middleware stack (Starlette's ServerErrorMiddleware), so the headers are set here.
        logger.error("admin page error on %s", request.url.path, exc_info=(type(exc), exc, exc.__traceback__))
        if request.url.path.startswith("/api/"):
            response: Response = JSONResponse({"error": "internal error; see the server log"}, status_code=500)
        else:
            response = HTMLResponse(ERROR_PAGE, status_code=500)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", {"message": exc.detail}, status=exc.status_code)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        if log.ping() != "ok":
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready when the answer log's database and (given ``readiness``) the index answer."""
        checks = dict(readiness()) if readiness is not None else {}
        if "database" not in checks:
            checks["database"] = log.ping()
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if ready else "error", **checks}, status_code=200 if ready else 503)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
        return sign_in_page(request, safe_next(next))

    @app.post("/login")
    async def login(request: Request) -> Response:
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

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        form = await request.form()
        session = guard.session(request)
        if not guard.csrf_ok(request, session, str(form.get("csrf_token", ""))):
            raise StarletteHTTPException(403, "The form expired; reload the page and try again.")
        guard.end_session(session)  # on the server: a copied cookie is dead from now on
        response = RedirectResponse("/login", status_code=303)
        guard.clear(response)
        return response

    app.include_router(_pages.router)
    app.include_router(_api.router)
    return app


def sign_in_page(
    request: Request, next_path: str, error: str = "", *, status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    guard: Guard = request.app.state.guard
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
