"""The SQLAlchemy engine the Slack adapter shares between event de-duplication and documents awaiting review."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

metadata = MetaData()


def make_engine(url: str) -> Engine:
    # SQLite: several bot processes share the file, so wait for a writer's lock instead of failing at once.
    connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=connect_args, pool_pre_ping=not url.startswith("sqlite"))


def create_tables(engine: Engine) -> None:
    """Create the Slack tables if missing; two processes starting together may race, and that is fine."""
    try:
        metadata.create_all(engine)
    except OperationalError:
        logger.debug("another process created the tables first", exc_info=True)
        metadata.create_all(engine)
