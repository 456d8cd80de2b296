"""A progress dialog that follows one `BackgroundOperation` and can cancel it."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from app import ui_text
from app.background_operation import BackgroundOperation
from core.i18n import Language, LocalisedText
from core.progress import ProgressUpdate

SHOW_AFTER_MS = 300


class OperationProgressDialog(QProgressDialog):
    """Shows the stage and progress of an operation; Cancel sets its cancel token.

    The dialog appears only if the operation is still running after a short delay, so
    quick operations do not flash a window, and closes itself when the operation ends.
    """

    def __init__(
        self,
        operation: BackgroundOperation,
        title: LocalisedText,
        language: Language | str,
        parent: QWidget | None = None,
        cancellable: bool = True,
        show_after_ms: int = SHOW_AFTER_MS,
    ) -> None:
        super().__init__(parent)
        self._operation = operation
        self._language = language
        self._ended = False
        self.setWindowTitle(ui_text.APP_TITLE.in_language(language))
        self.setLabelText(title.in_language(language))
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumDuration(2**30)  # shown by our own timer, never by setValue
        self.setMinimumWidth(420)
        self.setRange(0, 0)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._configure_cancel(cancellable)
        operation.progressed.connect(self._show_progress)
        operation.finished.connect(self._end)
        QTimer.singleShot(show_after_ms, self._show_if_running)

    def _configure_cancel(self, cancellable: bool) -> None:
        if cancellable:
            self.setCancelButtonText(ui_text.CANCEL_BUTTON.in_language(self._language))
            self.canceled.connect(self._request_cancel)
        else:
            self.setCancelButton(None)

    @Slot()
    def _show_if_running(self) -> None:
        if not self._ended:
            self.show()

    @Slot(object)
    def _show_progress(self, update: ProgressUpdate) -> None:
        if update.stage is not None:
            self.setLabelText(update.stage.in_language(self._language))
        if update.total > 0:
            self.setRange(0, update.total)
            self.setValue(min(update.done, update.total))
        else:
            self.setRange(0, 0)

    @Slot()
    def _request_cancel(self) -> None:
        if self._ended:
            return
        self._operation.cancel()
        self.setLabelText(ui_text.CANCELLING.in_language(self._language))

    @Slot()
    def _end(self) -> None:
        self._ended = True
        self.hide()
        self.deleteLater()
