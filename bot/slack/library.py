"""What trainers do from Slack: add a shared file or a web page (after reviewing it in a modal), list, remove, and
see the questions the corpus could not answer.

Listeners decide who may do what (``trainers.py``) and acknowledge; these functions do the work and always tell the
trainer how it went: a user-facing ``DualuseError`` as its one line, anything else as an apology plus a logged
traceback.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ingest.errors import DualuseError

from .blocks import Block, render_error, section, warning
from .deps import SlackDeps
from .document_blocks import (
    gaps_blocks,
    ingest_result,
    message_view,
    remove_confirmation,
    review_prompt,
    review_view,
    sources_page,
)
from .mrkdwn import clip, escape, link
from .pending import with_details
from .uploads import SharedFile, check_content, check_size, declared_format, download

logger = logging.getLogger(__name__)

FAILED = ":warning: Sorry, something went wrong on my side; the corpus is unchanged. Please try again later."
EXPIRED = ":hourglass: That document was already added, or waited more than a day; share it again."
GAP_DAYS = 30


def actor(user: str) -> str:
    return f"slack:{user}"


# -- adding a shared file ---------------------------------------------------------------------------------------
def read_shared_file(
    client: WebClient,
    deps: SlackDeps,
    file_event: dict[str, object],
    *,
    user: str,
    channel: str,
    thread_ts: str | None = None,
) -> None:
    """Check, download and parse one shared file, then offer the review button (or say what is wrong)."""
    file = SharedFile.from_event(file_event)
    progress = client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=f":hourglass_flowing_sand: Reading {escape(clip(file.name, 200))}..."
    )
    try:
        fmt = declared_format(file)
        check_size(file, deps.max_upload_bytes)
        settings = deps.app.settings
        data = download(
            file,
            deps.bot_token,
            max_bytes=deps.max_upload_bytes,
            timeout=settings.fetch_timeout,
            api_url=settings.slack_api_url,
        )
        check_content(data, fmt, file.name)
        document = deps.app.library.parse_upload(data, fmt=fmt, source=file.name, default_id=file.default_id)
        pending_id = deps.pending.save(document, user_id=user, reply_channel=channel)
        text = f"Review {escape(clip(file.name, 200))} and add it"
        blocks = review_prompt(file.name, document, pending_id)
        logger.info("read %s (%s) shared by %s", file.name, file.id, user)
    except DualuseError as exc:
        logger.info("refused the file %s shared by %s: %s", file.id, user, exc)
        text = warning(exc)
        blocks = render_error(text)
    except Exception:
        logger.exception("reading the file %s shared by %s failed", file.id, user)
        text, blocks = FAILED, render_error(FAILED)
    client.chat_update(channel=channel, ts=progress["ts"], text=text, blocks=blocks)


def open_review(client: WebClient, deps: SlackDeps, *, trigger_id: str, pending_id: str, user: str) -> str | None:
    """Open the review modal; returns a message for the user when there is nothing (any more) to review."""
    pending = deps.pending.get(pending_id, user)
    if pending is None:
        return EXPIRED
    current = deps.app.library.get(pending.document.meta.doc_id)
    client.views_open(trigger_id=trigger_id, view=review_view(pending_id, pending.document, current))
    return None


# -- adding a web page ------------------------------------------------------------------------------------------
def add_url(client: WebClient, deps: SlackDeps, *, trigger_id: str, url: str, user: str) -> None:
    """Open the modal at once (the trigger expires in 3 s), fetch and parse, then fill it in."""
    opened = client.views_open(
        trigger_id=trigger_id, view=message_view(f":hourglass_flowing_sand: Fetching {link(url, url)}...")
    )
    deps.workers.answer(fill_url_review, client, deps, view_id=opened["view"]["id"], url=url, user=user)


def fill_url_review(client: WebClient, deps: SlackDeps, *, view_id: str, url: str, user: str) -> None:
    """Fetch and parse the page (on an answer worker), then show the review form or the problem in the modal."""
    try:
        document = deps.app.library.fetch_url(url)
        # The result goes to the trainer's DM with the app: posting to a user id needs no extra scope.
        pending_id = deps.pending.save(document, user_id=user, reply_channel=user)
        current = deps.app.library.get(document.meta.doc_id)
        view = review_view(pending_id, document, current)
        logger.info("fetched %s for %s", url, user)
    except DualuseError as exc:
        logger.info("could not add %s for %s: %s", url, user, exc)
        view = message_view(warning(exc))
    except Exception:
        logger.exception("fetching %s for %s failed", url, user)
        view = message_view(FAILED)
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as exc:  # the trainer closed the modal while we fetched: nothing left to show it in
        logger.info("could not update the add modal for %s: %s", user, exc.response.get("error"))


# -- after the trainer pressed Add ------------------------------------------------------------------------------
def add_reviewed(client: WebClient, deps: SlackDeps, *, pending_id: str, user: str, details: dict[str, str]) -> None:
    pending = deps.pending.take(pending_id, user)
    if pending is None:
        client.chat_postMessage(channel=user, text=EXPIRED)
        return
    document = with_details(pending.document, **details)
    channel = pending.reply_channel
    progress = client.chat_postMessage(
        channel=channel, text=f":hourglass_flowing_sand: Indexing *{escape(details['title'])}*..."
    )
    try:
        result = deps.app.library.add_document(document, actor=actor(user))
        text = ingest_result(result, document.meta.title)
        logger.info("%s %s for %s (%d passages)", result.outcome, result.doc_id, user, result.chunks)
    except DualuseError as exc:
        logger.info("could not index %s for %s: %s", document.meta.doc_id, user, exc)
        text = warning(exc)
    except Exception:
        logger.exception("indexing %s for %s failed", document.meta.doc_id, user)
        text = FAILED
    client.chat_update(channel=channel, ts=progress["ts"], text=text, blocks=[section(text)])


# -- listing, removing, gaps ------------------------------------------------------------------------------------
def sources(deps: SlackDeps, page: int = 1) -> tuple[str, list[Block]]:
    return sources_page(deps.app.library.documents(), page)


def confirm_removal(deps: SlackDeps, doc_id: str) -> tuple[str, list[Block]]:
    record = deps.app.library.get(doc_id)
    if record is None:
        text = f":grey_question: No document has the id `{escape(doc_id)}`; `/dualuse sources` lists them."
        return text, render_error(text)
    return f"Remove {escape(record.title)}?", remove_confirmation(record)


def remove(deps: SlackDeps, doc_id: str, user: str) -> str:
    record = deps.app.library.remove(doc_id, actor=actor(user))
    if record is None:
        return f":grey_question: `{escape(doc_id)}` is no longer in the corpus (someone removed it already)."
    logger.info("removed %s for %s", doc_id, user)
    return f":wastebasket: Removed *{escape(record.title)}* (`{escape(doc_id)}`): answers no longer cite it."


def gaps(deps: SlackDeps, days: int = GAP_DAYS) -> list[Block]:
    return gaps_blocks(deps.app.feedback.corpus_gaps(days), days)
