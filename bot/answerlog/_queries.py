"""Queries behind the answer log's read methods: filters, pages, records, corpus gaps and dashboard numbers."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.core.answers import CITATION_FIELDS, PASSAGE_FIELDS, Citation, RetrievedPassage
from bot.core.guard.policy import AREAS

from ._errors import AnswerLogError
from ._models import AnswerRow, CitationRow, CorrectionRow, FeedbackRow, PassageRow, ReviewRow
from ._records import (
    FEEDBACK_FILTERS,
    FEEDBACK_KINDS,
    NUDGE_SURFACE,
    REVIEW_STATES,
    STATUSES,
    AnswerFilter,
    AnswerRecord,
    AnswerSummary,
    CorrectionRecord,
    FeedbackRecord,
    GapGroup,
    GapQuestion,
    Page,
    ReviewRecord,
    Stats,
)

MAX_PAGE = 500


def where(filters: AnswerFilter) -> list[Any]:
    """The SQL conditions for ``filters``; an unknown value is refused with the accepted ones."""
    conditions: list[Any] = []
    _check("status", filters.status, STATUSES)
    _check("feedback", filters.feedback, FEEDBACK_FILTERS)
    _check("review state", filters.review, REVIEW_STATES)
    if filters.status:
        conditions.append(AnswerRow.status == filters.status)
    if filters.review:
        conditions.append(AnswerRow.review_state == filters.review)
    if filters.surface:
        conditions.append(AnswerRow.surface == filters.surface)
    if filters.area:
        _check("harm area", filters.area, AREAS)
        conditions.append(AnswerRow.safety_area == filters.area)
    if filters.feedback:
        any_feedback = exists().where(FeedbackRow.answer_id == AnswerRow.id)
        if filters.feedback == "none":
            conditions.append(~any_feedback)
        elif filters.feedback == "any":
            conditions.append(any_feedback)
        else:
            conditions.append(any_feedback.where(FeedbackRow.kind == filters.feedback))
    if filters.since is not None:
        conditions.append(AnswerRow.created_at >= datetime.combine(filters.since, time.min))
    if filters.until is not None and filters.until < date.max:  # date.max + 1 day overflows: no upper bound then
        conditions.append(AnswerRow.created_at < datetime.combine(filters.until + timedelta(days=1), time.min))
    for word in filters.text.split():
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
        conditions.append(
            or_(AnswerRow.question.ilike(pattern, escape="\\"), AnswerRow.answer.ilike(pattern, escape="\\"))
        )
    return conditions


def _check(name: str, value: str, allowed: Sequence[str]) -> None:
    if value and value not in allowed:
        raise AnswerLogError(f"unknown {name} {value!r}; use one of: {', '.join(allowed)}")


def list_page(session: Session, filters: AnswerFilter, *, limit: int, offset: int) -> Page:
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    conditions = where(filters)
    total = session.scalar(select(func.count()).select_from(AnswerRow).where(*conditions)) or 0
    counts = (
        select(
            FeedbackRow.answer_id.label("answer_id"),
            func.sum(case((FeedbackRow.kind == "helpful", 1), else_=0)).label("helpful"),
            func.sum(case((FeedbackRow.kind == "not_helpful", 1), else_=0)).label("not_helpful"),
            func.sum(case((FeedbackRow.kind == "flag", 1), else_=0)).label("flags"),
        )
        .group_by(FeedbackRow.answer_id)
        .subquery()
    )
    query = (
        select(AnswerRow, counts.c.helpful, counts.c.not_helpful, counts.c.flags)
        .outerjoin(counts, counts.c.answer_id == AnswerRow.id)
        .where(*conditions)
        .order_by(AnswerRow.created_at.desc(), AnswerRow.id)
        .limit(limit)
        .offset(offset)
    )
    items = [
        AnswerSummary(
            row.id,
            row.created_at,
            row.surface,
            row.status,
            row.question,
            row.review_state,
            row.reviewed,
            int(helpful or 0),
            int(not_helpful or 0),
            int(flags or 0),
            row.latency_ms,
            row.safety_area,
        )
        for row, helpful, not_helpful, flags in session.execute(query)
    ]
    return Page(items, int(total), limit, offset)


def matching_ids(session: Session, filters: AnswerFilter, *, limit: int, offset: int) -> list[str]:
    query: Select[str] = select(AnswerRow.id).where(*where(filters)).order_by(AnswerRow.created_at, AnswerRow.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def load_record(session: Session, answer_id: str) -> AnswerRecord:
    row = session.get(AnswerRow, answer_id)
    if row is None:
        raise AnswerLogError(f"no logged answer has the id {answer_id!r}")
    citations = session.scalars(select(CitationRow).where(CitationRow.answer_id == answer_id).order_by(CitationRow.n))
    passages = session.scalars(select(PassageRow).where(PassageRow.answer_id == answer_id).order_by(PassageRow.rank))
    feedback = session.scalars(select(FeedbackRow).where(FeedbackRow.answer_id == answer_id).order_by(FeedbackRow.id))
    reviews = session.scalars(select(ReviewRow).where(ReviewRow.answer_id == answer_id).order_by(ReviewRow.id))
    corrections = {
        c.review_id: c for c in session.scalars(select(CorrectionRow).where(CorrectionRow.answer_id == answer_id))
    }
    active = next((c for c in corrections.values() if c.active), None)
    return AnswerRecord(
        id=row.id,
        created_at=row.created_at,
        surface=row.surface,
        channel=row.channel_id,
        user=row.user_id,
        question=row.question,
        standalone_question=row.standalone_question,
        status=row.status,
        mode=row.mode,
        model=row.model,
        answer=row.answer,
        notice=row.notice,
        reviewed=row.reviewed,
        question_tokens=row.question_tokens,
        answer_tokens=row.answer_tokens,
        context_tokens=row.context_tokens,
        retrieval_ms=row.retrieval_ms,
        generation_ms=row.generation_ms,
        latency_ms=row.latency_ms,
        review_state=row.review_state,
        safety_area=row.safety_area,
        safety_score=row.safety_score,
        safety_layer=row.safety_layer,
        unsupported=list(row.unsupported or []),
        citations=[_citation(c) for c in citations],
        passages=[RetrievedPassage(**{name: getattr(p, name) for name in PASSAGE_FIELDS}) for p in passages],
        feedback=[FeedbackRecord(f.kind, f.user_id, f.created_at, f.reason) for f in feedback],
        reviews=[
            ReviewRecord(
                r.id,
                r.action,
                r.note,
                r.reviewer,
                r.created_at,
                corrections[r.id].answer if r.id in corrections else "",
            )
            for r in reviews
        ],
        correction=_correction(active) if active is not None else None,
    )


def active_corrections(session: Session) -> list[CorrectionRecord]:
    rows = session.scalars(select(CorrectionRow).where(CorrectionRow.active.is_(True)).order_by(CorrectionRow.id))
    return [_correction(row) for row in rows]


def correction_sources(session: Session, answer_id: str, chunk_ids: Sequence[str] | None) -> list[Citation]:
    """The citations a correction keeps: the answer's own by default, else the chosen retrieved passages."""
    cited = [
        _citation(c)
        for c in session.scalars(select(CitationRow).where(CitationRow.answer_id == answer_id).order_by(CitationRow.n))
    ]
    if chunk_ids is None:
        chosen = cited
    else:
        by_chunk = {c.chunk_id: c for c in cited if c.chunk_id}
        passages = {p.chunk_id: p for p in session.scalars(select(PassageRow).where(PassageRow.answer_id == answer_id))}
        unknown = [c for c in chunk_ids if c not in by_chunk and c not in passages]
        if unknown:
            raise AnswerLogError(f"these sources were not retrieved for the answer: {', '.join(unknown)}")
        chosen = [by_chunk.get(c) or _passage_citation(passages[c]) for c in dict.fromkeys(chunk_ids)]
    return [Citation(**{**c.__dict__, "n": n}) for n, c in enumerate(chosen, start=1)]


