"""Migration 0008 adds the documents' language to the registry: rows registered before it read as English, on SQLite
and PostgreSQL, and the downgrade takes the column away again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from bot.answerlog._db import alembic_config, make_engine, upgrade
from ingest.legacy import _record as legacy_record
from ingest.registry import DocumentRegistry

OLD_ROW = {
    "collection": "minilm",
    "doc_id": "old-doc",
    "title": "Old",
    "kind": "other",
    "publisher": "",
    "date": "",
    "url": "",
    "source_path": "old.md",
    "version": "abc",
    "chunks": 1,
    "tokens": 10,
    "pages": 0,
    "ingested_at": "2026-01-01T00:00:00+00:00",
    "content_hash": "abc",
    "ingested_by": "",
}


def _migrate_to(engine: sa.Engine, target: str, *, down: bool = False) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


def test_documents_registered_before_0008_read_as_english(database_url: str) -> None:
    engine = make_engine(database_url)
    _migrate_to(engine, "0007")
    columns = ", ".join(OLD_ROW)
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"INSERT INTO corpus_documents ({columns}) VALUES ({', '.join(':' + k for k in OLD_ROW)})"),
            OLD_ROW,
        )
    upgrade(engine)  # what opening the database does
    registry = DocumentRegistry(engine, "minilm")
    assert [(r.doc_id, r.language) for r in registry.documents()] == [("old-doc", "en")]

    _migrate_to(engine, "0007", down=True)
    assert "language" not in {c["name"] for c in sa.inspect(engine).get_columns("corpus_documents")}
    engine.dispose()


def test_records_of_the_0_1_0_index_read_as_english() -> None:
    assert legacy_record({"doc_id": "d", "title": "T", "chunks": 2}).language == "en"
