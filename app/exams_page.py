"""The Exams page: the list of exams and the import, export and refresh buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal, SignalInstance, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import ui_text
from app.exam_table_model import ExamTableModel
from core.i18n import Language, LocalisedText
from workflow.exam_queries import ExamSummary

MINIMUM_COLUMN_WIDTH = 64
ROW_PADDING = 10


class ExamsPage(QWidget):
    """Lists exams; its buttons ask the main window to import, export or refresh."""

    import_roster_requested = Signal()
    import_key_requested = Signal()
    export_results_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, language: Language | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self.model = ExamTableModel(language, self)
        self.table = self._build_table()
        self.count_label = QLabel()
        self._busy = False
        self.import_roster_button = self._button(ui_text.IMPORT_ROSTER_BUTTON,
                                                 self.import_roster_requested)
        self.import_key_button = self._button(ui_text.IMPORT_KEY_BUTTON,
                                              self.import_key_requested)
        self.export_button = self._button(ui_text.EXPORT_RESULTS_BUTTON,
                                          self.export_results_requested)
        self.refresh_button = self._button(ui_text.REFRESH_BUTTON, self.refresh_requested)
        self._lay_out()
        self._update_buttons()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(MINIMUM_COLUMN_WIDTH)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + ROW_PADDING)
        table.selectionModel().selectionChanged.connect(self._update_buttons)
        return table

    def _button(self, text: LocalisedText, signal: SignalInstance) -> QPushButton:
        button = QPushButton(text.in_language(self._language), self)
        button.clicked.connect(signal)
        return button

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.import_roster_button, self.import_key_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def set_exams(self, exams: list[ExamSummary]) -> None:
        """Show `exams`, keeping the selected exam selected when it is still listed."""
        selected = self.selected_exam()
        self.model.set_exams(exams)
        self.count_label.setText(ui_text.EXAM_COUNT.format(count=len(exams)).in_language(
            self._language))
        rows = [row for row, exam in enumerate(exams)
                if selected is not None and exam.id == selected.id]
        if rows or exams:
            self.table.selectRow(rows[0] if rows else 0)
        self._update_buttons()

    def selected_exam(self) -> ExamSummary | None:
        """The exam selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.exam_at(rows[0].row()) if rows else None

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while an operation runs."""
        self._busy = busy
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        for button in (self.import_roster_button, self.import_key_button, self.refresh_button):
            button.setEnabled(not self._busy)
        self.export_button.setEnabled(not self._busy and self.selected_exam() is not None)