def corpus_gaps(session: Session, filters: AnswerFilter, *, limit: int) -> list[GapGroup]:
    """No-answer questions grouped by the nearest document retrieval found (the topic to extend)."""
    query = (
        select(AnswerRow.id, AnswerRow.question, AnswerRow.created_at, AnswerRow.review_state, PassageRow.title)
        .outerjoin(PassageRow, and_(PassageRow.answer_id == AnswerRow.id, PassageRow.rank == 0))
        .where(AnswerRow.status == "no_answer", *where(dataclasses.replace(filters, status="")))
        .order_by(AnswerRow.created_at.desc())
        .limit(limit)
    )
    groups: dict[str, dict[str, list[Any]]] = defaultdict(dict)
    for answer_id, question, created_at, state, title in session.execute(query):
        key = " ".join(re.findall(r"\w+", question.casefold()))
        seen = groups[title or "(nothing retrieved)"].get(key)
        if seen is None:  # newest first, so the first one seen is the latest asked
            groups[title or "(nothing retrieved)"][key] = [question, 1, created_at, answer_id, state == "corrected"]
        else:
            seen[1] += 1
            seen[4] = seen[4] or state == "corrected"
    result = [
        GapGroup(topic, sum(q[1] for q in questions.values()), [GapQuestion(*q) for q in questions.values()])
        for topic, questions in groups.items()
    ]
    return sorted(result, key=lambda g: (-g.count, g.topic))


