"""Scanning an exam: pages made durable, recognised in a process pool, saved in scan order.

`scan_exam` takes pages from any source (scanner, watch folder, files). Each page is
first written to the content-addressed page store and recorded in the database; only
then is it handed to the recognition pool. One writer (this thread) saves the results in
scan order, in small transactions, so a page's result is visible well within a second
of the page arriving. A feeder problem (jam, double feed), a full disk or a cancel
pauses the batch: everything acquired so far is kept and saved, and scanning the same
exam again resumes the same batch. After a crash, files that reached the store but not
the database are adopted, and pages without a result are recognised again, before new
pages are taken.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import BatchStatus, PageStatus
from core.errors import OperationCancelledError, PtwError
from core.i18n import LocalisedText
from core.models import Page, ScanBatch
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from omr.layout import RegionKind
from scanner.acquisition import AcquiredImage
from scanner.page_store import PageStore
from workflow.context import AppContext
from workflow.exam_sheets import ExamSheets, load_exam_sheets
from workflow.exception_queue import pictures_dir
from workflow.recognition_pool import RecognisedPage, RecognitionPool
from workflow.scan_batches import record_page
from workflow.scan_results import ReadingWriter, SavedPage
from workflow.sheet_completeness import queue_missing_pages

log = logging.getLogger(__name__)

SCANNING_STAGE = LocalisedText("扫描并识别", "Scanning and recognising")
EXCEPTION_CROPS = frozenset({RegionKind.HANDWRITTEN_ID})
"""Region crops the scan keeps (for unknown-student exceptions); answer boxes are cut again
from the stored page when they are marked, rather than shipped from every worker."""
FLUSH_SECONDS = 0.25
"""Longest a recognised page waits before its result is saved."""
FLUSH_PAGES = 16
"""Most pages saved in one transaction."""

_SUFFIXES = {"image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif", "image/bmp": "bmp"}


@dataclass
class ScanSummary:
    """What one scanning run did, for the operator."""

    batch_id: int
    acquired: int = 0
    already_stored: int = 0
    recovered: int = 0
    saved: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    exceptions: int = 0
    paused: PtwError | None = None
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        """Pages saved per second of the run."""
        return self.saved / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class _Pending:
    page_id: int
    future: Future[RecognisedPage]


class _IntakeEnd:
    """Put on the queue by the intake thread when it stops, with the error that stopped it."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def page_store_for(context: AppContext) -> PageStore:
    """This station's page store, in the data folder."""
    return PageStore(context.settings.pages_dir)


def scan_exam(context: AppContext, exam_id: int, pages: Iterable[AcquiredImage], source: str,
              progress: ProgressCallback = ignore_progress, cancel: CancelToken | None = None,
              *, workers: int | None = None, rescan: bool = False, expected: int = 0,
              on_saved: Callable[[SavedPage], None] | None = None) -> ScanSummary:
    """Scan `pages` into the exam; returns what happened (a pause is reported, not raised).

    `expected` is the page count when the source knows it (files), for the progress bar;
    `on_saved` hears of each page as soon as its result is committed.
    """
    cancel = cancel or CancelToken()
    started = time.monotonic()
    with context.database.transaction() as session:
        sheets = load_exam_sheets(session, exam_id)
    store = page_store_for(context)
    store.remove_orphan_temps()
    interrupted = _interrupted_batch(context)  # looked up before ours is (re)opened
    batch_id = _resume_or_open_batch(context, exam_id, source)
    summary = ScanSummary(batch_id)
    summary.recovered = _adopt_orphans(context, store, interrupted or batch_id)
    writer = ReadingWriter(context, sheets, pictures_dir(context), rescan=rescan)
    with RecognitionPool(sheets.layouts, context.settings.recognition, workers,
                         crop_kinds=EXCEPTION_CROPS) as pool:
        work: queue.Queue[_Pending | _IntakeEnd] = queue.Queue()
        for page_id, path in _unrecognised_pages(context, exam_id):
            work.put(_Pending(page_id, pool.submit(path)))
        intake = threading.Thread(target=_take_pages, name="page-intake", daemon=True,
                                  args=(context, store, pool, batch_id, pages, work, cancel,
                                        summary))
        intake.start()
        try:
            end = _save_results(context, writer, work, summary, progress, expected,
                                on_saved or _ignore_saved)
        except BaseException:
            cancel.cancel()  # the writer failed (database gone): stop taking pages
            raise
        finally:
            intake.join()
    _finish_batch(context, sheets, batch_id, end, summary, cancel)
    summary.seconds = time.monotonic() - started
    return summary


def _take_pages(context: AppContext, store: PageStore, pool: RecognitionPool, batch_id: int,
                pages: Iterable[AcquiredImage], work: queue.Queue[_Pending | _IntakeEnd],
                cancel: CancelToken, summary: ScanSummary) -> None:
    """Intake thread: store each page durably, record it, hand it to the pool."""
    error: BaseException | None = None
    try:
        for image in pages:
            cancel.raise_if_cancelled()
            stored = store.put(image.data, _SUFFIXES.get(image.media_type, "bin"))
            record = record_page(context, batch_id, stored.content_hash, str(stored.path),
                                 image.origin)
            summary.acquired += 1
            if not record.created:
                summary.already_stored += 1
                continue
            work.put(_Pending(record.page_id, pool.submit(stored.path)))
            cancel.raise_if_cancelled()
    except BaseException as caught:  # handed to the writer thread, which reports it
        error = caught
    finally:
        work.put(_IntakeEnd(error))


def _ignore_saved(saved: SavedPage) -> None:
    """The default `on_saved`: nobody is listening."""


