"""``dualuse log``: list, show, export and purge the answer log."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import typer

from bot.app import FEEDBACK_KINDS, NUDGE_SURFACE, AnswerFilter, AnswerLogError, AnswerRecord, NudgePage

from .context import application_of
from .output import echo, print_json, user_errors

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "surface",
    "channel",
    "user",
    "status",
    "mode",
    "model",
    "review_state",
    "reviewed",
    "safety_area",
    "safety_score",
    "question",
    "standalone_question",
    "answer",
    "notice",
    "citations",
    "helpful",
    "not_helpful",
    "flags",
    "question_tokens",
    "answer_tokens",
    "context_tokens",
    "retrieval_ms",
    "generation_ms",
    "latency_ms",
)


SURFACES = ("cli", "slack", NUDGE_SURFACE)


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


def parse_date(value: str | None, option: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        raise AnswerLogError(f"{option} must be a date like 2025-03-31, not {value!r}") from None


@user_errors
def list_answers(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="answered, no_answer or refused.")] = "",
    area: Annotated[str, typer.Option(help="Harm area of refusals (chemical, biological, ...).")] = "",
    surface: Annotated[str, typer.Option(help="cli, slack or nudge (the nudges posted in watched channels).")] = "",
    since: Annotated[str | None, typer.Option(help="Only answers from this date on (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List the newest logged answers (``--surface nudge``: the nudges, with the message that triggered each)."""
    log = application_of(ctx).review
    surface = surface.strip().lower()
    if surface and surface not in SURFACES:
        raise AnswerLogError(f"unknown surface {surface!r}; use one of: {', '.join(SURFACES)}")
    if surface == NUDGE_SURFACE and not (status.strip() or area.strip() or since):
        list_nudges(log.nudges.list(limit=limit), as_json=as_json)
        return
    filters = AnswerFilter(
        status=status.strip(), area=area.strip(), surface=surface, since=parse_date(since, "--since")
    )
    page = log.list(filters, limit=limit)
    if as_json:
        for item in page.items:
            print_json(item.as_dict())
        return
    if not page.items:
        echo("No logged answers match.", err=True)
        return
    for item in page.items:
        feedback = f"+{item.helpful} -{item.not_helpful} !{item.flags}"
        question = item.question if len(item.question) <= 70 else item.question[:69] + "…"
        status = f"{item.status}:{item.area}" if item.area and item.status == "refused" else item.status
        echo(
            f"{item.id[:12]}  {item.created_at:%Y-%m-%d %H:%M}  {item.surface:<5}  {status:<9}  "
            f"{item.review_state:<10}  {feedback:<9}  {question}"
        )
    if page.total > len(page.items):
        echo(f"({len(page.items)} of {page.total}; use --limit for more)", err=True)


def list_nudges(page: NudgePage, *, as_json: bool) -> None:
    """Nudges with their channel, classifier score, topic, feedback and the message that triggered each."""
    if as_json:
        for nudge in page.items:
            print_json({"surface": NUDGE_SURFACE, **nudge.as_dict()})
        return
    if not page.items:
        echo("No nudges logged.", err=True)
        return
    for n in page.items:
        message = n.message if len(n.message) <= 60 else n.message[:59] + "…"
        feedback = ",".join(n.feedback) or "-"
        echo(
            f"{n.id[:12]}  {n.created_at:%Y-%m-%d %H:%M}  nudge  {n.channel[:12]:<12}  {n.score:.2f}  "
            f"{n.topic[:16]:<16}  {feedback:<10}  {message}"
        )
    if page.total > len(page.items):
        echo(f"({len(page.items)} of {page.total}; use --limit for more)", err=True)


