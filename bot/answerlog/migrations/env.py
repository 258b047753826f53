"""Alembic environment for the answer log: run with the connection the caller passes in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

config = context.config
version_table = config.get_main_option("version_table") or "answerlog_alembic_version"


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, version_table=version_table, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    # `alembic -c ... upgrade head` from a shell: sqlalchemy.url comes from the configuration.
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: sqlalchemy.url is not set (migrations run through bot.answerlog, which sets it)")
    if context.is_offline_mode():
        context.configure(url=url, version_table=version_table, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, version_table=version_table, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
