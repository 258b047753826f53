"""The SQLAlchemy engine the Slack adapter shares between event de-duplication and documents awaiting review."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, MetaData
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

metadata = MetaData()


def create_tables(engine: Engine) -> None:
    """Create the Slack tables if missing; two processes starting together may race, and that is fine."""
    try:
        metadata.create_all(engine)
    except OperationalError:
        logger.debug("another process created the tables first", exc_info=True)
        metadata.create_all(engine)
