import os
from pathlib import Path

import pytest

from core.errors import SettingsError
from core.i18n import Language
from core.settings import SETTINGS_SCHEMA_VERSION, load_settings, save_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder named by PTW_DATA_DIR, with no other PTW_ variable set."""
    for key in [k for k in os.environ if k.startswith("PTW_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PTW_DATA_DIR", str(tmp_path))
    return tmp_path


def test_defaults_live_in_the_data_dir(data_dir: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == data_dir
    assert settings.effective_database_url == f"sqlite:///{data_dir / 'ptw.sqlite3'}"
    assert settings.language is Language.ZH_CN
    assert settings.schema_version == SETTINGS_SCHEMA_VERSION
    assert settings.grading.passing == pytest.approx(0.60)


def test_environment_overrides_file_and_nested_values(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (data_dir / "settings.toml").write_text(
        'schema_version = 1\nlanguage = "en"\nstation_name = "from-file"\n'
        '[recognition]\nmarked_fill = 0.5\n', encoding="utf-8")
    monkeypatch.setenv("PTW_STATION_NAME", "from-env")
    monkeypatch.setenv("PTW_DATABASE_URL", "postgresql+psycopg://u:secret@db.example/ptw")
    monkeypatch.setenv("PTW_UPLOAD__URL", "https://county.example/api")
    settings = load_settings()
    assert settings.station_name == "from-env"
    assert settings.language is Language.EN
    assert settings.recognition.marked_fill == pytest.approx(0.5)
    assert settings.effective_database_url.startswith("postgresql+psycopg://u:secret@")
    assert settings.upload.url == "https://county.example/api"


def test_save_then_load_round_trips_including_token(data_dir: Path) -> None:
    settings = load_settings()
    settings.station_name = "扫描站-2"
    settings.upload.token = "tok-123"  # type: ignore[assignment]
    path = save_settings(settings)
    assert path == data_dir / "settings.toml"
    again = load_settings()
    assert again.station_name == "扫描站-2"
    assert again.upload.token is not None
    assert again.upload.token.get_secret_value() == "tok-123"
    assert "data_dir" not in path.read_text(encoding="utf-8")


def test_unversioned_file_is_migrated(data_dir: Path) -> None:
    (data_dir / "settings.toml").write_text('database = "sqlite:////x/y.db"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.database_url == "sqlite:////x/y.db"
    assert settings.schema_version == SETTINGS_SCHEMA_VERSION


def test_newer_schema_is_refused_with_a_message(data_dir: Path) -> None:
    (data_dir / "settings.toml").write_text("schema_version = 99\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "升级" in caught.value.message("zh_CN")
    assert "newer version" in caught.value.message("en")


def test_broken_toml_is_reported_not_overwritten(data_dir: Path) -> None:
    path = data_dir / "settings.toml"
    path.write_text("language = [unclosed\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(path) in caught.value.message("en")
    assert path.read_text(encoding="utf-8") == "language = [unclosed\n"


@pytest.mark.parametrize(("key", "value"), [
    ("PTW_LANGUAGE", "klingon"),
    ("PTW_RECOGNITION__MARKED_FILL", "1.7"),
    ("PTW_UPLOAD__URL", "ftp://county.example"),
    ("PTW_UPLOAD__URL", "http://county.example/api"),
])
def test_invalid_values_name_the_setting(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert key.removeprefix("PTW_").split("__")[-1].lower() in caught.value.message("en")
