"""Where scanning of an exam stands: batches, pages by status, students in, open exceptions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import BatchStatus, ExceptionKind, ExceptionStatus, PageStatus
from core.models import Page, RecognitionException, ScanBatch, StudentSheetPage
from workflow.exam_queries import find_assessment


@dataclass(frozen=True, slots=True)
class BatchState:
    """One scan batch: where and how it was scanned, its pages by status."""

    id: int
    station: str
    source: str
    status: BatchStatus
    pages: dict[PageStatus, int]

    @property
    def total(self) -> int:
        """All pages of the batch."""
        return sum(self.pages.values())


@dataclass(frozen=True, slots=True)
class ExamScanState:
    """The exam's batches, how many students have a sheet in, and open exceptions by kind."""

    exam_id: int
    batches: list[BatchState]
    students_scanned: int
    open_exceptions: dict[ExceptionKind, int]


def exam_scan_state(session: Session, exam_id: int) -> ExamScanState:
    """Count pages, students and open exceptions of one exam."""
    find_assessment(session, exam_id)
    batches = list(session.scalars(select(ScanBatch).where(ScanBatch.assessment_id == exam_id)
                                   .order_by(ScanBatch.id)))
    counts: dict[int, Counter[PageStatus]] = {batch.id: Counter() for batch in batches}
    for batch_id, status, count in session.execute(
            select(Page.batch_id, Page.status, func.count()).join(
                ScanBatch, Page.batch_id == ScanBatch.id).where(
                ScanBatch.assessment_id == exam_id).group_by(Page.batch_id, Page.status)):
        counts[batch_id][status] = count
    students = session.scalar(select(func.count(func.distinct(StudentSheetPage.student_id)))
                              .where(StudentSheetPage.assessment_id == exam_id)) or 0
    exceptions = {kind: count for kind, count in session.execute(
        select(RecognitionException.kind, func.count()).where(
            RecognitionException.assessment_id == exam_id,
            RecognitionException.status == ExceptionStatus.OPEN).group_by(
            RecognitionException.kind))}
    return ExamScanState(
        exam_id, [BatchState(b.id, b.station, b.source, b.status, dict(counts[b.id]))
                  for b in batches], students, exceptions)


__all__ = ["BatchState", "ExamScanState", "exam_scan_state"]
