"""The one place an exception becomes something a person reads.

A `PtwError` shows its own message in the user's language (an import rejection lists
every problem; when the list is long the dialog shows the first few and puts the full
list in its detailed text). Anything else is a bug: the person sees a short "internal
error, see the log" message and the traceback goes to the log. The function that shows
the dialog is injected, so tests capture what would be shown instead of blocking on a
modal dialog, and the non-interactive screenshot mode writes it to stderr.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QApplication, QMessageBox

from app import ui_text
from core.errors import ImportRejectedError, PtwError
from core.i18n import Language

log = logging.getLogger(__name__)

PROBLEMS_SHOWN_INLINE = 6


@dataclass(frozen=True, slots=True)
class ErrorDialogContent:
    """What an error dialog shows: a title, the main text and optional detailed text."""

    title: str
    text: str
    details: str = ""

    @property
    def full_text(self) -> str:
        """The main text and the details together, as one string."""
        return f"{self.text}\n{self.details}" if self.details else self.text


ShowErrorDialog = Callable[[ErrorDialogContent], None]


def show_error_dialog(content: ErrorDialogContent) -> None:
    """Show `content` in a modal message box over the active window."""
    box = QMessageBox(QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(content.title)
    box.setText(content.text)
    if content.details:
        box.setDetailedText(content.details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def write_error_to_stderr(content: ErrorDialogContent) -> None:
    """Show `content` on stderr, for runs nobody watches (screenshot mode)."""
    sys.stderr.write(content.full_text + "\n")


class ErrorPresenter:
    """Turns exceptions into error dialogs in the user's language."""

    def __init__(self, language: Language | str, show: ShowErrorDialog | None = None) -> None:
        self.language = language
        self._show = show or show_error_dialog

    def describe(self, error: BaseException) -> ErrorDialogContent:
        """The dialog content for `error` (logs the traceback of unexpected errors)."""
        title = ui_text.ERROR_TITLE.in_language(self.language)
        if isinstance(error, ImportRejectedError):
            return self._describe_rejection(title, error)
        if isinstance(error, PtwError):
            log.warning("%s: %s", type(error).__name__, error.detail or error.user_message.en)
            return ErrorDialogContent(title, error.message(self.language))
        log.error("internal error", exc_info=(type(error), error, error.__traceback__))
        return ErrorDialogContent(title, ui_text.INTERNAL_ERROR.in_language(self.language))

    def present(self, error: BaseException) -> None:
        """Show the dialog for `error`."""
        self._show(self.describe(error))

    def _describe_rejection(self, title: str, error: ImportRejectedError) -> ErrorDialogContent:
        log.warning("import rejected: %s", error.detail)
        lines = error.message(self.language).splitlines()
        summary, problems = lines[0], lines[1:]
        if len(problems) <= PROBLEMS_SHOWN_INLINE:
            return ErrorDialogContent(title, "\n".join(lines))
        shown = problems[:PROBLEMS_SHOWN_INLINE]
        more = ui_text.MORE_PROBLEMS.format(count=len(problems) - len(shown))
        text = "\n".join([summary, *shown, more.in_language(self.language)])
        details = "\n".join(problem.strip() for problem in problems)
        return ErrorDialogContent(title, text, details)
