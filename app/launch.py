"""Starting the desktop workstation: application, fonts, database preparation, main window.

`run_gui` is what `ptw gui` calls. The database is prepared (migrations, reference data,
the demo school on first start) in the background while a small progress dialog shows
the stage; then the main window opens and loads its data, also in the background. A
database that cannot be used (locked, damaged, too new) is reported and the program
ends with exit status 2; the file is never deleted or overwritten. With `screenshot`,
the program saves a PNG of the loaded main window and quits (used under Xvfb and in
tests); errors then go to stderr instead of a dialog nobody could close.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator, Signal, Slot
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app import ui_text
from app.background_operation import BackgroundOperation
from app.error_presenter import ErrorPresenter, write_error_to_stderr
from app.main_window import MainWindow
from app.operation_progress_dialog import OperationProgressDialog
from app.window_geometry import WindowGeometryStore
from core.errors import PtwError
from core.i18n import Language
from core.progress import CancelToken, ProgressCallback
from core.settings import APP_NAME, Settings
from workflow.context import AppContext, open_context
from workflow.station_setup import SetupSummary, prepare_database

log = logging.getLogger(__name__)

CJK_FONT_FAMILIES = (
    "Microsoft YaHei", "Microsoft YaHei UI", "PingFang SC", "Noto Sans CJK SC",
    "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "SimHei", "SimSun", "Noto Serif CJK SC",
)
SCREENSHOT_SETTLE_MS = 150
INTERNAL_ERROR_STATUS = 1


def choose_cjk_font_family(installed: Iterable[str]) -> str | None:
    """The preferred installed font family that has Chinese glyphs, or None."""
    available = set(installed)
    return next((family for family in CJK_FONT_FAMILIES if family in available), None)


def exit_status_for(error: BaseException) -> int:
    """The process exit status after `error`: its own for our errors, 1 for a bug."""
    return error.exit_status if isinstance(error, PtwError) else INTERNAL_ERROR_STATUS


def _use_cjk_font(app: QApplication) -> None:
    family = choose_cjk_font_family(QFontDatabase.families())
    if family is None:
        log.info("no font with Chinese glyphs found; using %s", app.font().family())
        return
    font = QFont(app.font())
    font.setFamilies([family, *app.font().families()])
    app.setFont(font)


def _install_qt_translations(app: QApplication, language: Language) -> QTranslator | None:
    """Qt's own texts (standard buttons, file dialogs) in Chinese when the UI is Chinese."""
    if language is Language.EN:
        return None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase",
                           "_", folder):
        return None
    app.installTranslator(translator)
    return translator


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ui_text.ORGANISATION_NAME)
    return app


def _prepare_database_work(context: AppContext, progress: ProgressCallback,
                           cancel: CancelToken) -> SetupSummary:
    """Work function: migrate and seed the database (not cancellable: migrations finish)."""
    return prepare_database(context, progress, with_demo=context.settings.demo_on_first_start)


class StationStartup(QObject):
    """Prepares the database, then opens and loads the main window; reports the outcome."""

    ended = Signal(int)
    """The program should end with this exit status (failures, or the screenshot is saved)."""

    def __init__(self, context: AppContext, presenter: ErrorPresenter,
                 screenshot: Path | None = None,
                 geometry_store: WindowGeometryStore | None = None) -> None:
        super().__init__()
        self._context = context
        self._presenter = presenter
        self._screenshot = screenshot
        self._geometry_store = geometry_store
        self._progress_dialog: OperationProgressDialog | None = None
        self.window: MainWindow | None = None

    def start(self) -> None:
        """Start preparing the database in the background."""
        operation = BackgroundOperation(partial(_prepare_database_work, self._context))
        self._progress_dialog = OperationProgressDialog(
            operation, ui_text.PREPARING_DATABASE, self._context.language, cancellable=False,
            show_after_ms=0)
        operation.succeeded.connect(self._open_main_window)
        operation.failed.connect(self._fail)
        operation.start()

    @Slot(object)
    def _open_main_window(self, summary: SetupSummary) -> None:
        log.info("database ready at %s (demo created: %s)", summary.revision_after,
                 summary.demo_created)
        window = MainWindow(self._context, self._presenter, self._geometry_store)
        if self._screenshot is None and self._geometry_store is not None:
            self._geometry_store.restore(window)
        window.data_loaded.connect(self._main_window_loaded)
        window.data_load_failed.connect(self._main_window_failed)
        self.window = window
        window.show()
        QApplication.setQuitOnLastWindowClosed(True)
        window.load_data()

    @Slot()
    def _main_window_loaded(self) -> None:
        if self._screenshot is not None:
            QTimer.singleShot(SCREENSHOT_SETTLE_MS, self._save_screenshot)

    @Slot(object)
    def _main_window_failed(self, error: BaseException) -> None:
        if self._screenshot is not None:
            self.ended.emit(exit_status_for(error))

    @Slot()
    def _save_screenshot(self) -> None:
        if self.window is None or self._screenshot is None:
            return
        path = self._screenshot
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.window.grab().save(str(path), "PNG"):
            log.info("screenshot saved to %s", path)
            self.ended.emit(0)
        else:
            self._fail(PtwError(ui_text.SCREENSHOT_FAILED.format(path=path)))

    @Slot(object)
    def _fail(self, error: BaseException) -> None:
        self._presenter.present(error)
        self.ended.emit(exit_status_for(error))

    def shut_down(self) -> None:
        """Stop background work and close the main window (which saves its geometry)."""
        BackgroundOperation.cancel_all_and_wait()
        if self.window is not None:
            self.window.close()


def run_gui(settings: Settings, screenshot: Path | None = None) -> int:
    """Run the desktop workstation until its window closes; return the exit status."""
    app = _application()
    _use_cjk_font(app)
    language = ui_text.ui_language(settings)
    translator = _install_qt_translations(app, language)
    show = write_error_to_stderr if screenshot is not None else None
    presenter = ErrorPresenter(language, show)
    quit_on_last_window = QApplication.quitOnLastWindowClosed()
    QApplication.setQuitOnLastWindowClosed(False)  # until the main window is shown
    try:
        return _run_station(app, settings, presenter, screenshot)
    finally:
        QApplication.setQuitOnLastWindowClosed(quit_on_last_window)
        if translator is not None:
            app.removeTranslator(translator)


def _run_station(app: QApplication, settings: Settings, presenter: ErrorPresenter,
                 screenshot: Path | None) -> int:
    try:
        context = open_context(settings)
    except PtwError as error:
        presenter.present(error)
        return exit_status_for(error)
    geometry = WindowGeometryStore(settings.data_dir)
    startup = StationStartup(context, presenter, screenshot, geometry)
    startup.ended.connect(app.exit)
    try:
        startup.start()
        return app.exec()
    finally:
        startup.shut_down()
        context.close()
