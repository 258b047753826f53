"""The language of each document in the registry (issue 16: documents in the six UN languages).

Documents registered before this migration read as English, which is what every one of them was until then: the
column gets the server default 'en'. A document in another language that was ingested earlier keeps 'en' until it
is ingested again (its language is then part of its version, so the re-ingest is an update).

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A NOT NULL column with a default is added in place on both SQLite and PostgreSQL: no table copy.
    op.add_column("corpus_documents", sa.Column("language", sa.String(16), nullable=False, server_default="en"))


def downgrade() -> None:
    # batch mode: SQLite before 3.35 cannot drop a column in place.
    with op.batch_alter_table("corpus_documents") as table:
        table.drop_column("language")
