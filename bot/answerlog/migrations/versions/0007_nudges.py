"""Opt-in nudges in team channels (issue 17): each channel's opt-in with who set it and when, and what makes an
answer-log record a nudge (its thread, the classifier's score and topic). Only messages that triggered a nudge are
stored, as answer-log records with surface "nudge"; their feedback goes to the feedback table like answers'.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nudge_channels",
        sa.Column("channel_id", sa.String(128), primary_key=True),
        sa.Column("watching", sa.Boolean, nullable=False),
        sa.Column("set_by", sa.String(128), nullable=False),
        sa.Column("set_at", sa.DateTime, nullable=False),
        sa.Column("quiet_until", sa.DateTime, nullable=True),
    )
    op.create_table(
        "nudges",
        sa.Column("answer_id", sa.String(32), sa.ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("channel_id", sa.String(128), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=False),
        sa.Column("nudge_ts", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("channel_id", "thread_ts", name="ux_nudges_channel_thread"),
    )
    op.create_index("ix_nudges_created_at", "nudges", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_nudges_created_at", table_name="nudges")
    op.drop_table("nudges")
    op.drop_table("nudge_channels")
