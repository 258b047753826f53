"""``dualuse ingest``, ``sources`` and ``remove``: keep the corpus current."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.app import DOCUMENT_KINDS

if TYPE_CHECKING:
    from bot.app import IngestReport

from .context import application_of
from .output import echo, fail, one_line, print_json, progress_bar, user_errors


def _summary_line(report: IngestReport) -> str:
    s = report.summary()
    line = (
        f"{s['added']} added, {s['updated']} updated, {s['unchanged']} unchanged, {s['failed']} failed; "
        f"{s['chunks']} passages written"
    )
    if s["skipped"]:
        line += f"; {s['skipped']} file(s) of unsupported type skipped"
    return line


@user_errors
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Files, folders (walked recursively) or http(s) URLs.")],
    kind: Annotated[
        str | None, typer.Option("--kind", help=f"Document kind for all files: {', '.join(DOCUMENT_KINDS)}.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Add or update documents: Markdown, text, PDF, HTML, DOCX, web pages. Unchanged ones are skipped."""
    if kind is not None and kind not in DOCUMENT_KINDS:
        raise fail(f"--kind '{kind}' must be one of {', '.join(DOCUMENT_KINDS)}")
    library = application_of(ctx).library
    with progress_bar("Ingesting") as progress:
        report = library.add_paths(paths, kind=kind, progress=progress)
    for result in report.results:
        if result.outcome == "failed":
            echo(f"error: {one_line(result.error)}", err=True)
    if report.error:
        echo(f"error: {one_line(report.error)}", err=True)
    if as_json:
        print_json(
            {"summary": report.summary(), "files": [r.as_dict() for r in report.results], "skipped": report.skipped}
        )
    else:
        for result in report.results:
            if result.outcome in ("added", "updated"):
                echo(f"{result.outcome:>9}  {one_line(result.doc_id)}  ({result.chunks} passages)")
        echo(_summary_line(report))
    if report.failed:
        raise typer.Exit(1)


@user_errors
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the indexed documents: id, kind, language (ISO 639-1), date, passages, title."""
    records = application_of(ctx).library.documents()
    if as_json:
        print_json([r.as_dict() for r in records])
        return
    if not records:
        echo("The index is empty. Add documents with: dualuse ingest PATH")
        return
    width = max(len(one_line(r.doc_id)) for r in records)
    for r in records:
        doc_id, kind, date, title = (one_line(v) for v in (r.doc_id, r.kind, r.date or "-", r.title))
        # The language as its ISO code: short, and the same in the terminal and in --json.
        echo(f"{doc_id:<{width}}  {kind:<15}  {one_line(r.language):<3} {date:<10}  {r.chunks:>4}  {title}")
    echo(f"{len(records)} documents, {sum(r.chunks for r in records)} passages")


@user_errors
def history(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="The doc_id shown by 'dualuse sources'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List every version of a document: when, by whom, its content hash and passages."""
    events = application_of(ctx).library.history(doc_id)
    if not events:
        raise fail(f"no history for '{doc_id}'; list documents with: dualuse sources")
    if as_json:
        print_json([e.as_dict() for e in events])
        return
    for e in events:
        by, title = one_line(e.by or "-"), one_line(e.title)
        echo(f"{e.at[:19]}  {e.action:<8}  {e.version}  {e.chunks:>4} passages  {by}  {title}")


@user_errors
def remove(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="The doc_id shown by 'dualuse sources'.")],
) -> None:
    """Remove one document and its passages from the index."""
    record = application_of(ctx).library.remove(doc_id)
    if record is None:
        raise fail(f"no document with id '{doc_id}'; list them with: dualuse sources")
    echo(f"removed {doc_id} ({record.chunks} passages)")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("sources")(sources)
    app.command("history")(history)
    app.command("remove")(remove)