def stats(session: Session, today: date, days: int) -> Stats:
    days = max(1, min(days, 366))
    start = today - timedelta(days=days - 1)
    start_at = datetime.combine(start, time.min)
    answers = AnswerRow.surface != NUDGE_SURFACE  # nudges answer no question: they have their own chart
    per_day: dict[date, Counter[str]] = {start + timedelta(days=i): Counter() for i in range(days)}
    for created_at, status in session.execute(
        select(AnswerRow.created_at, AnswerRow.status).where(AnswerRow.created_at >= start_at, answers)
    ):
        per_day.setdefault(created_at.date(), Counter())[status] += 1
    feedback = dict(
        session.execute(
            select(FeedbackRow.kind, func.count())
            .join(AnswerRow, AnswerRow.id == FeedbackRow.answer_id)
            .where(AnswerRow.created_at >= start_at, answers)
            .group_by(FeedbackRow.kind)
        ).all()
    )
    top = session.execute(
        select(CitationRow.doc_id, func.max(CitationRow.title), func.count(CitationRow.id))
        .join(AnswerRow, AnswerRow.id == CitationRow.answer_id)
        .where(AnswerRow.created_at >= start_at, AnswerRow.status == "answered")
        .group_by(CitationRow.doc_id)
        .order_by(func.count(CitationRow.id).desc(), CitationRow.doc_id)
        .limit(10)
    ).all()
    refusals = session.execute(
        select(AnswerRow.safety_area, func.count(AnswerRow.id))
        .where(AnswerRow.created_at >= start_at, AnswerRow.status == "refused")
        .group_by(AnswerRow.safety_area)
        .order_by(func.count(AnswerRow.id).desc(), AnswerRow.safety_area)
    ).all()
    return Stats(
        refusals_by_area=[(area or "", int(n)) for area, n in refusals],
        days=[(day, dict(counts)) for day, counts in sorted(per_day.items())],
        feedback={kind: int(feedback.get(kind, 0)) for kind in FEEDBACK_KINDS},
        top_documents=[(doc_id, title or doc_id, int(n)) for doc_id, title, n in top],
        total=sum(sum(c.values()) for c in per_day.values()),
    )


def _citation(c: CitationRow) -> Citation:
    return Citation(**{name: getattr(c, name) for name in CITATION_FIELDS})


def _passage_citation(p: PassageRow) -> Citation:
    quote = re.split(r"(?<=[.!?])\s+", p.text.strip(), maxsplit=1)[0][:300]
    return Citation(0, p.doc_id, p.title, "", "", "", p.section, p.page, quote, p.dense, p.chunk_id)


def _correction(row: CorrectionRow) -> CorrectionRecord:
    sources = [Citation(**s) for s in row.sources]
    return CorrectionRecord(row.id, row.answer_id, row.question, row.answer, sources, row.created_at)
