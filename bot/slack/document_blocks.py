"""Block Kit for trainers: the review modal, the paginated source list, the remove confirmation and corpus gaps.

Everything a document or a user wrote is escaped (``mrkdwn.escape``) or goes into plain_text fields, and clipped
(``mrkdwn.clip``): a trainer's title, address or file name can be of any length, Slack's text objects cannot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.app import DOCUMENT_KINDS, DocumentRecord, FileResult, GapGroup, LoadedDocument, language_name

from .blocks import Block, button, context, plain, section
from .mrkdwn import clip, escape, isolate_rtl, link, split_text

ADD_CALLBACK = "add_document"
REVIEW_ACTION = "review_document"
SOURCES_PAGE_ACTION = "sources_page"  # older messages; Slack needs one action_id per button in a block
SOURCES_PREVIOUS_ACTION = "sources_page_previous"
SOURCES_NEXT_ACTION = "sources_page_next"
REMOVE_ACTION = "remove_document"
REMOVE_CANCEL_ACTION = "remove_cancel"
PAGE_SIZE = 10
GAP_GROUPS = 10
GAP_QUESTIONS = 3
KIND_LABELS = {
    "programme": "Programme material",
    "code_of_conduct": "Code of conduct",
    "un_statement": "UN statement",
    "other": "Other",
}
FIELDS = ("title", "kind", "publisher", "date", "url")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MAX_INPUT = 3000  # Slack's limit for a plain_text_input value
MAX_SHOWN = 200  # a title, file name or publisher as shown in a list or a modal
FIELD_LIMITS = {"title": 300, "publisher": 300, "date": 10, "url": 2000}  # what the review modal accepts


# -- uploads and the review modal -----------------------------------------------------------------------------
def review_prompt(name: str, document: LoadedDocument, pending_id: str) -> list[Block]:
    """The message under a shared file: file messages carry no trigger_id, so a button click opens the modal."""
    return [
        section(
            f":page_facing_up: I read *{escape(clip(name, MAX_SHOWN))}*: {_shape(document)}, "
            f"in {escape(language_name(document.meta.language))}. "
            "Review the details and add it."
        ),
        {"type": "actions", "elements": [button(REVIEW_ACTION, "Review and add", pending_id, "primary")]},
    ]


def review_view(pending_id: str, document: LoadedDocument, current: DocumentRecord | None) -> dict[str, Any]:
    meta = document.meta
    about = (
        f"*{escape(clip(meta.source_path, MAX_SHOWN))}*: {_shape(document)}, in "
        f"{escape(language_name(meta.language))}. Document id `{escape(meta.doc_id)}`."
    )
    blocks: list[Block] = [section(about)]
    if current is not None:
        blocks.append(
            context(
                f":arrows_counterclockwise: This replaces the current version of `{escape(meta.doc_id)}` "
                f"({escape(clip(current.title, MAX_SHOWN))}, {current.chunks} passages, "
                f"added {escape(current.ingested_at[:10])})."
            )
        )
    kinds = [{"text": plain(KIND_LABELS.get(k, k)), "value": k} for k in DOCUMENT_KINDS]
    kind = next((k for k in kinds if k["value"] == meta.kind), kinds[-1])
    blocks += [
        _text_input("title", "Title", meta.title, optional=False),
        {
            "type": "input",
            "block_id": "kind",
            "label": plain("Kind"),
            "element": {"type": "static_select", "action_id": "value", "options": kinds, "initial_option": kind},
        },
        _text_input("publisher", "Publisher", meta.publisher),
        _text_input("date", "Date", meta.date, hint="YYYY, YYYY-MM or YYYY-MM-DD"),
        _text_input("url", "Address (citation link)", meta.url, hint="https://... where readers can find it"),
    ]
    return {
        "type": "modal",
        "callback_id": ADD_CALLBACK,
        "private_metadata": pending_id,
        "title": plain("Add to the corpus"),
        "submit": plain("Add"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def message_view(text: str) -> dict[str, Any]:
    """A modal that only says something (fetching..., or what went wrong); ``text`` is escaped mrkdwn."""
    blocks = [section(part) for part in split_text(text, MAX_INPUT)]
    return {"type": "modal", "title": plain("Add to the corpus"), "close": plain("Close"), "blocks": blocks}


def read_details(view: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The submitted details, and the errors to show next to the fields (empty when all is well)."""
    values = (view.get("state") or {}).get("values") or {}
    details: dict[str, str] = {}
    for name in FIELDS:
        element = (values.get(name) or {}).get("value") or {}
        raw = (element.get("selected_option") or {}).get("value") if name == "kind" else element.get("value")
        details[name] = " ".join(str(raw or "").split())
    errors: dict[str, str] = {}
    if not details["title"]:
        errors["title"] = "A title is needed: answers cite the document by it."
    if details["kind"] not in DOCUMENT_KINDS:
        errors["kind"] = "Choose one of the kinds."
    if details["date"] and not DATE.match(details["date"]):
        errors["date"] = "Write the date as YYYY, YYYY-MM or YYYY-MM-DD."
    if details["url"] and not details["url"].startswith(("http://", "https://")):
        errors["url"] = "The address must start with http:// or https://."
    for name, limit in FIELD_LIMITS.items():
        if len(details[name]) > limit and name not in errors:
            errors[name] = f"At most {limit} characters, please."
    return details, errors


