"""The one scanner interface (`ScannerBackend`) and the batch every source returns (`ScanBatch`).

A batch is an iterator of `AcquiredImage` numbered from `ScanOptions.first_sequence`
without gaps. It stops normally when the feeder runs out after at least one page, when
`max_pages` is reached, or when the cancel token is set (then `stopped_by_cancel` is
True): cancelling is the token, checked by the source between pages. A feeder event
raises a `ScannerError` whose `last_sequence` equals `batch.last_sequence`, the last page
delivered; the caller stores what it has, asks the operator to fix the feeder, and scans
again with `options.resumed_after(error.last_sequence)`: no gap, no duplicate number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from core.progress import CancelToken
from scanner.acquisition import (
    AcquiredImage,
    CapturedPage,
    DeviceInfo,
    ScannerCapabilities,
    ScanOptions,
)
from scanner.errors import FeederEmptyError, ScannerError


class ScanBatch(Iterator[AcquiredImage]):
    """Numbers the pages of one source run and turns its feeder events into resumable errors."""

    def __init__(
        self,
        pages: Iterator[CapturedPage],
        cancel: CancelToken,
        first_sequence: int = 1,
        max_pages: int | None = None,
    ) -> None:
        self._pages = pages
        self._cancel = cancel
        self._max_pages = max_pages
        self._finished = False
        self.last_sequence = first_sequence - 1
        self.delivered = 0
        self.stopped_by_cancel = False

    def __iter__(self) -> ScanBatch:
        return self

    def __next__(self) -> AcquiredImage:
        if self._finished:
            raise StopIteration
        if self._max_pages is not None and self.delivered >= self._max_pages:
            self.close()
            raise StopIteration
        page = self._next_page()
        self.last_sequence += 1
        self.delivered += 1
        return page.numbered(self.last_sequence)

    def _next_page(self) -> CapturedPage:
        try:
            return next(self._pages)
        except StopIteration:
            self.stopped_by_cancel = self._cancel.cancelled
            self.close()
            raise
        except FeederEmptyError as error:
            self.close()
            if self.delivered:
                raise StopIteration from None
            raise error.after_page(self.last_sequence) from error
        except ScannerError as error:
            self.close()
            raise error.after_page(self.last_sequence) from error

    def close(self) -> None:
        """End the batch now and release the source (the device, the open file)."""
        self._finished = True
        close_source = getattr(self._pages, "close", None)
        if close_source is not None:
            close_source()

    def __enter__(self) -> ScanBatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@runtime_checkable
class ScannerBackend(Protocol):
    """A scanner driver family (SANE, TWAIN): find devices, ask what they can do, scan batches."""

    def list_devices(self) -> list[DeviceInfo]:
        """The scanners this backend can see now."""
        ...

    def capabilities(self, device: str) -> ScannerCapabilities:
        """What the device named `device` offers."""
        ...

    def scan(self, device: str, options: ScanOptions, cancel: CancelToken) -> ScanBatch:
        """Start a batch on `device`; pages come as the caller iterates."""
        ...

    def close(self) -> None:
        """Release every device and the driver."""
        ...
