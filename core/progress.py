"""Progress reporting and cancellation for long work.

Every long operation takes a `ProgressCallback` and a `CancelToken`; the CLI draws a
terminal bar from the callback, the GUI forwards it to a progress bar through the
background-operation helper, and tests pass `ignore_progress`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from core.errors import OperationCancelledError
from core.i18n import LocalisedText


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    """How far a piece of work has come: `done` of `total` units (total 0 if unknown)."""

    done: int
    total: int
    stage: LocalisedText | None = None

    @property
    def fraction(self) -> float | None:
        """Done as a fraction of total, or None while the total is unknown."""
        return self.done / self.total if self.total else None


class ProgressCallback(Protocol):
    """Receives progress updates; must be cheap and must not raise."""

    def __call__(self, update: ProgressUpdate) -> None:
        """Take one update."""


def ignore_progress(update: ProgressUpdate) -> None:
    """A progress callback that drops every update."""


class CancelToken:
    """A thread-safe flag the caller sets and the worker checks between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancellation was asked for."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise `OperationCancelledError` if cancellation was asked for."""
        if self._event.is_set():
            raise OperationCancelledError()
