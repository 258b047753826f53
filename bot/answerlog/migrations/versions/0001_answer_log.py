"""The answer log: answers, retrieved passages, citations, feedback, review actions and corrections.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _answer_fk() -> sa.Column:
    return sa.Column("answer_id", sa.String(32), sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("surface", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("standalone_question", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("question_tokens", sa.Integer, nullable=False),
        sa.Column("answer_tokens", sa.Integer, nullable=False),
        sa.Column("context_tokens", sa.Integer, nullable=False),
        sa.Column("retrieval_ms", sa.Float, nullable=False),
        sa.Column("generation_ms", sa.Float, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("review_state", sa.String(16), nullable=False),
    )
    op.create_index("ix_answers_created_at", "answers", ["created_at"])
    op.create_index("ix_answers_status", "answers", ["status"])
    op.create_index("ix_answers_review_state", "answers", ["review_state"])

    op.create_table(
        "retrieved_passages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _answer_fk(),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("chunk_id", sa.String(256), nullable=False),
        sa.Column("doc_id", sa.String(256), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("dense", sa.Float, nullable=False),
        sa.Column("lexical", sa.Float, nullable=False),
        sa.Column("fused", sa.Float, nullable=False),
    )
    op.create_index("ix_retrieved_passages_answer_id", "retrieved_passages", ["answer_id"])

    op.create_table(
        "citations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _answer_fk(),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("doc_id", sa.String(256), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("date", sa.String(32), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("page", sa.Integer, nullable=True),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("chunk_id", sa.String(256), nullable=False),
    )
    op.create_index("ix_citations_answer_id", "citations", ["answer_id"])
    op.create_index("ix_citations_doc_id", "citations", ["doc_id"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _answer_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_feedback_answer_id", "feedback", ["answer_id"])
    op.create_index("ix_feedback_kind", "feedback", ["kind"])

    op.create_table(
        "review_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _answer_fk(),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_review_actions_answer_id", "review_actions", ["answer_id"])

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _answer_fk(),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("review_actions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_corrections_answer_id", "corrections", ["answer_id"])
    op.create_index("ix_corrections_active", "corrections", ["active"])


def downgrade() -> None:
    for table in ("corrections", "review_actions", "feedback", "citations", "retrieved_passages", "answers"):
        op.drop_table(table)
