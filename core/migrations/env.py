"""Alembic environment: migrates the connection handed in, or the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from core.database import create_database_engine, is_sqlite
from core.models import Base
from core.settings import load_settings


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite(str(connection.engine.url)),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or (
        load_settings().effective_database_url
    )
    engine = create_database_engine(url)
    with engine.connect() as new_connection:
        _run(new_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
_run_online()
