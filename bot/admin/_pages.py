"""The admin pages: answers list, answer detail with review actions, nudges, corpus gaps, dashboard."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from bot.app import (
    AREAS,
    FEEDBACK_FILTERS,
    REVIEW_STATES,
    STATUSES,
    AnswerFilter,
    AnswerLogError,
    GapGroup,
)

from . import _charts
from ._deps import Log
from ._filters import parse_filters, positive_int, query_string
from ._web import SignedIn, render, require_csrf, signed_in

logger = logging.getLogger(__name__)
router = APIRouter()

PER_PAGE = 25
DONE_MESSAGES = {
    "approve": "Approved.",
    "flag": "Flagged for follow-up.",
    "correct": "Correction saved: similar questions now get the corrected answer.",
    "note": "Note added.",
}


@router.get("/", dependencies=[Depends(signed_in)])
def home() -> Response:
    return RedirectResponse("/answers", status_code=303)


@router.get("/answers", response_class=HTMLResponse)
def answers(request: Request, session: SignedIn, log: Log) -> Response:
    params = dict(request.query_params)
    error, page, filters = "", None, AnswerFilter()
    try:
        filters = parse_filters(params)
        number = max(1, positive_int(params.get("page"), 1, name="page", maximum=100_000))
        page = log.list(filters, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    except AnswerLogError as exc:
        error, number = str(exc), 1
    pages = max(1, -(-page.total // PER_PAGE)) if page else 1
    context = {
        "params": params,
        "filters": filters,
        "page": page,
        "number": number,
        "pages": pages,
        "error": error,
        "statuses": STATUSES,
        "areas": AREAS,
        "feedback_options": FEEDBACK_FILTERS,
        "review_states": REVIEW_STATES,
        "previous_link": query_string(params, page=number - 1) if number > 1 else None,
        "next_link": query_string(params, page=number + 1) if number < pages else None,
    }
    return render(request, "answers.html", context, status=400 if error else 200, session=session)


@router.get("/answers/{answer_id}", response_class=HTMLResponse)
def answer_detail(request: Request, answer_id: str, session: SignedIn, log: Log, done: str = "") -> Response:
    try:
        record = log.get(answer_id)
    except AnswerLogError as exc:
        raise HTTPException(404, str(exc)) from None
    cited = {c.chunk_id for c in record.citations if c.chunk_id}
    if record.correction is not None:
        cited = {c.chunk_id for c in record.correction.sources if c.chunk_id}
    context = {
        "record": record,
        "cited": cited,
        "done": DONE_MESSAGES.get(done, ""),
        "draft": record.correction.answer if record.correction else record.answer,
    }
    return render(request, "answer.html", context, session=session)


@router.post("/answers/{answer_id}/review")
async def review(request: Request, answer_id: str, session: SignedIn, log: Log) -> Response:
    form = await request.form()
    require_csrf(request, session, form)
    action = str(form.get("action", ""))
    sources = [str(v) for v in form.getlist("sources")] if form.get("sources_shown") else None
    try:
        await run_in_threadpool(
            log.review,
            answer_id,
            action,
            note=str(form.get("note", "")),
            corrected_answer=str(form.get("corrected_answer", "")),
            source_chunks=sources,
        )
    except AnswerLogError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/answers/{answer_id}?done={action}", status_code=303)


@router.get("/gaps", response_class=HTMLResponse)
def gaps(request: Request, session: SignedIn, log: Log) -> Response:
    params = dict(request.query_params)
    error = ""
    groups: list[GapGroup] = []
    try:
        groups = log.corpus_gaps(parse_filters({"since": params.get("since", ""), "until": params.get("until", "")}))
    except AnswerLogError as exc:
        error = str(exc)
    total = sum(g.count for g in groups)
    return render(
        request, "gaps.html", {"groups": groups, "total": total, "params": params, "error": error}, session=session
    )


@router.get("/nudges", response_class=HTMLResponse)
def nudges(request: Request, session: SignedIn, log: Log) -> Response:
    """The nudges posted in watched channels, with the message that triggered each, the score and the feedback."""
    params = dict(request.query_params)
    channel = params.get("channel", "").strip()
    error, page, number = "", None, 1
    try:
        number = max(1, positive_int(params.get("page"), 1, name="page", maximum=100_000))
        page = log.nudges.list(channel=channel, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    except AnswerLogError as exc:
        error = str(exc)
    pages = max(1, -(-page.total // PER_PAGE)) if page else 1
    context: dict[str, object] = {
        "params": params,
        "page": page,
        "number": number,
        "pages": pages,
        "error": error,
        "previous_link": query_string(params, page=number - 1) if number > 1 else None,
        "next_link": query_string(params, page=number + 1) if number < pages else None,
    }
    return render(request, "nudges.html", context, status=400 if error else 200, session=session)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SignedIn, log: Log, days: str = "30") -> Response:
    try:
        span = max(1, positive_int(days, 30, name="days", maximum=366))
    except AnswerLogError as exc:
        raise HTTPException(400, str(exc)) from None
    stats = log.stats(span)
    since = datetime.combine(date.today() - timedelta(days=span - 1), time.min)
    feedback_total = sum(stats.feedback.values())
    context = {
        "stats": stats,
        "days": span,
        "feedback_total": feedback_total,
        "helpful_share": round(100 * stats.feedback["helpful"] / feedback_total) if feedback_total else None,
        "per_day_chart": _charts.questions_per_day(stats.days),
        "feedback_chart": _charts.feedback_ratio(stats.feedback),
        "documents_chart": _charts.top_documents(stats.top_documents),
        "refusals_chart": _charts.refusals_by_area(stats.refusals_by_area),
        "nudges_chart": _charts.nudges_by_channel(log.nudges.per_channel(since)),
        "colours": _charts.COLOURS,
    }
    return render(request, "dashboard.html", context, session=session)
