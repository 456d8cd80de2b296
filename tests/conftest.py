"""Shared fixtures: a station context on a fresh database, SQLite or PostgreSQL.

`PTW_TEST_BACKEND=postgresql` (set by `make test` for its second pass) runs the
database tests against the real server named by `PTW_TEST_POSTGRES_URL`; each test gets
its own database cloned from a migrated template.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.settings import Settings, load_settings
from workflow.context import AppContext, open_context
from workflow.station_setup import prepare_database

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
BACKEND = os.environ.get("PTW_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("PTW_TEST_POSTGRES_URL", "")
REPO_ROOT = Path(__file__).resolve().parent.parent
DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that use a database; skip PostgreSQL-only tests on SQLite."""
    for item in items:
        if {"database_url", "context", "settings"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)
        if item.get_closest_marker("postgres_only") and BACKEND != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PTW_TEST_BACKEND=postgresql"))


def _admin_url() -> str:
    if not POSTGRES_URL:
        pytest.fail("PTW_TEST_BACKEND=postgresql needs PTW_TEST_POSTGRES_URL")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Name of a migrated PostgreSQL template database (None on SQLite)."""
    if BACKEND != "postgresql":
        return None
    name = f"ptw_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = _admin_url().rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(data_dir=tmp_path_factory.mktemp("template"), database_url=url)
    context = open_context(settings, actor="test")
    prepare_database(context)
    context.close()
    admin.dispose()
    return name


@pytest.fixture
def database_url(tmp_path: Path, postgres_template: str | None) -> Iterator[str]:
    """A URL of a database for this test only (on PostgreSQL already migrated)."""
    if postgres_template is None:
        yield f"sqlite:///{tmp_path / 'data' / 'ptw.sqlite3'}"
        return
    name = f"ptw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield _admin_url().rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def station_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
                ) -> dict[str, str]:
    """Environment of a station in a temporary data folder, also set on this process."""
    env = {"PTW_DATA_DIR": str(tmp_path / "data"), "PTW_DATABASE_URL": database_url,
           "PTW_STATION_NAME": "test-station", "PTW_LANGUAGE": "zh_CN"}
    for key in [k for k in os.environ if k.startswith("PTW_") and not k.startswith("PTW_TEST")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def settings(station_env: dict[str, str]) -> Settings:
    """Settings of a station in a temporary folder on its own database."""
    return load_settings()


@pytest.fixture
def context(settings: Settings) -> Iterator[AppContext]:
    """A station context on a migrated database with reference data, no demo."""
    context = open_context(settings, actor="tester")
    prepare_database(context)
    yield context
    context.close()
