"""A page for a part of the workstation that a later version brings: an honest notice."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app import ui_text
from core.i18n import Language, LocalisedText


class PlaceholderPage(QWidget):
    """Says that the named part arrives in a later version; offers no controls."""

    def __init__(self, page_name: LocalisedText, language: Language | str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name = page_name.in_language(language)
        self.notice = QLabel(ui_text.PLACEHOLDER.format(page=name).in_language(language), self)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