def _save_results(context: AppContext, writer: ReadingWriter,
                  work: queue.Queue[_Pending | _IntakeEnd], summary: ScanSummary,
                  progress: ProgressCallback, expected: int,
                  on_saved: Callable[[SavedPage], None]) -> _IntakeEnd:
    """Writer: save results in scan order, a few pages per transaction, until intake ends."""
    batch: list[tuple[int, RecognisedPage]] = []
    deadline = time.monotonic() + FLUSH_SECONDS
    while True:
        try:
            item = work.get(timeout=max(0.0, deadline - time.monotonic()) if batch else None)
        except queue.Empty:
            item = None
        if isinstance(item, _Pending):
            batch.append((item.page_id, item.future.result()))
        if batch and (item is None or isinstance(item, _IntakeEnd) or len(batch) >= FLUSH_PAGES
                      or time.monotonic() >= deadline):
            for saved in _save_batch(context, writer, batch, summary):
                on_saved(saved)
            progress(ProgressUpdate(summary.saved, max(expected, summary.saved), SCANNING_STAGE))
            batch = []
            deadline = time.monotonic() + FLUSH_SECONDS
        if isinstance(item, _IntakeEnd):
            return item


def _save_batch(context: AppContext, writer: ReadingWriter,
                batch: list[tuple[int, RecognisedPage]], summary: ScanSummary
                ) -> list[SavedPage]:
    def work(session: Session) -> list[SavedPage]:
        saved = []
        for page_id, recognised in batch:
            page = session.get(Page, page_id)
            if page is None or page.status is not PageStatus.STORED:
                continue  # saved by an earlier run already
            saved.append(writer.save(session, page, recognised.result))
        return saved

    saved_pages = context.database.run(work)
    for saved in saved_pages:
        summary.saved += 1
        summary.by_status[str(saved.status)] = summary.by_status.get(str(saved.status), 0) + 1
        summary.exceptions += len(saved.exceptions)
    return saved_pages


def _finish_batch(context: AppContext, sheets: ExamSheets, batch_id: int, end: _IntakeEnd,
                  summary: ScanSummary, cancel: CancelToken) -> None:
    """Close the batch (checking for missing pages) or pause it with the reason."""
    error = end.error
    if isinstance(error, OperationCancelledError) or cancel.cancelled:
        summary.cancelled = True
        status = BatchStatus.PAUSED
    elif isinstance(error, PtwError):
        summary.paused = error
        status = BatchStatus.PAUSED
    elif error is not None:
        raise error
    else:
        status = BatchStatus.FINISHED

    def work(session: Session) -> int:
        batch = session.get(ScanBatch, batch_id)
        batch.status = status
        if status is BatchStatus.FINISHED:
            return queue_missing_pages(session, sheets, batch_id,
                                       pictures_dir(context))
        return 0

    summary.exceptions += context.database.run(work)


def _resume_or_open_batch(context: AppContext, exam_id: int, source: str) -> int:
    """This station's unfinished batch of the exam from the same source, else a new one."""

    def work(session: Session) -> int:
        batch = session.scalars(select(ScanBatch).where(
            ScanBatch.assessment_id == exam_id, ScanBatch.station == context.station,
            ScanBatch.source == source,
            ScanBatch.status.in_([BatchStatus.OPEN, BatchStatus.PAUSED])).order_by(
            ScanBatch.id.desc()).limit(1)).first()
        if batch is None:
            batch = ScanBatch(assessment_id=exam_id, station=context.station, source=source)
            session.add(batch)
            session.flush()
        batch.status = BatchStatus.OPEN
        return batch.id

    return context.database.run(work)


def _adopt_orphans(context: AppContext, store: PageStore, batch_id: int) -> int:
    """Record stored files the database does not know (a crash between store and record).

    They go to `batch_id`: the batch the crash interrupted (this station's newest batch
    still OPEN; one that ended or paused cleanly is not), which may be another exam's.
    """
    known = _known_hashes(context)
    orphans = [stored for stored in store.iter_stored() if stored.content_hash not in known]
    orphans.sort(key=lambda stored: stored.path.stat().st_mtime_ns)  # the order they came in
    adopted = 0
    for stored in orphans:
        record = record_page(context, batch_id, stored.content_hash, str(stored.path),
                             "recovered")
        adopted += record.created
    if adopted:
        log.info("adopted %d page file(s) left by an interrupted scan", adopted)
    return adopted


def _interrupted_batch(context: AppContext) -> int | None:
    """This station's newest batch left OPEN: the one a crash interrupted, if any."""
    with context.database.transaction() as session:
        return session.scalars(select(ScanBatch.id).where(
            ScanBatch.station == context.station, ScanBatch.status == BatchStatus.OPEN)
            .order_by(ScanBatch.id.desc()).limit(1)).first()


def _known_hashes(context: AppContext) -> set[str]:
    with context.database.transaction() as session:
        return set(session.scalars(select(Page.content_hash).where(
            Page.station == context.station)))


def _unrecognised_pages(context: AppContext, exam_id: int) -> Iterator[tuple[int, str]]:
    """Pages of the exam stored at this station but not recognised yet, in scan order."""
    with context.database.transaction() as session:
        rows = session.execute(select(Page.id, Page.file_path).join(
            ScanBatch, Page.batch_id == ScanBatch.id).where(
            ScanBatch.assessment_id == exam_id, Page.station == context.station,
            Page.status == PageStatus.STORED).order_by(Page.batch_id, Page.sequence)).all()
    yield from ((page_id, path) for page_id, path in rows)


__all__ = ["ScanSummary", "page_store_for", "scan_exam"]
