"""The main window: navigation on the left, one page per part of the workstation.

Every database read and every import or export runs as a `BackgroundOperation`; the
window only starts them and shows their outcome. Each action has two methods: a
`choose_…` method that asks for a file with a dialog, and an action method that takes
the path (`import_roster_file`, `import_answer_key_file`, `export_results_file`), which
tests call directly.
"""

from __future__ import annotations

import enum
import re
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app import ui_text
from app.background_operation import BackgroundOperation, WorkFunction
from app.error_presenter import ErrorPresenter
from app.exam_details_dialog import ExamDetailsDialog
from app.exams_page import ExamsPage
from app.operation_progress_dialog import OperationProgressDialog
from app.placeholder_page import PlaceholderPage
from app.station_snapshot import StationSnapshot, read_station_snapshot
from app.students_page import StudentsPage
from app.window_geometry import WindowGeometryStore
from core.database import describe_url
from core.errors import OperationCancelledError
from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressCallback
from workflow.answer_key_import import ExamDetails, KeyImportSummary, import_answer_key
from workflow.context import AppContext
from workflow.roster_import import RosterImportSummary, import_roster
from workflow.table_exports import export_results

DEFAULT_SIZE = (1180, 740)
NAVIGATION_WIDTH = 150
DATABASE_LABEL_WIDTH = 420
STATUS_LABEL_MARGIN = 10
_UNSAFE_FILE_CHARACTERS = re.compile(r'[\\/:*?"<>|\s]+')


class Page(enum.IntEnum):
    """The pages of the navigation list, in order."""

    EXAMS = 0
    STUDENTS = 1
    SCANNING = 2
    MARKING = 3
    ANALYTICS = 4
    REPORTS = 5
    UPLOAD = 6


PAGE_NAMES: dict[Page, LocalisedText] = {
    Page.EXAMS: ui_text.PAGE_EXAMS,
    Page.STUDENTS: ui_text.PAGE_STUDENTS,
    Page.SCANNING: ui_text.PAGE_SCANNING,
    Page.MARKING: ui_text.PAGE_MARKING,
    Page.ANALYTICS: ui_text.PAGE_ANALYTICS,
    Page.REPORTS: ui_text.PAGE_REPORTS,
    Page.UPLOAD: ui_text.PAGE_UPLOAD,
}


def results_file_stem(exam_name: str, language: str) -> str:
    """A file name (without suffix) for an exam's results, safe on every file system."""
    stem = ui_text.RESULTS_FILE_NAME.format(exam=exam_name).in_language(language)
    return _UNSAFE_FILE_CHARACTERS.sub("_", stem).strip("._") or "results"


