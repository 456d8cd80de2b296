"""Bringing a database's schema to the version this program needs, with Alembic."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc

from core.database import Database, translate_database_error
from core.errors import DatabaseUnavailableError
from core.i18n import LocalisedText

_TOO_NEW = LocalisedText(
    "数据库由更新版本的程序创建（版本 {found}），请先升级本程序。",
    "The database was made by a newer version of this program (revision {found}); "
    "upgrade this program first.",
)


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", "core:migrations")
    return config


def head_revision() -> str:
    """The newest migration this program knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(database: Database) -> tuple[str | None, str]:
    """Apply every pending migration; return the revisions before and after."""
    try:
        before = current_revision(database)
        known = {script.revision for script in ScriptDirectory.from_config(
            alembic_config()).walk_revisions()}
        if before is not None and before not in known:
            raise DatabaseUnavailableError(_TOO_NEW.format(found=before))
        config = alembic_config()
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return before, head_revision()
    except exc.DBAPIError as error:
        translated = translate_database_error(error, database.url)
        if translated is not None:
            raise translated from error
        raise
