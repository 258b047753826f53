"""The table definitions the Slack adapter queries (event claims and documents awaiting review).

The tables themselves are created by the database's Alembic migrations (0006), which the composition root runs
before the bot starts; this metadata is never used to create them.
"""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
