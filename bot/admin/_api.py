"""The JSON API for scripts: ``Authorization: Bearer <DUALUSE_ADMIN_TOKEN>``, the same filters as the pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from bot.app import AnswerLogError

from ._deps import AdminGuard, Log
from ._filters import parse_filters, positive_int


def authorise(request: Request, guard: AdminGuard) -> None:
    """Every API route's first step: rate-limited bearer-token check (a dependency of the whole router)."""
    key = guard.client_address(request)
    wait = guard.limiter.retry_after(key)
    if wait:
        raise HTTPException(429, "too many failed attempts; try again later", headers={"Retry-After": str(wait)})
    if not guard.bearer_ok(request):
        if request.headers.get("authorization"):
            guard.limiter.failed(key, key)
        raise HTTPException(
            401, "send Authorization: Bearer <DUALUSE_ADMIN_TOKEN>", headers={"WWW-Authenticate": "Bearer"}
        )


router = APIRouter(prefix="/api", dependencies=[Depends(authorise)])


@router.get("/answers")
def list_answers(request: Request, log: Log) -> JSONResponse:
    params = request.query_params
    try:
        filters = parse_filters(params)
        limit = max(1, positive_int(params.get("limit"), 50, name="limit", maximum=500))
        offset = positive_int(params.get("offset"), 0, name="offset", maximum=10**9)
        page = log.list(filters, limit=limit, offset=offset)
    except AnswerLogError as exc:
        raise HTTPException(400, str(exc)) from None
    return JSONResponse(
        {"total": page.total, "limit": page.limit, "offset": page.offset, "items": [i.as_dict() for i in page.items]}
    )


@router.get("/answers/{answer_id}")
def show_answer(answer_id: str, log: Log) -> JSONResponse:
    try:
        record = log.get(answer_id)
    except AnswerLogError as exc:
        raise HTTPException(404, str(exc)) from None
    return JSONResponse(record.as_dict())