@user_errors
def show(
    ctx: typer.Context,
    answer_id: Annotated[str, typer.Argument(help="The answer id (or its first 6+ characters).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Everything logged about one answer: question, answer as shown, retrieved passages, feedback, reviews."""
    record = application_of(ctx).review.get(answer_id)
    if as_json:
        print_json(record.as_dict())
    else:
        echo(render_record(record))


@user_errors
def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv (one row per answer) or jsonl (full).")],
    status: Annotated[str, typer.Option(help="Only this status.")] = "",
    since: Annotated[str | None, typer.Option(help="Only answers from this date on (YYYY-MM-DD).")] = None,
) -> None:
    """Write the log to standard output, oldest first."""
    records = application_of(ctx).review.export(AnswerFilter(status=status.strip(), since=parse_date(since, "--since")))
    if fmt is ExportFormat.jsonl:
        for record in records:
            sys.stdout.write(json.dumps(record.as_dict(), ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(csv_row(record))


@user_errors
def purge(
    ctx: typer.Context,
    older_than: Annotated[int, typer.Option("--older-than", min=0, help="Delete answers older than DAYS.")],
) -> None:
    """Delete old answers with their passages, feedback and reviews (retention)."""
    count = application_of(ctx).review.purge(older_than)
    echo(f"Deleted {count} answer{'s' if count != 1 else ''} older than {older_than} days.")


def register(app: typer.Typer) -> None:
    log_app = typer.Typer(help="Inspect the answer log: every answer given, with its sources and feedback.")
    log_app.command("list")(list_answers)
    log_app.command("show")(show)
    log_app.command("export")(export)
    log_app.command("purge")(purge)
    app.add_typer(log_app, name="log")


def csv_row(record: AnswerRecord) -> dict[str, object]:
    data = record.as_dict()
    row = {name: data.get(name, "") for name in EXPORT_COLUMNS}
    row["citations"] = "; ".join(f"[{c.n}] {c.doc_id}" for c in record.citations)
    kinds = [f.kind for f in record.feedback]
    row["helpful"], row["not_helpful"], row["flags"] = (kinds.count(k) for k in FEEDBACK_KINDS)
    return row


def render_record(r: AnswerRecord) -> str:
    lines = [
        f"id:        {r.id}",
        f"time:      {r.created_at:%Y-%m-%d %H:%M:%S} UTC   surface: {r.surface}"
        + (f"   channel: {r.channel}" if r.channel else "")
        + (f"   user: {r.user}" if r.user else ""),
        f"status:    {r.status}   mode: {r.mode}"
        + (f"   model: {r.model}" if r.model else "")
        + f"   review: {r.review_state}"
        + ("   (served from a correction)" if r.reviewed else ""),
        *(
            [
                f"safety:    area {r.safety_area}, score {r.safety_score:.3f}"
                + (f", decided by {r.safety_layer}" if r.safety_layer else "")
            ]
            if r.safety_area
            else []
        ),
        f"tokens:    question {r.question_tokens}, answer {r.answer_tokens}, context {r.context_tokens}",
        f"latency:   retrieval {r.retrieval_ms:.0f} ms, generation {r.generation_ms:.0f} ms, "
        f"total {r.latency_ms:.0f} ms",
        "",
        f"Question: {r.question}",
    ]
    if r.standalone_question:
        lines.append(f"Standalone: {r.standalone_question}")
    lines += ["", "Answer as shown:", r.answer]
    if r.unsupported:
        lines += ["", "Removed as unsupported by the sources:"] + [f"  - {s}" for s in r.unsupported]
    if r.notice:
        lines.append(f"Note: {r.notice}")
    if r.citations:
        lines += ["", "Citations:"] + [f"  [{c.n}] {c.title} ({c.doc_id}) {c.section}".rstrip() for c in r.citations]
    if r.passages:
        lines += ["", "Retrieved passages (dense / lexical / fused):"]
        for p in r.passages:
            lines.append(f"  {p.rank + 1}. {p.dense:.3f} / {p.lexical:.3f} / {p.fused:.4f}  {p.title} - {p.section}")
    if r.feedback:
        lines += ["", "Feedback:"] + [f"  {f.created_at:%Y-%m-%d %H:%M} {f.kind} {f.user}".rstrip() for f in r.feedback]
    if r.reviews:
        lines += ["", "Reviews:"]
        for review in r.reviews:
            text = review.corrected_answer or review.note
            lines.append(
                f"  {review.created_at:%Y-%m-%d %H:%M} {review.action} by {review.reviewer}: {text}".rstrip(": ")
            )
    return "\n".join(lines)
