"""Parsed documents waiting for a trainer to review them in the modal and confirm.

Between "the file is parsed" and "the trainer pressed Add" there is a button click, a modal and possibly a
different bot process (several can serve one app), so the parsed document waits in the database, not in memory.
Only the trainer who shared it can take it; unconfirmed documents expire after a day.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Column, Engine, Float, String, Table, Text, delete, insert, select

from bot.app import DocumentMeta, LoadedDocument, Section, content_hash

from .storage import metadata

KEEP_SECONDS = 24 * 3600

slack_pending_documents = Table(
    "slack_pending_documents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("reply_channel", String(64), nullable=False),  # where the result is posted (a DM, or the user id)
    Column("document", Text, nullable=False),  # the parsed document as JSON
    Column("created_at", Float, nullable=False, index=True),
)


@dataclass(frozen=True)
class Pending:
    id: str
    user_id: str
    reply_channel: str
    document: LoadedDocument


class PendingDocuments:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, document: LoadedDocument, *, user_id: str, reply_channel: str) -> str:
        pending_id = uuid.uuid4().hex
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(
                delete(slack_pending_documents).where(slack_pending_documents.c.created_at < now - KEEP_SECONDS)
            )
            connection.execute(
                insert(slack_pending_documents).values(
                    id=pending_id,
                    user_id=user_id,
                    reply_channel=reply_channel,
                    document=json.dumps(_to_json(document)),
                    created_at=now,
                )
            )
        return pending_id

    def get(self, pending_id: str, user_id: str) -> Pending | None:
        """The pending document, if it exists, has not expired and belongs to ``user_id``."""
        table = slack_pending_documents
        query = select(table).where(
            table.c.id == pending_id, table.c.user_id == user_id, table.c.created_at >= time.time() - KEEP_SECONDS
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        return Pending(row["id"], row["user_id"], row["reply_channel"], _from_json(json.loads(row["document"])))

    def take(self, pending_id: str, user_id: str) -> Pending | None:
        """Get and delete in one go: a double-submitted modal ingests once."""
        pending = self.get(pending_id, user_id)
        if pending is None:
            return None
        with self.engine.begin() as connection:
            deleted = connection.execute(
                delete(slack_pending_documents).where(slack_pending_documents.c.id == pending_id)
            ).rowcount
        return pending if deleted else None


def with_details(document: LoadedDocument, **details: str) -> LoadedDocument:
    """The document with the trainer's title, kind, publisher, date and address.

    The content hash covers the new details, so re-adding the same file with the same details is "unchanged" and
    changing only the title makes a new version.
    """
    meta: DocumentMeta = replace(document.meta, **details)
    fingerprint = content_hash(document.content_hash, *meta.hashed())
    return LoadedDocument(meta=meta, sections=document.sections, content_hash=fingerprint)


def _to_json(document: LoadedDocument) -> dict[str, object]:
    return {
        "meta": document.meta.as_metadata(),
        "sections": [[s.text, list(s.heading_path), s.page] for s in document.sections],
        "content_hash": document.content_hash,
    }


def _from_json(data: dict[str, Any]) -> LoadedDocument:
    """The inverse of :func:`_to_json` (the row was written by it: its shape is known)."""
    sections = [Section(str(text), tuple(path), page) for text, path, page in data["sections"]]
    return LoadedDocument(DocumentMeta(**data["meta"]), sections, str(data["content_hash"]))
