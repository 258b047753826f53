"""The document registry (records, version history, retired versions, corpus revision) moves from Chroma into this
database, and the Slack tables come under Alembic.

The registry's rows are copied from the 0.1.0 release's Chroma collection by the index when it first opens
(ingest/legacy.py), not here: a migration cannot reach the Chroma server or the index folder. The Slack tables were
created by ``metadata.create_all`` in 0.1.0: they are created here when absent, and left exactly as they are when
that release created them (same columns, same index names either way).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REGISTRY_TABLES = ("corpus_state", "corpus_retired_versions", "corpus_document_events", "corpus_documents")


def upgrade() -> None:
    # Keys are unbounded strings: 0.1.0 put no limit on doc ids or versions, and none may be refused on the way in.
    op.create_table(
        "corpus_documents",
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
    )
    op.create_table(
        "corpus_document_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("collection", sa.String, nullable=False),
        sa.Column("doc_id", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("version", sa.String, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
    )
    op.create_index("ix_corpus_document_events_doc", "corpus_document_events", ["collection", "doc_id"])
    op.create_table(
        "corpus_retired_versions",
        sa.Column("collection", sa.String, primary_key=True),
        sa.Column("doc_id", sa.String, primary_key=True),
        sa.Column("version", sa.String, primary_key=True),
        sa.Column("retired_at", sa.Float, nullable=False),
    )
    op.create_table(
        "corpus_state",
        sa.Column("collection", sa.String, primary_key=True),
        sa.Column("revision", sa.String, nullable=False),
        sa.Column("changed_at", sa.Text, nullable=False),
    )

    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_events" not in existing:
        op.create_table(
            "slack_events",
            sa.Column("event_id", sa.String(100), primary_key=True),
            sa.Column("received_at", sa.Float, nullable=False),
        )
        op.create_index("ix_slack_events_received_at", "slack_events", ["received_at"])
    if "slack_pending_documents" not in existing:
        op.create_table(
            "slack_pending_documents",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("user_id", sa.String(64), nullable=False),
            sa.Column("reply_channel", sa.String(64), nullable=False),
            sa.Column("document", sa.Text, nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
        )
        op.create_index("ix_slack_pending_documents_created_at", "slack_pending_documents", ["created_at"])


def downgrade() -> None:
    # The Slack tables stay: 0.1.0 creates them itself and would find its rows there. The registry goes, and with it
    # what was recorded since the upgrade; 0.1.0 keeps its own in Chroma, which the upgrade deleted.
    op.drop_index("ix_corpus_document_events_doc", table_name="corpus_document_events")
    for table in REGISTRY_TABLES:
        op.drop_table(table)
