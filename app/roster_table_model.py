"""The table model behind the student list: class, student number, name and gender."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app import ui_text
from core.i18n import Language
from reports.table_export import Cell, TableSheet

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_GENDER_COLUMN = 3


class RosterTableModel(QAbstractTableModel):
    """One row per active student, from the roster sheet the exports also use."""

    def __init__(self, language: Language | str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._rows: list[list[Cell]] = []

    def set_roster(self, sheet: TableSheet) -> None:
        """Replace the rows with those of `sheet` (班级, 学号, 姓名, 性别)."""
        self.beginResetModel()
        self._rows = [list(row) for row in sheet.rows]
        self.endResetModel()

    @property
    def class_count(self) -> int:
        """How many different classes the listed students are in."""
        return len({row[0] for row in self._rows})

    def rowCount(self, parent: _Index = _ROOT) -> int:
        """Number of students (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        """Number of columns."""
        return 0 if parent.isValid() else len(ui_text.ROSTER_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> str | None:
        """Column titles in the user's language."""
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return ui_text.ROSTER_COLUMNS[section].in_language(self._language)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The text of a cell; gender in the user's language."""
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        value = self._rows[index.row()][index.column()]
        text = "" if value is None else str(value)
        if index.column() == _GENDER_COLUMN and text in ui_text.GENDER_NAMES:
            return ui_text.GENDER_NAMES[text].in_language(self._language)
        return text