class MainWindow(QMainWindow):
    """The workstation's main window over one station context."""

    data_loaded = Signal()
    """The exams, roster and school name were read and are now shown."""
    data_load_failed = Signal(object)
    """Reading the data failed with this exception (already presented)."""
    operation_finished = Signal()
    """An import or export ended, successfully or not, and its outcome was shown."""

    def __init__(self, context: AppContext, presenter: ErrorPresenter | None = None,
                 geometry_store: WindowGeometryStore | None = None) -> None:
        super().__init__()
        self._context = context
        self._language = str(ui_text.ui_language(context.settings))
        self._presenter = presenter or ErrorPresenter(self._language)
        self._geometry_store = geometry_store
        self._loading: BackgroundOperation | None = None
        self._reload_wanted = False
        self._operations_running = 0
        self._last_folder = str(Path.home())
        self.setWindowTitle(self._text(ui_text.APP_TITLE))
        self.resize(*DEFAULT_SIZE)
        self.exams_page = ExamsPage(self._language)
        self.students_page = StudentsPage(self._language)
        self.navigation = QListWidget()
        self.pages = QStackedWidget()
        self._build_pages()
        self._build_status_bar()
        self._connect_pages()

    def _text(self, text: LocalisedText) -> str:
        return text.in_language(self._language)

    # Layout -----------------------------------------------------------------------------

    def _build_pages(self) -> None:
        for page in Page:
            self.navigation.addItem(self._text(PAGE_NAMES[page]))
            self.pages.addWidget(self._page_widget(page))
        self.navigation.setFixedWidth(NAVIGATION_WIDTH)
        self.navigation.setStyleSheet("QListWidget::item { padding: 8px 12px; }")
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.navigation.setCurrentRow(Page.EXAMS)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

    def _page_widget(self, page: Page) -> QWidget:
        if page is Page.EXAMS:
            return self.exams_page
        if page is Page.STUDENTS:
            return self.students_page
        return PlaceholderPage(PAGE_NAMES[page], self._language)

    def _build_status_bar(self) -> None:
        self.school_label = QLabel()
        self.database_label = QLabel()
        self.station_label = QLabel(
            self._text(ui_text.STATUS_STATION.format(name=self._context.station)))
        url = describe_url(self._context.database.url)
        shown = QFontMetrics(self.database_label.font()).elidedText(
            url, Qt.TextElideMode.ElideMiddle, DATABASE_LABEL_WIDTH)
        self.database_label.setText(self._text(ui_text.STATUS_DATABASE.format(url=shown)))
        self.database_label.setToolTip(url)
        for label in (self.school_label, self.database_label, self.station_label):
            label.setContentsMargins(STATUS_LABEL_MARGIN, 0, STATUS_LABEL_MARGIN, 0)
            self.statusBar().addPermanentWidget(label)

    def _connect_pages(self) -> None:
        self.exams_page.import_roster_requested.connect(self.choose_roster_file)
        self.exams_page.import_key_requested.connect(self.choose_answer_key_file)
        self.exams_page.export_results_requested.connect(self.choose_results_file)
        self.exams_page.refresh_requested.connect(self.load_data)
        self.students_page.import_roster_requested.connect(self.choose_roster_file)
        self.students_page.refresh_requested.connect(self.load_data)

    def show_page(self, page: Page) -> None:
        """Switch to `page` as if it were chosen in the navigation list."""
        self.navigation.setCurrentRow(page)

    def current_page(self) -> Page:
        """The page now shown."""
        return Page(self.pages.currentIndex())

    # Loading ----------------------------------------------------------------------------

    @Slot()
    def load_data(self) -> None:
        """Read the exams, the roster and the school name in the background, then show them."""
        if self._loading is not None:
            self._reload_wanted = True
            return
        operation = BackgroundOperation(partial(read_station_snapshot, self._context))
        operation.succeeded.connect(self._show_snapshot)
        operation.failed.connect(self._report_load_failure)
        operation.finished.connect(self._load_ended)
        self._loading = operation
        if not self.statusBar().currentMessage():  # keep an operation's outcome in view
            self.statusBar().showMessage(self._text(ui_text.LOADING_DATA))
        operation.start()

    @Slot(object)
    def _show_snapshot(self, snapshot: StationSnapshot) -> None:
        if self.statusBar().currentMessage() == self._text(ui_text.LOADING_DATA):
            self.statusBar().clearMessage()
        self.school_label.setText(
            self._text(ui_text.STATUS_SCHOOL.format(name=snapshot.school_name)))
        self.exams_page.set_exams(snapshot.exams)
        self.students_page.set_roster(snapshot.roster)
        self.data_loaded.emit()

    @Slot(object)
    def _report_load_failure(self, error: BaseException) -> None:
        if self.statusBar().currentMessage() == self._text(ui_text.LOADING_DATA):
            self.statusBar().clearMessage()
        self._presenter.present(error)
        self.data_load_failed.emit(error)

    @Slot()
    def _load_ended(self) -> None:
        self._loading = None
        if self._reload_wanted:
            self._reload_wanted = False
            self.load_data()

    # Choosing files ---------------------------------------------------------------------

    @Slot()
    def choose_roster_file(self) -> None:
        """Ask for a roster file, then import it."""
        name, _filter = QFileDialog.getOpenFileName(
            self, self._text(ui_text.CHOOSE_ROSTER_FILE), self._last_folder,
            self._text(ui_text.TABLE_FILE_FILTER))
        if name:
            self._last_folder = str(Path(name).parent)
            self.import_roster_file(Path(name))

    @Slot()
    def choose_answer_key_file(self) -> None:
        """Ask for an answer-key file and the exam it belongs to, then import it."""
        name, _filter = QFileDialog.getOpenFileName(
            self, self._text(ui_text.CHOOSE_KEY_FILE), self._last_folder,
            self._text(ui_text.TABLE_FILE_FILTER))
        if not name:
            return
        self._last_folder = str(Path(name).parent)
        dialog = ExamDetailsDialog(self._language, Path(name).stem, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.import_answer_key_file(Path(name), dialog.details())

    @Slot()
    def choose_results_file(self) -> None:
        """Ask where to save the selected exam's results, then export them."""
        exam = self.exams_page.selected_exam()
        if exam is None:
            return
        xlsx, csv = self._text(ui_text.XLSX_FILE_FILTER), self._text(ui_text.CSV_FILE_FILTER)
        suggested = Path(self._last_folder) / (results_file_stem(exam.name, self._language)
                                               + ".xlsx")
        name, chosen_filter = QFileDialog.getSaveFileName(
            self, self._text(ui_text.SAVE_RESULTS_FILE), str(suggested), f"{xlsx};;{csv}")
        if not name:
            return
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".csv" if chosen_filter == csv else ".xlsx")
        self._last_folder = str(path.parent)
        self.export_results_file(exam.id, path)

    # Actions ----------------------------------------------------------------------------

    def import_roster_file(self, path: Path) -> BackgroundOperation:
        """Import the roster in `path` in the background; refresh the tables when done."""
        work = partial(_import_roster_work, self._context, Path(path))
        operation = self._start_operation(work, ui_text.IMPORTING_ROSTER)
        operation.succeeded.connect(self._roster_imported)
        return operation

    def import_answer_key_file(self, path: Path, details: ExamDetails) -> BackgroundOperation:
        """Import the answer key in `path` into the exam `details` names, in the background."""
        work = partial(_import_answer_key_work, self._context, Path(path), details)
        operation = self._start_operation(work, ui_text.IMPORTING_KEY)
        operation.succeeded.connect(self._answer_key_imported)
        return operation

    def export_results_file(self, exam_id: int, path: Path) -> BackgroundOperation:
        """Write the results of exam `exam_id` to `path` (.xlsx or .csv) in the background."""
        work = partial(_export_results_work, self._context, exam_id, Path(path))
        operation = self._start_operation(work, ui_text.EXPORTING_RESULTS)
        operation.succeeded.connect(self._results_exported)
        return operation

    def _start_operation(self, work: WorkFunction, title: LocalisedText) -> BackgroundOperation:
        operation = BackgroundOperation(work)
        OperationProgressDialog(operation, title, self._language, self)
        operation.failed.connect(self._report_operation_failure)
        operation.finished.connect(self._operation_ended)
        self._set_busy(+1)
        operation.start()
        return operation

    def _set_busy(self, change: int) -> None:
        self._operations_running += change
        busy = self._operations_running > 0
        self.exams_page.set_busy(busy)
        self.students_page.set_busy(busy)

    @Slot(object)
    def _roster_imported(self, summary: RosterImportSummary) -> None:
        self.statusBar().showMessage(self._text(ui_text.ROSTER_IMPORTED.format(
            rows=summary.rows, added=summary.added, renamed=summary.renamed,
            moved=summary.moved, unchanged=summary.unchanged,
            classes=summary.classes_created)))
        self.load_data()

    @Slot(object)
    def _answer_key_imported(self, summary: KeyImportSummary) -> None:
        self.statusBar().showMessage(self._text(ui_text.KEY_IMPORTED.format(
            exam_id=summary.assessment_id, added=summary.items_added,
            updated=summary.items_updated, unchanged=summary.items_unchanged,
            full_marks=f"{summary.full_marks:g}")))
        self.load_data()

    @Slot(object)
    def _results_exported(self, outcome: tuple[int, Path]) -> None:
        count, path = outcome
        self.statusBar().showMessage(
            self._text(ui_text.RESULTS_EXPORTED.format(count=count, path=path)))

    @Slot(object)
    def _report_operation_failure(self, error: BaseException) -> None:
        if isinstance(error, OperationCancelledError):
            self.statusBar().showMessage(self._text(ui_text.CANCELLED))
        else:
            self._presenter.present(error)

    @Slot()
    def _operation_ended(self) -> None:
        self._set_busy(-1)
        self.operation_finished.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the window's geometry when it closes."""
        if self._geometry_store is not None:
            self._geometry_store.save(self)
        super().closeEvent(event)


def _import_roster_work(context: AppContext, path: Path, progress: ProgressCallback,
                        cancel: CancelToken) -> RosterImportSummary:
    """Work function: import a roster file."""
    return import_roster(context, path, progress, cancel)


def _import_answer_key_work(context: AppContext, path: Path, details: ExamDetails,
                            progress: ProgressCallback, cancel: CancelToken
                            ) -> KeyImportSummary:
    """Work function: import an answer key (checks for cancellation before it starts)."""
    cancel.raise_if_cancelled()
    return import_answer_key(context, path, details, progress)


def _export_results_work(context: AppContext, exam_id: int, path: Path,
                         progress: ProgressCallback, cancel: CancelToken
                         ) -> tuple[int, Path]:
    """Work function: export an exam's results; returns the rows written and the path."""
    cancel.raise_if_cancelled()
    return export_results(context, exam_id, path), path
