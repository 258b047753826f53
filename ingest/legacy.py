"""Upgrading from 0.1.0: its document records, version history, retired versions and corpus revision lived in a
second Chroma collection (``<prefix>-documents``, one entry per item with a dummy one-number vector).

:func:`adopt_legacy_records` moves them into the SQL registry when an index opens, without losing any of them:

1. nothing to do when the old collection does not exist;
2. when the registry already holds rows for this collection, the old collection is a leftover of an upgrade that
   died between its commit and the deletion (or another process just upgraded): it is deleted;
3. otherwise every entry is read, then written in one transaction, and only after the commit is the old collection
   deleted. A crash before the commit leaves the old collection whole for the next open; two processes upgrading at
   once write once (the registry's state row is the claim, :meth:`DocumentRegistry.adopt`).

Steps 2 and 3 run under the data directory's write lock when the caller passes one (the CLI and the bot do): Chroma
deletes a collection's segments before the collection, so a process reading the old collection while another
deletes it can see it half gone (an internal error, not "not found").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import chromadb
from chromadb.errors import NotFoundError
from sqlalchemy.exc import SQLAlchemyError

from .errors import IndexError_
from .records import DocumentRecord, RetiredVersion, VersionEvent
from .registry import DocumentRegistry

logger = logging.getLogger(__name__)

PAGE = 5000


def legacy_collection_name(prefix: str) -> str:
    return f"{prefix}-documents"


def adopt_legacy_records(
    client: chromadb.ClientAPI,
    prefix: str,
    registry: DocumentRegistry,
    write_lock: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> int:
    """Move 0.1.0's bookkeeping for the collections named ``prefix`` into ``registry``; the number of entries moved."""
    name = legacy_collection_name(prefix)
    if not _exists(client, name):
        return 0  # every open after the upgrade: no lock taken
    with write_lock():
        return _adopt(client, name, registry)


def _exists(client: chromadb.ClientAPI, name: str) -> bool:
    return any(c.name == name for c in client.list_collections())


def _adopt(client: chromadb.ClientAPI, name: str, registry: DocumentRegistry) -> int:
    try:
        old = client.get_collection(name, embedding_function=None)
    except (NotFoundError, ValueError):  # ValueError: what older Chroma clients raise for a missing collection
        return 0
    if not registry.is_new():
        logger.info("deleting %s: its entries are already in the registry", name)
        _delete(client, name)
        return 0
    try:
        metadatas = _read_all(old)
    except (NotFoundError, ValueError):
        if registry.is_new():
            raise
        return 0  # another process moved the entries and deleted the collection while this one read it
    documents: list[DocumentRecord] = []
    events: list[VersionEvent] = []
    retired: list[RetiredVersion] = []
    revision, changed_at = "", ""
    for meta in metadatas:
        kind = meta.get("record")
        if kind == "document":
            documents.append(_record(meta))
        elif kind == "event":
            events.append(_event(meta))
        elif kind == "retired":
            retired.append(RetiredVersion(str(meta["doc_id"]), str(meta["version"]), float(meta["retired_at"])))
        elif kind == "revision":
            revision, changed_at = str(meta.get("revision", "")), str(meta.get("changed_at", ""))
        else:  # 0.1.0 wrote no other kind; refuse rather than drop something we do not understand
            raise IndexError_(
                f"the index's old record collection {name} holds an entry of unknown kind {kind!r}; "
                "it was left as it is (nothing was moved)"
            )
    if metadatas:
        try:
            adopted = registry.adopt(documents, events, retired, revision, changed_at)
        except SQLAlchemyError as exc:
            raise IndexError_(
                f"the index was written by an older release and its document records could not be moved into the "
                f"database ({_first_line(exc)}); run 'dualuse sources' once where the data directory is writable"
            ) from None
        if adopted:
            logger.warning(
                "upgraded the index: moved %d documents, %d history events and %d retired versions into the database",
                len(documents),
                len(events),
                len(retired),
            )
    # After the commit: a crash before this line leaves a leftover that the next open deletes (step 2).
    _delete(client, name)
    return len(metadatas)


def _delete(client: chromadb.ClientAPI, name: str) -> None:
    try:
        client.delete_collection(name)
    except (NotFoundError, ValueError):
        pass  # another process upgrading at the same time deleted it first


def _read_all(collection: Any) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    offset = 0
    while True:
        got = collection.get(include=["metadatas"], limit=PAGE, offset=offset)
        out.extend(m or {} for m in got["metadatas"])
        if len(got["ids"]) < PAGE:
            return out
        offset += PAGE


def _record(meta: Mapping[str, Any]) -> DocumentRecord:
    # Records written before a field existed (content_hash, ingested_by) read as empty, as 0.1.0 read them; 0.1.0
    # recorded no language, and its documents read as English.
    fields = DocumentRecord.__dataclass_fields__
    return DocumentRecord(
        **{k: meta.get(k, 0 if fields[k].type == "int" else "") for k in fields if k != "language"},
        language=str(meta.get("language") or "en"),
    )


def _event(meta: Mapping[str, Any]) -> VersionEvent:
    fields = VersionEvent.__dataclass_fields__
    return VersionEvent(**{k: meta.get(k, 0 if fields[k].type == "int" else "") for k in fields})


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__
