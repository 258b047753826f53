"""``dualuse admin``: serve the admin review page."""

from __future__ import annotations

from typing import Annotated

import typer

from .context import application_of
from .output import stderr, user_errors


@user_errors
def admin(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind (keep 127.0.0.1 behind a proxy).")] = "127.0.0.1",
) -> None:
    """Serve the admin page: browse, judge and correct logged answers (needs DUALUSE_ADMIN_TOKEN)."""
    import uvicorn

    from bot.admin import admin_token, build_app

    application = application_of(ctx)
    admin_token(application.settings)  # refuse before opening anything
    web = build_app(application.settings, application.review, readiness=application.readiness)
    stderr.print(f"Admin page on http://{host}:{port}/ (Ctrl+C to stop)")
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1, i.e. from any local
    # client; the app applies DUALUSE_ADMIN_TRUSTED_PROXIES itself.
    uvicorn.run(
        web,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command("admin")(admin)
