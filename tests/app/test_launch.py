import os
import sqlite3
import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.error_presenter import ErrorDialogContent, ErrorPresenter
from app.launch import StationStartup, choose_cjk_font_family, run_gui
from core.models import Student
from core.settings import Settings
from tests.app.conftest import LOAD_TIMEOUT_MS
from tests.workflow.ptw_process import run_ptw
from workflow.context import open_context
from workflow.station_setup import prepare_database

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GARBAGE = b"this is not a database at all " * 300


def _assert_is_a_screenshot(path: Path) -> QImage:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 500
    assert len(data) > 10_000
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == (width, height)
    colours = {image.pixel(x, y) for x in range(0, width, 7) for y in range(0, height, 7)}
    assert len(colours) > 8, "the screenshot is (nearly) blank"
    return image


def _database_file(settings: Settings) -> Path:
    return Path(settings.effective_database_url.removeprefix("sqlite:///"))


def test_run_gui_saves_a_screenshot_once_the_window_has_loaded(
        qapp: QApplication, settings: Settings, tmp_path: Path) -> None:
    shot = tmp_path / "shots" / "main.png"
    assert run_gui(settings, screenshot=shot) == 0
    _assert_is_a_screenshot(shot)
    context = open_context(settings)
    try:
        with context.database.transaction() as session:
            assert session.scalar(select(func.count(Student.id))) == 135  # demo on first start
    finally:
        context.close()


def test_ptw_gui_screenshot_in_a_subprocess(station_env: dict[str, str], tmp_path: Path) -> None:
    shot = tmp_path / "main.png"
    env = {**station_env, "QT_QPA_PLATFORM": "offscreen"}
    done = run_ptw(env, "gui", "--screenshot", str(shot))
    assert done.returncode == 0, done.stderr
    _assert_is_a_screenshot(shot)


@pytest.mark.skipif(os.environ.get("PTW_TEST_BACKEND", "sqlite") != "sqlite",
                    reason="damages an SQLite file")
def test_a_damaged_database_is_reported_with_status_2_and_left_untouched(
        qapp: QApplication, settings: Settings, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    database = _database_file(settings)
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(GARBAGE)
    shot = tmp_path / "never.png"
    assert run_gui(settings, screenshot=shot) == 2
    assert "已损坏" in capsys.readouterr().err
    assert database.read_bytes() == GARBAGE
    assert not shot.exists()


@pytest.mark.skipif(os.environ.get("PTW_TEST_BACKEND", "sqlite") != "sqlite",
                    reason="locks an SQLite file")
def test_a_locked_database_shows_the_error_dialog_and_ends_with_status_2(
        qtbot: QtBot, settings: Settings, shown_errors: list[ErrorDialogContent],
        presenter: ErrorPresenter) -> None:
    settings.database_busy_timeout_s = 0.2
    context = open_context(settings)
    prepare_database(context)
    database = _database_file(settings)
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    startup = StationStartup(context, presenter)
    try:
        with qtbot.waitSignal(startup.ended, timeout=LOAD_TIMEOUT_MS) as ended:
            startup.start()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        startup.shut_down()
        context.close()
    assert ended.args == [2]
    assert len(shown_errors) == 1 and "锁定" in shown_errors[0].text
    assert startup.window is None


def test_a_cjk_font_is_preferred_when_installed() -> None:
    assert choose_cjk_font_family(["DejaVu Sans", "WenQuanYi Micro Hei"]) == (
        "WenQuanYi Micro Hei")
    assert choose_cjk_font_family(["Microsoft YaHei", "SimSun"]) == "Microsoft YaHei"
    assert choose_cjk_font_family(["DejaVu Sans"]) is None
