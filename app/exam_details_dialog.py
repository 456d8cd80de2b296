"""The small dialog that asks which exam an answer key belongs to: name, subject, date."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import ui_text
from core.i18n import Language
from workflow.answer_key_import import ExamDetails
from workflow.school_records import STANDARD_SUBJECTS

DEFAULT_SUBJECT = "数学"


class ExamDetailsDialog(QDialog):
    """Asks for the exam's name, subject and date; OK is enabled once a name is given."""

    def __init__(self, language: Language | str, suggested_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(ui_text.EXAM_DETAILS_TITLE.in_language(language))
        self.name_edit = QLineEdit(suggested_name, self)
        self.subject_box = QComboBox(self)
        self.subject_box.setEditable(True)
        self.subject_box.addItems([name for _code, name, _aliases in STANDARD_SUBJECTS])
        self.subject_box.setCurrentText(DEFAULT_SUBJECT)
        self.date_edit = QDateEdit(QDate.currentDate(), self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.buttons = self._build_buttons(language)
        self._lay_out(language)
        self.name_edit.textChanged.connect(self._update_ok)
        self._update_ok()

    def _build_buttons(self, language: Language | str) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            ui_text.OK_BUTTON.in_language(language))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            ui_text.CANCEL_BUTTON.in_language(language))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons

    def _lay_out(self, language: Language | str) -> None:
        form = QFormLayout()
        form.addRow(ui_text.EXAM_NAME_LABEL.in_language(language), self.name_edit)
        form.addRow(ui_text.EXAM_SUBJECT_LABEL.in_language(language), self.subject_box)
        form.addRow(ui_text.EXAM_DATE_LABEL.in_language(language), self.date_edit)
        hint = QLabel(ui_text.EXAM_DETAILS_HINT.in_language(language), self)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    @Slot()
    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.name_edit.text().strip()))

    def details(self) -> ExamDetails:
        """The exam details as entered."""
        held_on: dt.date = self.date_edit.date().toPython()
        return ExamDetails(name=self.name_edit.text().strip(),
                           subject=self.subject_box.currentText().strip() or DEFAULT_SUBJECT,
                           held_on=held_on)
