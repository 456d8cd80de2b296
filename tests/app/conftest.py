"""Fixtures of the GUI tests: a presenter that records instead of showing, a loaded window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.error_presenter import ErrorDialogContent, ErrorPresenter
from app.main_window import MainWindow
from workflow.context import AppContext
from workflow.demo_school import create_demo

LOAD_TIMEOUT_MS = 30_000


@pytest.fixture
def shown_errors() -> list[ErrorDialogContent]:
    """What the presenter would have shown in error dialogs."""
    return []


@pytest.fixture
def presenter(shown_errors: list[ErrorDialogContent]) -> ErrorPresenter:
    """A Chinese presenter that records dialogs in `shown_errors`."""
    return ErrorPresenter("zh_CN", shown_errors.append)


@pytest.fixture
def demo_context(context: AppContext) -> AppContext:
    """A context whose database holds the demo school."""
    create_demo(context)
    return context


@pytest.fixture
def window(qtbot: QtBot, demo_context: AppContext, presenter: ErrorPresenter
           ) -> Iterator[MainWindow]:
    """A main window on the demo school, its data loaded."""
    main_window = MainWindow(demo_context, presenter)
    qtbot.addWidget(main_window)
    with qtbot.waitSignal(main_window.data_loaded, timeout=LOAD_TIMEOUT_MS):
        main_window.load_data()
    yield main_window
