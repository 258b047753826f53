"""``/healthz`` (the process and its database answer) and ``/readyz`` (everything a request needs is ready)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ._deps import Log, Readiness

router = APIRouter()


@router.get("/healthz")
def healthz(log: Log) -> JSONResponse:
    if log.ping() != "ok":
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(log: Log, readiness: Readiness) -> JSONResponse:
    """Ready when the answer log's database and (given a readiness check) the index answer."""
    checks = dict(readiness()) if readiness is not None else {}
    if "database" not in checks:
        checks["database"] = log.ping()
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ok" if ready else "error", **checks}, status_code=200 if ready else 503)
