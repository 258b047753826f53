"""The misuse guard's verdict on each logged answer: the harm area, the classifier's score and the deciding layer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("safety_area", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("safety_score", sa.Float, nullable=False, server_default="0"))
        batch.add_column(sa.Column("safety_layer", sa.String(16), nullable=False, server_default=""))
        batch.create_index("ix_answers_safety_area", ["safety_area"])


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index("ix_answers_safety_area")
        batch.drop_column("safety_layer")
        batch.drop_column("safety_score")
        batch.drop_column("safety_area")
