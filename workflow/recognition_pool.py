"""Recognising many page images at once in a pool of worker processes.

Recognition is CPU-bound numpy/OpenCV work, so pages are spread over processes (one per
core by default), each limited to one OpenCV thread so workers do not fight over cores.
Workers read the image files themselves (only paths and results cross the process
boundary) and load the layouts once, in their initialiser. Results come back in the
order the pages were given, each with the time its recognition took.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2

from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from core.settings import RecognitionThresholds
from omr.layout import AnswerSheetLayout, RegionKind
from omr.page_recognition import recognise_page
from omr.page_result import PageResult, PageStatus

READING_STAGE = LocalisedText("识别答题卡", "Recognising pages")

UNREADABLE_FILE = LocalisedText("无法读取图像文件：{error}",
                                "The image file cannot be read: {error}")


@dataclass(frozen=True, slots=True)
class RecognisedPage:
    """One page's result, where it came from, and how long recognising it took (s)."""

    source: str
    result: PageResult
    seconds: float


@dataclass(frozen=True, slots=True)
class _WorkerSetup:
    layouts: tuple[AnswerSheetLayout, ...]
    thresholds: RecognitionThresholds
    crop_kinds: frozenset[RegionKind] | None


_worker_setup: _WorkerSetup | None = None  # one per worker process, set by its initialiser


def default_workers() -> int:
    """Worker processes for this machine: one per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows and macOS have no affinity call
        return max(1, os.cpu_count() or 1)


def _initialise_worker(setup: _WorkerSetup) -> None:
    global _worker_setup
    cv2.setNumThreads(1)
    _worker_setup = setup
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker when the scanning process dies (killed, crashed) instead of lingering.

    A worker otherwise waits for work forever once its parent is gone, holding its memory
    until the PC restarts; the parent's sentinel becomes ready when the parent exits.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def recognise_file(path: str | Path, layouts: Sequence[AnswerSheetLayout],
                   thresholds: RecognitionThresholds, *,
                   crop_kinds: frozenset[RegionKind] | None = None
                   ) -> RecognisedPage:
    """Read and recognise one page file; an unreadable file is a REJECTED result.

    `crop_kinds` keeps only the region crops of those kinds (None keeps all): crops are
    the bulk of what a worker sends back.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = UNREADABLE_FILE.format(error=error.strerror or str(error))
        return RecognisedPage(str(path), PageResult(PageStatus.REJECTED, [reason]), 0.0)
    started = time.perf_counter()
    result = recognise_page(data, layouts, thresholds)
    seconds = time.perf_counter() - started
    if crop_kinds is not None:
        result.crops = [crop for crop in result.crops if crop.kind in crop_kinds]
    return RecognisedPage(str(path), result, seconds)


def _recognise_in_worker(path: str) -> RecognisedPage:
    setup = _worker_setup
    assert setup is not None, "worker used before its initialiser ran"
    return recognise_file(path, setup.layouts, setup.thresholds, crop_kinds=setup.crop_kinds)


class RecognitionPool:
    """A pool of processes that recognise page files against fixed layouts.

    Use as a context manager. `submit` hands over one page as soon as it exists (a
    scanner feeding pages one by one); `recognise` runs a whole list, yielding results in
    input order. With one worker the pages are recognised on a thread of this process,
    which is what tests and small jobs want.
    """

    def __init__(self, layouts: Sequence[AnswerSheetLayout], thresholds: RecognitionThresholds,
                 workers: int | None = None, *,
                 crop_kinds: frozenset[RegionKind] | None = None) -> None:
        self.setup = _WorkerSetup(tuple(layouts), thresholds, crop_kinds)
        self.workers = workers or default_workers()
        self._executor: concurrent.futures.Executor | None = None

    def __enter__(self) -> RecognitionPool:
        if self.workers > 1:
            with _one_thread_per_worker():
                processes = concurrent.futures.ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_initialise_worker, initargs=(self.setup,))
                list(processes.map(_warm_up, range(self.workers)))
            self._executor = processes
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(1, "recognition")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def submit(self, path: str | Path) -> concurrent.futures.Future[RecognisedPage]:
        """Start recognising one page file; the future holds its `RecognisedPage`."""
        if self._executor is None:
            raise RuntimeError("RecognitionPool used outside its `with` block")
        if isinstance(self._executor, concurrent.futures.ProcessPoolExecutor):
            return self._executor.submit(_recognise_in_worker, str(path))
        setup = self.setup
        return self._executor.submit(recognise_file, str(path), setup.layouts, setup.thresholds,
                                     crop_kinds=setup.crop_kinds)

    def recognise(self, paths: Iterable[str | Path], total: int = 0,
                  progress: ProgressCallback = ignore_progress,
                  cancel: CancelToken | None = None) -> Iterator[RecognisedPage]:
        """Recognise every file in `paths`, in order, reporting progress and honouring cancel.

        At most a few pages per worker are in flight, so a cancel stops quickly and a
        long list does not fill memory with results nobody has taken yet.
        """
        cancel = cancel or CancelToken()
        window = self.workers * 4
        pending: collections.deque[concurrent.futures.Future[RecognisedPage]] = (
            collections.deque())
        done = 0
        try:
            for path in paths:
                cancel.raise_if_cancelled()
                pending.append(self.submit(path))
                while len(pending) >= window or (pending and pending[0].done()):
                    yield pending.popleft().result()
                    done += 1
                    progress(ProgressUpdate(done, total, READING_STAGE))
            while pending:
                cancel.raise_if_cancelled()
                yield pending.popleft().result()
                done += 1
                progress(ProgressUpdate(done, total, READING_STAGE))
        finally:
            for future in pending:
                future.cancel()


@contextlib.contextmanager
def _one_thread_per_worker() -> Iterator[None]:
    """Start workers with one BLAS/OpenMP thread each: the pool is the parallelism.

    The variables must be in the environment the workers start with (numpy reads them
    when it is first imported), so they are set while the workers are spawned and the
    parent's own values are put back afterwards.
    """
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _warm_up(_: int) -> int:
    """Make every worker start (and import OpenCV) before the clock starts."""
    return os.getpid()


__all__ = ["RecognisedPage", "RecognitionPool", "default_workers", "recognise_file"]
