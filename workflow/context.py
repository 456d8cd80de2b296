"""The context every service runs in: settings, the database, and who is acting where."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from core.database import Database
from core.settings import Settings, load_settings


@dataclass
class AppContext:
    """What a service needs from its surroundings, passed in explicitly (no globals)."""

    settings: Settings
    database: Database
    actor: str

    @property
    def station(self) -> str:
        """The name of this scanning/marking station."""
        return self.settings.station_name

    @property
    def language(self) -> str:
        """The user's language code."""
        return str(self.settings.language)

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()


def current_user() -> str:
    """The operating-system user name, used as the actor when no one has logged in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_context(settings: Settings | None = None, actor: str | None = None) -> AppContext:
    """A context on the configured database (the schema is not touched here)."""
    settings = settings or load_settings()
    database = Database(settings.effective_database_url, settings.database_busy_timeout_s)
    return AppContext(settings=settings, database=database, actor=actor or current_user())
