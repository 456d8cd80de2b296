"""The one way the GUI runs long work: on a thread-pool thread, reporting through Qt signals.

A work function has the shape `work(progress, cancel) -> result`, the same shape as the
workflow services take; it never touches a widget. `BackgroundOperation` runs it on
`QThreadPool.globalInstance()` and delivers `progressed`, then `succeeded` or `failed`,
then `finished` on the GUI thread (queued connections), so slots may update widgets.
Every running operation is referenced from a class-level set until it has finished, so
a caller may drop its own reference without the operation being garbage-collected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from core.progress import CancelToken, ProgressCallback, ProgressUpdate

log = logging.getLogger(__name__)

WorkFunction = Callable[[ProgressCallback, CancelToken], Any]


class BackgroundOperation(QObject):
    """One run of a work function off the GUI thread, with progress and cancellation."""

    progressed = Signal(object)
    """A `ProgressUpdate` from the work, on the GUI thread."""
    succeeded = Signal(object)
    """The work's return value, on the GUI thread."""
    failed = Signal(object)
    """The exception the work raised (OperationCancelledError when it was cancelled)."""
    finished = Signal()
    """Emitted last, after `succeeded` or `failed`."""

    _worker_progressed = Signal(object)
    _worker_succeeded = Signal(object)
    _worker_failed = Signal(object)

    _running: ClassVar[set[BackgroundOperation]] = set()

    def __init__(self, work: WorkFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._token = CancelToken()
        self._started = False
        self._done = False
        queued = Qt.ConnectionType.QueuedConnection
        self._worker_progressed.connect(self._deliver_progress, queued)
        self._worker_succeeded.connect(self._deliver_success, queued)
        self._worker_failed.connect(self._deliver_failure, queued)

    @property
    def cancel_token(self) -> CancelToken:
        """The token the work function checks; `cancel()` sets it."""
        return self._token

    @property
    def is_running(self) -> bool:
        """Whether the work was started and its outcome has not been delivered yet."""
        return self._started and not self._done

    def start(self) -> None:
        """Queue the work on the global thread pool (once only)."""
        if self._started:
            raise RuntimeError("a BackgroundOperation runs only once")
        self._started = True
        BackgroundOperation._running.add(self)
        QThreadPool.globalInstance().start(self._run_in_worker)

    def cancel(self) -> None:
        """Ask the work to stop at its next check; it then fails with OperationCancelledError."""
        self._token.cancel()

    @classmethod
    def cancel_all_and_wait(cls) -> None:
        """Cancel every running operation and wait for the thread pool to drain (at exit)."""
        for operation in list(cls._running):
            operation.cancel()
        QThreadPool.globalInstance().waitForDone()

    def _run_in_worker(self) -> None:
        """Runs on a pool thread: call the work, send the outcome back as queued signals."""
        try:
            result = self._work(self._report_progress, self._token)
        except Exception as error:  # every failure, expected or not, goes to `failed`
            self._worker_failed.emit(error)
        else:
            self._worker_succeeded.emit(result)

    def _report_progress(self, update: ProgressUpdate) -> None:
        """The progress callback the work gets: runs on the pool thread."""
        self._worker_progressed.emit(update)

    @Slot(object)
    def _deliver_progress(self, update: ProgressUpdate) -> None:
        if not self._done:
            self.progressed.emit(update)

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        self._done = True
        try:
            self.succeeded.emit(result)
        finally:
            self._finish()

    @Slot(object)
    def _deliver_failure(self, error: BaseException) -> None:
        self._done = True
        try:
            self.failed.emit(error)
        finally:
            self._finish()

    def _finish(self) -> None:
        try:
            self.finished.emit()
        finally:
            BackgroundOperation._running.discard(self)
