"""The document registry: which version of each document is live, its history, the versions awaiting their sweep
and the corpus revision, kept in the relational database (SQLAlchemy Core; SQLite or PostgreSQL).

What it guarantees:

- Every write is one transaction. A switch (the record, its history event, the retirement of the previous version
  and, when asked, the revision bump) and a removal are seen whole or not at all, by every process.
- Every row belongs to one Chroma collection (``collection``: the index's collection prefix, which names the
  embedding model), so indexes built with different models can share a database without seeing each other's
  documents, as they could not share a collection.
- Reading never writes, so the registry reads from a database opened read-only (an immutable SQLite file).
- A database server that cannot be reached is :class:`~ingest.errors.IndexUnavailable`, one line (the retriever
  then answers from the corpus as it last read it).

The tables are created by the Alembic migrations 0006 and 0008 (the documents' language) in
``bot/answerlog/migrations``, which the composition root runs before it builds the index; this module only describes
the tables it queries. Passages and vectors are Chroma's (``ingest.index``); nothing here touches Chroma.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .errors import IndexUnavailable, database_unreachable
from .records import DocumentRecord, RetiredVersion, VersionEvent, iso_millis, iso_seconds

metadata = sa.MetaData()

corpus_documents = Table(
    "corpus_documents",
    metadata,
    sa.Column("collection", sa.String, primary_key=True),
    sa.Column("doc_id", sa.String, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("publisher", sa.Text, nullable=False),
    sa.Column("date", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("source_path", sa.Text, nullable=False),
    sa.Column("version", sa.String, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("tokens", sa.Integer, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("ingested_at", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("ingested_by", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False, server_default="en"),  # migration 0008
)
corpus_document_events = Table(
    "corpus_document_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("collection", sa.String, nullable=False),
    sa.Column("doc_id", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("version", sa.String, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),  # VersionEvent.by ("by" is an SQL keyword)
    sa.Column("title", sa.Text, nullable=False),
)
corpus_retired_versions = Table(
    "corpus_retired_versions",
    metadata,
    sa.Column("collection", sa.String, primary_key=True),
    sa.Column("doc_id", sa.String, primary_key=True),
    sa.Column("version", sa.String, primary_key=True),
    sa.Column("retired_at", sa.Float, nullable=False),  # seconds since the epoch
)
corpus_state = Table(
    "corpus_state",
    metadata,
    sa.Column("collection", sa.String, primary_key=True),
    sa.Column("revision", sa.String, nullable=False),
    sa.Column("changed_at", sa.Text, nullable=False),
)


P = ParamSpec("P")
R = TypeVar("R")


def _server(method: Callable[Concatenate[DocumentRegistry, P], R]) -> Callable[Concatenate[DocumentRegistry, P], R]:
    """A method that talks to the database: a server that cannot be reached is one line. (SQLite is a local file:
    its OperationalErrors, a read-only or locked file, are real errors and stay as they are.)"""

    @functools.wraps(method)
    def call(self: DocumentRegistry, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            if self.engine.dialect.name == "sqlite" or not database_unreachable(exc):
                raise
            orig = getattr(exc, "orig", None) or exc
            lines = str(orig).strip().splitlines()
            reason = f"{type(orig).__name__}: {lines[0]}" if lines else type(orig).__name__
            raise IndexUnavailable(
                f"the database holding the document registry is unreachable right now ({reason}); "
                "please try again in a minute"
            ) from None

    return call


class DocumentRegistry:
    """The registry of one Chroma collection in one database; safe to share between threads."""

    def __init__(self, engine: Engine, collection: str = "") -> None:
        self.engine = engine
        self.collection = collection

    def for_collection(self, collection: str) -> DocumentRegistry:
        """The same database, scoped to ``collection``."""
        return self if collection == self.collection else DocumentRegistry(self.engine, collection)

    # -- reading ---------------------------------------------------------------------------------------------
    def revision(self) -> str:
        return self._state()[0]

    def last_changed(self) -> str:
        return self._state()[1]

    @_server
    def documents(self) -> list[DocumentRecord]:
        query = select(corpus_documents).where(self._mine(corpus_documents)).order_by(corpus_documents.c.doc_id)
        with self.engine.connect() as connection:
            return [_record(row) for row in connection.execute(query).mappings()]

    @_server
    def get(self, doc_id: str) -> DocumentRecord | None:
        with self.engine.connect() as connection:
            return self._get(connection, doc_id)

    @_server
    def live_versions(self) -> dict[str, str]:
        table = corpus_documents
        query = select(table.c.doc_id, table.c.version).where(self._mine(table))
        with self.engine.connect() as connection:
            return {doc_id: version for doc_id, version in connection.execute(query)}

    @_server
    def history(self, doc_id: str) -> list[VersionEvent]:
        """Every recorded add, update and removal of ``doc_id``, oldest first."""
        table = corpus_document_events
        query = select(table).where(self._mine(table), table.c.doc_id == doc_id).order_by(table.c.id)
        with self.engine.connect() as connection:
            events = [_event(row) for row in connection.execute(query).mappings()]
        # The order the 0.1.0 release showed (by time, a removal before anything else in the same millisecond);
        # the insertion order breaks remaining ties.
        return sorted(events, key=lambda e: (e.at, e.action != "removed"))

    @_server
    def retired(self) -> list[RetiredVersion]:
        table = corpus_retired_versions
        query = select(table).where(self._mine(table)).order_by(table.c.doc_id, table.c.version)
        with self.engine.connect() as connection:
            return [
                RetiredVersion(r["doc_id"], r["version"], float(r["retired_at"]))
                for r in connection.execute(query).mappings()
            ]

    @_server
    def is_new(self) -> bool:
        """True when nothing was ever recorded for this collection (no record, event, retired version or revision)."""
        with self.engine.connect() as connection:
            for table in (corpus_state, corpus_documents, corpus_document_events, corpus_retired_versions):
                if connection.execute(select(table.c.collection).where(self._mine(table)).limit(1)).first():
                    return False
        return True

    @_server
    def sweepable(self, doc_id: str, version: str, cutoff: float) -> bool:
        """True when ``version`` is not live and not registered (retired or being written) after ``cutoff``."""
        table = corpus_retired_versions
        with self.engine.connect() as connection:
            live = self._get(connection, doc_id)
            if live is not None and live.version == version:
                return False
            query = select(table.c.retired_at).where(
                self._mine(table), table.c.doc_id == doc_id, table.c.version == version
            )
            retired_at = connection.execute(query).scalar()
        return retired_at is None or float(retired_at) <= cutoff

    # -- writing ---------------------------------------------------------------------------------------------
    @_server
    def retire(self, doc_id: str, version: str, now: float) -> None:
        """Register ``version`` as retired (step one of a write: before its passages exist, so a sweep removes
        what a crash leaves of them)."""
        with self.engine.begin() as connection:
            self._retire(connection, doc_id, version, now)

    @_server
    def switch(self, record: DocumentRecord, *, actor: str, now: float, bump: bool) -> tuple[DocumentRecord, str]:
        """Make ``record`` the live version in one transaction: the record, its history event, the retirement of
        the previous version and (``bump``) a new revision. Returns the live record and 'added', 'updated' or
        'unchanged' (the version was already live: nothing changes)."""
        for attempt in range(2):
            try:
                with self.engine.begin() as connection:
                    return self._switch(connection, record, actor, now, bump)
            except IntegrityError:
                if attempt:  # two first writes of one document raced on PostgreSQL: the second sees the first
                    raise
        raise AssertionError("unreachable")

    def _switch(
        self, connection: Connection, record: DocumentRecord, actor: str, now: float, bump: bool
    ) -> tuple[DocumentRecord, str]:
        # A write first: on SQLite it takes the database's write lock, so the read below is not overtaken by
        # another writer's switch of the same document. The new version needs no sweep once it is live.
        self._unretire(connection, record.doc_id, record.version)
        previous = self._get(connection, record.doc_id, lock=True)
        if previous is not None and previous.version == record.version:
            return previous, "unchanged"
        values = {"collection": self.collection, **record.as_dict()}
        if previous is None:
            connection.execute(corpus_documents.insert().values(values))
        else:
            connection.execute(update(corpus_documents).where(self._key(record.doc_id)).values(values))
            self._retire(connection, previous.doc_id, previous.version, now)
        action = "added" if previous is None else "updated"
        self._add_events(connection, [_event_of(record, action, actor, now)])
        if bump:
            self._bump(connection, now)
        return record, action

    @_server
    def remove(self, doc_id: str, *, actor: str, now: float) -> DocumentRecord | None:
        """Drop ``doc_id`` in one transaction: the record, a 'removed' event, its version retired, a new revision."""
        with self.engine.connect() as connection, connection.begin() as transaction:
            self._bump(connection, now)  # first, for the write lock (see _switch); undone when there is nothing
            record = self._get(connection, doc_id, lock=True)
            if record is None:
                transaction.rollback()
                return None
            connection.execute(delete(corpus_documents).where(self._key(doc_id)))
            self._add_events(connection, [_event_of(record, "removed", actor, now)])
            self._retire(connection, doc_id, record.version, now)
        return record

    @_server
    def update_counts(self, record: DocumentRecord, *, now: float) -> bool:
        """Correct the passage, token and page counts of the live ``record.version`` (passages restored from the
        source) and bump the revision; False when that version is no longer live."""
        with self.engine.begin() as connection:
            table = corpus_documents
            changed = connection.execute(
                update(table)
                .where(self._key(record.doc_id), table.c.version == record.version)
                .values(chunks=record.chunks, tokens=record.tokens, pages=record.pages)
            ).rowcount
            if changed:
                self._bump(connection, now)
                self._unretire(connection, record.doc_id, record.version)
        return bool(changed)

    @_server
    def bump_revision(self, now: float) -> None:
        with self.engine.begin() as connection:
            self._bump(connection, now)

    @_server
    def forget_retired(self, doc_id: str, version: str, cutoff: float) -> None:
        """Drop the retired entry of ``version`` unless it was registered again after ``cutoff`` (a new write)."""
        table = corpus_retired_versions
        with self.engine.begin() as connection:
            connection.execute(
                delete(table).where(
                    self._mine(table),
                    table.c.doc_id == doc_id,
                    table.c.version == version,
                    table.c.retired_at <= cutoff,
                )
            )

    def adopt(
        self,
        documents: Sequence[DocumentRecord],
        events: Sequence[VersionEvent],
        retired: Sequence[RetiredVersion],
        revision: str,
        changed_at: str,
    ) -> bool:
        """Fill a new registry with what an older release kept elsewhere, in one transaction; False when another
        process filled it first (its state row exists), and then nothing is written."""
        try:
            with self.engine.begin() as connection:
                # The state row goes first: it is the claim. A second process blocks on it and then fails.
                connection.execute(
                    corpus_state.insert().values(collection=self.collection, revision=revision, changed_at=changed_at)
                )
                if documents:
                    connection.execute(
                        corpus_documents.insert(), [{"collection": self.collection, **d.as_dict()} for d in documents]
                    )
                self._add_events(connection, sorted(events, key=lambda e: (e.at, e.action != "removed")))
                for entry in retired:
                    self._retire(connection, entry.doc_id, entry.version, entry.retired_at)
        except IntegrityError:
            return False
        return True

    # -- helpers ---------------------------------------------------------------------------------------------
    def _mine(self, table: Table) -> ColumnElement[bool]:
        return table.c.collection == self.collection

    def _key(self, doc_id: str) -> ColumnElement[bool]:
        return (corpus_documents.c.collection == self.collection) & (corpus_documents.c.doc_id == doc_id)

    @_server
    def _state(self) -> tuple[str, str]:
        query = select(corpus_state.c.revision, corpus_state.c.changed_at).where(self._mine(corpus_state))
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (str(row[0]), str(row[1])) if row else ("", "")

    def _get(self, connection: Connection, doc_id: str, *, lock: bool = False) -> DocumentRecord | None:
        query = select(corpus_documents).where(self._key(doc_id))
        if lock:
            query = query.with_for_update()  # PostgreSQL: a concurrent switch of this document waits for ours
        row = connection.execute(query).mappings().first()
        return _record(row) if row is not None else None

    def _add_events(self, connection: Connection, events: Iterable[VersionEvent]) -> None:
        rows = [
            {"collection": self.collection, "actor": e.by, **{k: v for k, v in e.as_dict().items() if k != "by"}}
            for e in events
        ]
        if rows:
            connection.execute(corpus_document_events.insert(), rows)

    def _retire(self, connection: Connection, doc_id: str, version: str, at: float) -> None:
        _upsert(
            connection,
            corpus_retired_versions,
            {"collection": self.collection, "doc_id": doc_id, "version": version, "retired_at": at},
            keys=("collection", "doc_id", "version"),
        )

    def _unretire(self, connection: Connection, doc_id: str, version: str) -> None:
        table = corpus_retired_versions
        connection.execute(delete(table).where(self._mine(table), table.c.doc_id == doc_id, table.c.version == version))

    def _bump(self, connection: Connection, now: float) -> None:
        _upsert(
            connection,
            corpus_state,
            {"collection": self.collection, "revision": uuid.uuid4().hex, "changed_at": iso_seconds(now)},
            keys=("collection",),
        )


def _upsert(connection: Connection, table: Table, values: dict[str, object], keys: tuple[str, ...]) -> None:
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - the two databases the project supports
        connection.execute(delete(table).where(*(table.c[k] == values[k] for k in keys)))
        connection.execute(table.insert().values(values))
        return
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).values(values)
    changes = {k: v for k, v in values.items() if k not in keys}
    connection.execute(insert.on_conflict_do_update(index_elements=list(keys), set_=changes))


def _record(row: RowMapping) -> DocumentRecord:
    return DocumentRecord(**{name: row[name] for name in DocumentRecord.__dataclass_fields__})


def _event(row: RowMapping) -> VersionEvent:
    fields = {name: row[name] for name in VersionEvent.__dataclass_fields__ if name != "by"}
    return VersionEvent(by=row["actor"], **fields)


def _event_of(record: DocumentRecord, action: str, actor: str, now: float) -> VersionEvent:
    return VersionEvent(
        record.doc_id, action, record.version, record.content_hash, record.chunks, iso_millis(now), actor, record.title
    )
