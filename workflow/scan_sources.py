"""Opening the page source a scan names (`sane:`, `twain:`, `folder:`, `file:`) as one stream.

A scanner's feeder holds a stack at a time: `feeder_loads` runs it that many times, asking
`reload` before each new load (the CLI asks the operator to put the next stack in), and
numbers pages on across loads. A watch folder delivers pages until cancelled (or until
`max_pages`); files are imported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.progress import CancelToken
from scanner.acquisition import AcquiredImage, ScanOptions
from scanner.backend import ScanBatch, ScannerBackend
from scanner.errors import FeederEmptyError
from scanner.file_sources import collect_files, import_files
from scanner.source_spec import SourceKind, SourceSpec
from scanner.watch_folder import WatchFolder

Reload = Callable[[int], bool]
"""Asked before feeder load N (2, 3, …): True to scan it, False to stop."""


@dataclass(frozen=True)
class OpenedSource:
    """The pages of a source and how many to expect (0 when unknown)."""

    pages: Iterator[AcquiredImage]
    expected: int


def _always_reload(load: int) -> bool:
    return True


def open_source(spec: SourceSpec, options: ScanOptions, cancel: CancelToken, *,
                feeder_loads: int = 1, reload: Reload = _always_reload,
                backend_factory: Callable[[SourceKind], ScannerBackend] | None = None
                ) -> OpenedSource:
    """The page stream of `spec`; scanner backends are made by `backend_factory`."""
    if spec.kind is SourceKind.FILE:
        paths = [Path(spec.target)]
        expected = len(collect_files(paths))
        batch = import_files(paths, cancel, dpi=options.dpi, colour=options.colour,
                             first_sequence=options.first_sequence)
        return OpenedSource(_limited(batch, options.max_pages), expected)
    if spec.kind is SourceKind.FOLDER:
        watch = WatchFolder(Path(spec.target), dpi=options.dpi, colour=options.colour)
        return OpenedSource(_limited(watch.watch(cancel, options.first_sequence),
                                     options.max_pages), 0)
    factory = backend_factory or scanner_backend
    return OpenedSource(_feeder_loads(factory(spec.kind), spec.target, options, cancel,
                                      feeder_loads, reload), 0)


def scanner_backend(kind: SourceKind) -> ScannerBackend:
    """The driver family for a scanner source (imported only when asked for)."""
    if kind is SourceKind.SANE:
        from scanner.sane_backend import SaneBackend

        return SaneBackend()
    from scanner.twain_backend import TwainBackend

    return TwainBackend()


def _limited(batch: ScanBatch, max_pages: int | None) -> Iterator[AcquiredImage]:
    with batch:
        for count, page in enumerate(batch, start=1):
            yield page
            if max_pages is not None and count >= max_pages:
                return


def _feeder_loads(backend: ScannerBackend, device: str, options: ScanOptions,
                  cancel: CancelToken, loads: int, reload: Reload) -> Iterator[AcquiredImage]:
    """Every page of up to `loads` feeder loads, numbered on without gaps."""
    try:
        sequence = options.first_sequence - 1
        for load in range(1, loads + 1):
            if load > 1 and (cancel.cancelled or not reload(load)):
                return
            try:
                batch = backend.scan(device, options.resumed_after(sequence), cancel)
                with batch:
                    for page in batch:
                        sequence = page.sequence
                        yield page
            except FeederEmptyError:
                if load == 1:
                    raise
                return
            if batch.stopped_by_cancel:
                return
    finally:
        backend.close()


__all__ = ["OpenedSource", "Reload", "open_source", "scanner_backend"]
