"""The table model behind the exam list: one row per exam or homework."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app import ui_text
from core.i18n import Language
from workflow.exam_queries import ExamSummary

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_NUMERIC_COLUMNS = {0, 5, 6, 7}


class ExamTableModel(QAbstractTableModel):
    """Exams as rows; columns ID, name, subject, date, type, items, full marks, results."""

    def __init__(self, language: Language | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._exams: list[ExamSummary] = []

    def set_exams(self, exams: list[ExamSummary]) -> None:
        """Replace the rows with `exams`."""
        self.beginResetModel()
        self._exams = list(exams)
        self.endResetModel()

    def exam_at(self, row: int) -> ExamSummary:
        """The exam shown in `row`."""
        return self._exams[row]

    def rowCount(self, parent: _Index = _ROOT) -> int:
        """Number of exams (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._exams)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        """Number of columns."""
        return 0 if parent.isValid() else len(ui_text.EXAM_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> str | None:
        """Column titles in the user's language."""
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return ui_text.EXAM_COLUMNS[section].in_language(self._language)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The text of a cell, and right alignment for numbers."""
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell_text(self._exams[index.row()], index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in _NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cell_text(self, exam: ExamSummary, column: int) -> str:
        kind = ui_text.ASSESSMENT_KIND_NAMES[exam.kind].in_language(self._language)
        cells = (str(exam.id), exam.name, exam.subject, exam.held_on.isoformat(), kind,
                 str(exam.items), f"{exam.full_marks:g}", str(exam.students_with_results))
        return cells[column]
