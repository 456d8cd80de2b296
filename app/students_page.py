"""The Students page: the current roster with a count of classes and students."""

from __future__ import annotations

from PySide6.QtCore import Signal
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
from app.roster_table_model import RosterTableModel
from core.i18n import Language
from reports.table_export import TableSheet

MINIMUM_COLUMN_WIDTH = 120
ROW_PADDING = 10


class StudentsPage(QWidget):
    """Shows the roster; its buttons ask the main window to import a roster or refresh."""

    import_roster_requested = Signal()
    refresh_requested = Signal()

    def __init__(self, language: Language | str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self.model = RosterTableModel(language, self)
        self.count_label = QLabel()
        self.table = self._build_table()
        self.import_roster_button = QPushButton(
            ui_text.IMPORT_ROSTER_BUTTON.in_language(language), self)
        self.import_roster_button.clicked.connect(self.import_roster_requested)
        self.refresh_button = QPushButton(ui_text.REFRESH_BUTTON.in_language(language), self)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self._lay_out()

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(MINIMUM_COLUMN_WIDTH)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + ROW_PADDING)
        return table

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_roster_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)

    def set_roster(self, sheet: TableSheet) -> None:
        """Show the students of `sheet` and their count."""
        self.model.set_roster(sheet)
        count = ui_text.STUDENT_COUNT.format(classes=self.model.class_count,
                                             students=self.model.rowCount())
        self.count_label.setText(count.in_language(self._language))

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while an operation runs."""
        self.import_roster_button.setEnabled(not busy)
        self.refresh_button.setEnabled(not busy)