def ingest_result(result: FileResult, title: str) -> str:
    """One line (mrkdwn) saying what was indexed."""
    name = f"*{escape(clip(title, MAX_SHOWN))}* (`{escape(result.doc_id)}`)"
    pages = f", {result.pages} pages" if result.pages else ""
    if result.outcome == "unchanged":
        return f":white_check_mark: {name} is already in the corpus exactly like this: nothing changed."
    verb = "Added" if result.outcome == "added" else "Updated"
    return f":white_check_mark: {verb} {name}: {result.chunks} passages indexed{pages}. Answers can cite it now."


def _text_input(block_id: str, label: str, initial: str, *, optional: bool = True, hint: str = "") -> Block:
    limit = FIELD_LIMITS.get(block_id, MAX_INPUT)
    element: Block = {"type": "plain_text_input", "action_id": "value", "max_length": limit}
    # A prefilled value longer than max_length makes Slack refuse the whole modal; an address cut short would be
    # wrong, so it is left for the trainer to fill in.
    if initial and (len(initial) <= limit or block_id != "url"):
        element["initial_value"] = clip(initial, limit)
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    block["optional"] = optional
    if hint:
        block["hint"] = plain(hint)
    return block


def _shape(document: LoadedDocument) -> str:
    pages = {s.page for s in document.sections if s.page is not None}
    where = f" on {len(pages)} pages" if pages else ""
    if document.meta.language == "zh":  # no spaces between words: count characters
        characters = sum(len("".join(s.text.split())) for s in document.sections)
        return f"{characters:,} characters{where}"
    words = sum(len(s.text.split()) for s in document.sections)
    return f"{words:,} words{where}"


# -- /dualuse sources -----------------------------------------------------------------------------------------
def sources_page(documents: Sequence[DocumentRecord], page: int) -> tuple[str, list[Block]]:
    pages = max(1, -(-len(documents) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = documents[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    heading = f"*The corpus: {len(documents)} documents* (page {page} of {pages})"
    blocks: list[Block] = [section(heading)]
    for record in shown:
        title = (
            link(record.url, record.title) if record.url else f"*{isolate_rtl(escape(clip(record.title, MAX_SHOWN)))}*"
        )
        origin = " · ".join(
            escape(clip(x, MAX_SHOWN))
            for x in (
                KIND_LABELS.get(record.kind, record.kind),
                language_name(record.language),
                record.publisher,
                record.date,
            )
            if x
        )
        size = f"{record.chunks} passages" + (f", {record.pages} pages" if record.pages else "")
        added = f"added {escape(record.ingested_at[:10])}" + (
            f" by {escape(clip(record.ingested_by, MAX_SHOWN))}" if record.ingested_by else ""
        )
        blocks.append(section(f"{title} `{escape(record.doc_id)}`\n{origin}\n{size}, {added}"))
    buttons = []
    if page > 1:
        buttons.append(button(SOURCES_PREVIOUS_ACTION, "Previous", str(page - 1)))
    if page < pages:
        buttons.append(button(SOURCES_NEXT_ACTION, "Next", str(page + 1)))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"sources:{page}", "elements": buttons})
    return f"The corpus: {len(documents)} documents (page {page} of {pages})", blocks


# -- /dualuse remove ------------------------------------------------------------------------------------------
def remove_confirmation(record: DocumentRecord) -> list[Block]:
    return [
        section(
            f":warning: Remove *{escape(clip(record.title, MAX_SHOWN))}* (`{escape(record.doc_id)}`, "
            f"{record.chunks} passages) from the corpus? Answers will no longer cite it. Its version history is kept."
        ),
        {
            "type": "actions",
            "block_id": "remove",
            "elements": [
                button(REMOVE_ACTION, "Remove", record.doc_id, "danger"),
                button(REMOVE_CANCEL_ACTION, "Keep it", record.doc_id),
            ],
        },
    ]


# -- /dualuse gaps --------------------------------------------------------------------------------------------
def gaps_blocks(groups: Sequence[GapGroup], days: int) -> list[Block]:
    if not groups:
        return [section(f":tada: No questions went unanswered in the last {days} days.")]
    total = sum(g.count for g in groups)
    blocks: list[Block] = [
        section(
            f"*Questions the corpus could not answer in the last {days} days: {total}*\n"
            "Grouped by the nearest document found; a busy group is a topic worth adding sources on."
        )
    ]
    for group in groups[:GAP_GROUPS]:
        lines = [f"*{escape(group.topic)}* ({group.count})"]
        for q in group.questions[:GAP_QUESTIONS]:
            times = f" ×{q.count}" if q.count > 1 else ""
            corrected = " (answered by a correction)" if q.corrected else ""
            lines.append(f"• {escape(q.question[:300])}{times}, last {q.last_seen:%Y-%m-%d}{corrected}")
        if len(group.questions) > GAP_QUESTIONS:
            lines.append(f"• and {len(group.questions) - GAP_QUESTIONS} more")
        blocks.append(section("\n".join(lines)))
    if len(groups) > GAP_GROUPS:
        blocks.append(context(f"{len(groups) - GAP_GROUPS} smaller groups not shown; see the admin page."))
    return blocks
