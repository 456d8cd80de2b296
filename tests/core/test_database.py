import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.database import Database, describe_url
from core.errors import DatabaseUnavailableError
from core.models import Base
from core.schema_upgrade import current_revision, head_revision, upgrade_database
from workflow.context import AppContext


def test_migrated_schema_matches_the_models(context: AppContext) -> None:
    assert current_revision(context.database) == head_revision()
    with context.database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    tables = set(inspect(context.database.engine).get_table_names())
    assert {"student", "class_membership", "knowledge_point", "item", "assessment", "page",
            "response", "recognition_exception", "marking_event", "mastery_snapshot",
            "recommendation", "outbox_message", "audit_entry"} <= tables


def test_upgrade_twice_is_harmless(context: AppContext) -> None:
    before, after = upgrade_database(context.database)
    assert before == after == head_revision()


def test_empty_sqlite_file_is_upgraded_from_nothing(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}")
    before, after = upgrade_database(database)
    assert before is None and after == head_revision()
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.dispose()


def test_database_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    database = Database(f"sqlite:///{path}")
    upgrade_database(database)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    with pytest.raises(DatabaseUnavailableError) as caught:
        upgrade_database(database)
    assert "newer version" in caught.value.message("en")
    database.dispose()


def test_corrupt_sqlite_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    garbage = b"this is not a database" * 500
    path.write_bytes(garbage)
    database = Database(f"sqlite:///{path}")
    with pytest.raises(DatabaseUnavailableError) as caught:
        upgrade_database(database)
    assert "损坏" in caught.value.message("zh_CN")
    assert path.read_bytes() == garbage
    database.dispose()


def test_locked_sqlite_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    database = Database(f"sqlite:///{path}", busy_timeout_s=0.2)
    upgrade_database(database)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailableError) as caught, database.transaction() as s:
            s.execute(Base.metadata.tables["school"].insert().values(name="x"))
        assert "locked" in caught.value.message("en")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with database.transaction() as session:
        session.execute(Base.metadata.tables["school"].insert().values(name="after"))
    database.dispose()


def test_describe_url_hides_the_password() -> None:
    text = describe_url("postgresql+psycopg://ptw:hunter2@db.school/ptw")
    assert "hunter2" not in text and "db.school" in text
