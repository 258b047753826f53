"""One feedback row per person and answer (a second click changes it), with the optional reason they gave.

Earlier logs may hold several rows from one person on one answer (every click added one): the latest is kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAMED = sa.text("user_id != ''")  # anonymous feedback (no user id) is not limited to one row


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=False, server_default=""))
    op.execute(
        "DELETE FROM feedback WHERE user_id != '' AND id NOT IN "
        "(SELECT MAX(id) FROM feedback WHERE user_id != '' GROUP BY answer_id, user_id)"
    )
    op.create_index(
        "ux_feedback_answer_user",
        "feedback",
        ["answer_id", "user_id"],
        unique=True,
        sqlite_where=NAMED,
        postgresql_where=NAMED,
    )


def downgrade() -> None:
    op.drop_index("ux_feedback_answer_user", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("reason")
