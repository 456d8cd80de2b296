"""The one typed settings model, stored as TOML in the user-data folder.

Precedence, highest first: environment variables `PTW_…` (nested with `__`, e.g.
`PTW_UPLOAD__URL`), the settings file `<data dir>/settings.toml`, then defaults.
`PTW_DATA_DIR` moves the whole data folder (database, pages, settings), which is how
tests and benches run in a temporary folder. The file carries a schema version and is
migrated forward when an older one is read.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.errors import SettingsError
from core.i18n import Language, LocalisedText

SETTINGS_SCHEMA_VERSION = 1
SETTINGS_FILE_NAME = "settings.toml"
DATABASE_FILE_NAME = "ptw.sqlite3"
APP_NAME = "PrecisionTeachingWorkstation"


class UploadSettings(BaseModel):
    """Where and how this station sends results to the county platform."""

    model_config = ConfigDict(validate_assignment=True)

    url: str | None = None
    token: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("upload URL must use https://")
        return value


class RecognitionThresholds(BaseModel):
    """Thresholds of mark recognition, as fractions of a bubble's area or of certainty.

    Mark boundaries are set per sheet between its empty and its marked fill level
    (`omr.mark_decision`); a reading is certain when its fills lie far enough from the
    boundaries, measured in the sheet's own noise.
    """

    model_config = ConfigDict(validate_assignment=True)

    marked_fill: float = Field(default=0.45, ge=0, le=1, description=(
        "Least fill of a clear mark: fills from here set the sheet's marked level."))
    light_fill: float = Field(default=0.20, ge=0, le=1, description=(
        "Least fill that can ever count as a mark, whatever the sheet's levels."))
    min_confidence: float = Field(default=0.80, ge=0, le=1, description=(
        "Readings less certain than this (0..1) go to a person for review."))
    cross_means_erased: bool = Field(default=True, description=(
        "A bubble struck through with a cross is an answer taken back, not a mark."))
    grey_mark_level: float = Field(default=0.375, gt=0, lt=1, description=(
        "Share of the way from the sheet's empty to its marked level from which a grey "
        "fill (no solid ink: light pencil, erasure residue) counts as a mark."))
    stroke_mark_level: float = Field(default=0.25, gt=0, lt=1, description=(
        "The same share for a fill of solid ink strokes (a tick, a half-filled bubble)."))
    certain_spreads: float = Field(default=6.0, gt=0, description=(
        "Distance from a mark boundary, in robust spreads of the sheet's empty bubbles, "
        "at which a fill is fully certain."))
    certain_contrast: float = Field(default=0.05, gt=0, lt=1, description=(
        "Least such distance, as a share of the sheet's marked − empty contrast."))


class GradingLines(BaseModel):
    """Score lines of the Chinese report metrics, as fractions of full marks."""

    model_config = ConfigDict(validate_assignment=True)

    excellent: float = Field(default=0.85, gt=0, le=1)
    good: float = Field(default=0.70, gt=0, le=1)
    passing: float = Field(default=0.60, gt=0, le=1)
    low: float = Field(default=0.40, gt=0, le=1)
    band_width: float = Field(default=10, gt=0)


class AnalyticsSettings(BaseModel):
    """How mastery carries over between exams and what practice is recommended."""

    model_config = ConfigDict(validate_assignment=True)

    mastery_forgetting: float = Field(default=0.3, ge=0, le=1, description=(
        "Share of a student's carried mastery given back to the class average before the "
        "next exam (0: remember all, 1: start afresh)."))
    practice_items: int = Field(default=10, ge=1, le=100, description=(
        "Items recommended to each student after an exam."))
    recent_days: float = Field(default=14.0, ge=0, description=(
        "Items a student saw this many days ago or less are not recommended again."))
    retire_after: int = Field(default=3, ge=1, le=20, description=(
        "Right retries in a row that take an item out of the wrong-item book."))


def default_data_dir() -> Path:
    """The platform's per-user data folder for the workstation."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class Settings(BaseSettings):
    """Everything a station can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="PTW_", env_nested_delimiter="__", extra="ignore", validate_default=True,
        validate_assignment=True,
    )

    schema_version: int = SETTINGS_SCHEMA_VERSION
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    database_busy_timeout_s: float = Field(default=10.0, ge=0)
    language: Language = Language.ZH_CN
    station_name: str = Field(default_factory=socket.gethostname, min_length=1)
    demo_on_first_start: bool = True
    upload: UploadSettings = Field(default_factory=UploadSettings)
    recognition: RecognitionThresholds = Field(default_factory=RecognitionThresholds)
    grading: GradingLines = Field(default_factory=GradingLines)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment first, then values read from the settings file (passed as init)."""
        return (env_settings, init_settings)

    @property
    def settings_file(self) -> Path:
        """Where these settings are stored."""
        return self.data_dir / SETTINGS_FILE_NAME

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / DATABASE_FILE_NAME}"

    @property
    def pages_dir(self) -> Path:
        """Folder of the content-addressed scanned pages."""
        return self.data_dir / "pages"


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (unversioned) called the database `database`."""
    if "database" in data and "database_url" not in data:
        data["database_url"] = data.pop("database")
    return data


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def migrate_settings_data(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings mapping read from a file up to the current schema version."""
    version = int(data.get("schema_version", 0))
    if version > SETTINGS_SCHEMA_VERSION:
        raise SettingsError(
            LocalisedText(
                f"设置文件来自更新的版本（格式 {version}），请升级本程序。",
                f"The settings file comes from a newer version (schema {version}); "
                "please upgrade this program.",
            )
        )
    while version < SETTINGS_SCHEMA_VERSION:
        data = _MIGRATIONS[version](dict(data))
        version += 1
    data["schema_version"] = SETTINGS_SCHEMA_VERSION
    return data


def resolve_data_dir(environ: Mapping[str, str]) -> Path:
    """The data folder: `PTW_DATA_DIR` when set, else the platform default."""
    override = environ.get("PTW_DATA_DIR")
    return Path(override).expanduser() if override else default_data_dir()


def read_settings_file(path: Path) -> dict[str, Any]:
    """The migrated contents of a settings file, or an empty mapping if there is none."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            LocalisedText(
                f"设置文件 {path} 格式有误，请改正或删除后重试：{exc}",
                f"The settings file {path} is not valid TOML; fix or delete it and retry: {exc}",
            ),
            detail=str(exc),
        ) from exc
    data.pop("data_dir", None)
    return migrate_settings_data(data)


def load_settings() -> Settings:
    """Read this station's settings from its file and the process environment."""
    data_dir = resolve_data_dir(os.environ)
    file_values = read_settings_file(data_dir / SETTINGS_FILE_NAME)
    file_values["data_dir"] = data_dir
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise SettingsError(
            LocalisedText(
                f"设置有误（设置文件或 PTW_ 环境变量）：{_first_error(exc)}",
                f"A setting is not valid (settings file or PTW_ variable): {_first_error(exc)}",
            ),
            detail=str(exc),
        ) from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    return f"{location}: {error['msg']}"


def save_settings(settings: Settings) -> Path:
    """Write the settings file atomically (temp file, fsync, rename) and return its path."""
    data = settings.model_dump(mode="json", exclude={"data_dir"}, exclude_none=True)
    if settings.upload.token is not None:
        data["upload"]["token"] = settings.upload.token.get_secret_value()
    path = settings.settings_file
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    with temporary.open("wb") as handle:
        tomli_w.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path
