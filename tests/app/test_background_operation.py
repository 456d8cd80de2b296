import gc
import threading

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.background_operation import BackgroundOperation
from app.operation_progress_dialog import OperationProgressDialog
from core.errors import OperationCancelledError
from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressCallback, ProgressUpdate

STAGE = LocalisedText("计算", "Counting")
WAIT_MS = 10_000


def _wait_until_cancelled(started: threading.Event):
    """A cooperative work function: checks its token until cancelled (at most ~10 s)."""

    def work(progress: ProgressCallback, cancel: CancelToken) -> str:
        started.set()
        for _ in range(1000):
            cancel.raise_if_cancelled()
            progress(ProgressUpdate(0, 0, STAGE))
            threading.Event().wait(0.01)
        return "never cancelled"

    return work


def test_progress_and_result_are_delivered_on_the_gui_thread(qtbot: QtBot) -> None:
    gui_thread = threading.get_ident()
    work_threads: list[int] = []

    def work(progress: ProgressCallback, cancel: CancelToken) -> int:
        work_threads.append(threading.get_ident())
        for done in range(1, 4):
            progress(ProgressUpdate(done, 3, STAGE))
        return 42

    operation = BackgroundOperation(work)
    updates: list[ProgressUpdate] = []
    delivery_threads: set[int] = set()
    results: list[object] = []
    failures: list[object] = []
    operation.progressed.connect(updates.append)
    operation.progressed.connect(lambda _u: delivery_threads.add(threading.get_ident()))
    operation.succeeded.connect(results.append)
    operation.failed.connect(failures.append)
    with qtbot.waitSignal(operation.finished, timeout=WAIT_MS):
        operation.start()
    assert results == [42] and failures == []
    assert [(u.done, u.total, u.stage) for u in updates] == [(1, 3, STAGE), (2, 3, STAGE),
                                                              (3, 3, STAGE)]
    assert work_threads and work_threads[0] != gui_thread
    assert delivery_threads == {gui_thread}
    assert not operation.is_running


def test_an_exception_in_the_work_arrives_in_failed(qtbot: QtBot) -> None:
    def work(progress: ProgressCallback, cancel: CancelToken) -> None:
        raise ValueError("broken on purpose")

    operation = BackgroundOperation(work)
    results: list[object] = []
    operation.succeeded.connect(results.append)
    with qtbot.waitSignal(operation.failed, timeout=WAIT_MS) as failure:
        operation.start()
    error = failure.args[0]
    assert isinstance(error, ValueError) and str(error) == "broken on purpose"
    assert results == []


def test_cancel_stops_a_cooperative_work_function(qtbot: QtBot) -> None:
    started = threading.Event()
    operation = BackgroundOperation(_wait_until_cancelled(started))
    results: list[object] = []
    operation.succeeded.connect(results.append)
    operation.start()
    assert started.wait(WAIT_MS / 1000)
    assert operation.is_running
    with qtbot.waitSignal(operation.failed, timeout=WAIT_MS) as failure:
        operation.cancel()
    assert isinstance(failure.args[0], OperationCancelledError)
    assert results == []
    assert operation.cancel_token.cancelled


def test_an_operation_nobody_references_still_delivers(qtbot: QtBot) -> None:
    results: list[object] = []

    def start_and_forget() -> None:
        operation = BackgroundOperation(lambda progress, cancel: "done")
        operation.succeeded.connect(results.append)
        operation.start()

    start_and_forget()
    gc.collect()
    qtbot.waitUntil(lambda: results == ["done"], timeout=WAIT_MS)


def test_an_operation_starts_only_once(qtbot: QtBot) -> None:
    operation = BackgroundOperation(lambda progress, cancel: None)
    with qtbot.waitSignal(operation.finished, timeout=WAIT_MS):
        operation.start()
    with pytest.raises(RuntimeError):
        operation.start()


def test_the_progress_dialogs_cancel_button_cancels_the_work(qtbot: QtBot) -> None:
    started = threading.Event()
    operation = BackgroundOperation(_wait_until_cancelled(started))
    dialog = OperationProgressDialog(operation, STAGE, "zh_CN", show_after_ms=0)
    qtbot.addWidget(dialog)
    operation.start()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert dialog.labelText() == "计算"
    cancel_button = dialog.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "取消"
    with qtbot.waitSignal(operation.failed, timeout=WAIT_MS) as failure:
        qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    assert isinstance(failure.args[0], OperationCancelledError)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(),
                    timeout=WAIT_MS)
