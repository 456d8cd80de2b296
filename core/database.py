"""Opening the database (embedded SQLite or a shared PostgreSQL server) and running work on it.

`Database` owns the engine and hands out transactions; database failures a person can
act on (locked, corrupt, unreachable, made by a newer version) become
`DatabaseUnavailableError` with a message that says what to do. Nothing here deletes or
recreates an existing database file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DatabaseUnavailableError
from core.i18n import LocalisedText

T = TypeVar("T")

_LOCKED = LocalisedText(
    "数据库正被另一个程序占用（已锁定），本次操作未写入任何数据。请关闭其他正在使用它的程序后重试。",
    "The database is locked by another program; nothing was written. "
    "Close the other program and try again.",
)
_CORRUPT = LocalisedText(
    "数据库文件 {where} 已损坏或不是本程序的数据库。文件保持原样未被改动；"
    "请从备份恢复，或在设置中选择其他数据库。",
    "The database file {where} is damaged or is not a database of this program. It was left "
    "untouched; restore it from a backup or choose another database in the settings.",
)
_UNREACHABLE = LocalisedText(
    "无法连接数据库 {where}，请检查网络和数据库服务器是否已启动。",
    "Cannot connect to the database {where}; check the network and that the server is running.",
)


def is_sqlite(url: str) -> bool:
    """Whether a database URL names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def describe_url(url: str) -> str:
    """A database URL safe to show and log: the password is hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock at the start so concurrent writers wait instead of failing late.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_database_engine(url: str, busy_timeout_s: float = 10.0) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_s})
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def translate_database_error(error: BaseException, url: str) -> DatabaseUnavailableError | None:
    """The user-facing error for a database failure a person can act on, else None."""
    text = str(getattr(error, "orig", error)).lower()
    where = describe_url(url)
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseUnavailableError(_LOCKED, detail=text)
    if "file is not a database" in text or "malformed" in text or "not a database" in text:
        return DatabaseUnavailableError(_CORRUPT.format(where=where), detail=text)
    if isinstance(error, exc.OperationalError) and (
        "connection" in text or "could not connect" in text or "unable to open" in text
    ):
        return DatabaseUnavailableError(_UNREACHABLE.format(where=where), detail=text)
    return None


def is_retryable_conflict(error: BaseException) -> bool:
    """Whether a failed transaction lost a race with another station and may be retried."""
    if isinstance(error, exc.IntegrityError):
        return True
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in {"40001", "40P01"}  # serialization failure, deadlock


class Database:
    """The engine and session factory of one database, with error translation."""

    def __init__(self, url: str, busy_timeout_s: float = 10.0) -> None:
        self.url = url
        self.engine = create_database_engine(url, busy_timeout_s)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together at the end, or not at all."""
        try:
            with self._sessions.begin() as session:
                yield session
        except exc.DBAPIError as error:
            translated = translate_database_error(error, self.url)
            if translated is not None:
                raise translated from error
            raise

    def run(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Run `work` in one transaction, retrying when a concurrent station won a race."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except exc.DBAPIError as error:
                if attempt == attempts or not is_retryable_conflict(error):
                    raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
