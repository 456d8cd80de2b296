"""What a scanned exam holds, by content, so two scans of one stack can be compared.

Database ids differ between two stations (or between a run that was killed and resumed
and one that was not), so a snapshot keys everything by what does not change: a page by
the SHA-256 of its image, a response by student number and item label, an exception by
kind, page hash and field. `compare_snapshots` counts what the second lost, doubled or
got different; the crash tests and `bench.crash_resume` both use it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.models import (
    AssessmentItem,
    Page,
    RecognitionException,
    Response,
    ScanBatch,
    Student,
    StudentSheetPage,
)
from workflow.context import AppContext

PageFacts = tuple[str, int | None, str | None]
"""A page's status, page number on its sheet and student number."""


@dataclass(frozen=True)
class ExamSnapshot:
    """The pages, sheet claims, responses and exceptions of one exam, keyed by content."""

    pages: dict[str, PageFacts]
    page_rows: Counter[str]
    missing_files: frozenset[str]
    claims: dict[tuple[str, int], str]
    claim_rows: Counter[tuple[str, int]]
    responses: dict[tuple[str, str], tuple[str | None, float | None]]
    response_rows: Counter[tuple[str, str]]
    exceptions: Counter[tuple[str, str | None, str | None]]


@dataclass
class SnapshotDifference:
    """How a snapshot differs from the reference; all three counts are 0 when they agree."""

    lost: int = 0
    doubled: int = 0
    mismatched: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """Whether nothing was lost, doubled or changed."""
        return self.lost == self.doubled == self.mismatched == 0


def snapshot_exam(context: AppContext, exam_id: int) -> ExamSnapshot:
    """Read the exam's scanning results from the context's database."""
    with context.database.transaction() as session:
        pages, page_rows, missing = _pages(session, exam_id)
        claims, claim_rows = _claims(session, exam_id)
        responses, response_rows = _responses(session, exam_id)
        exceptions = _exceptions(session, exam_id)
    return ExamSnapshot(pages, page_rows, missing, claims, claim_rows, responses,
                        response_rows, exceptions)


def _pages(session: Session, exam_id: int
           ) -> tuple[dict[str, PageFacts], Counter[str], frozenset[str]]:
    rows = session.execute(select(Page.content_hash, Page.status, Page.page_number,
                                  Student.student_number, Page.file_path)
                           .join(ScanBatch, Page.batch_id == ScanBatch.id)
                           .outerjoin(Student, Page.student_id == Student.id)
                           .where(ScanBatch.assessment_id == exam_id)).all()
    pages = {digest: (str(status), number, student) for digest, status, number, student, _
             in rows}
    missing = frozenset(digest for digest, *_, path in rows if not Path(path).is_file())
    return pages, Counter(row[0] for row in rows), missing


def _claims(session: Session, exam_id: int
            ) -> tuple[dict[tuple[str, int], str], Counter[tuple[str, int]]]:
    rows = session.execute(select(Student.student_number, StudentSheetPage.page_number,
                                  Page.content_hash)
                           .join(Student, StudentSheetPage.student_id == Student.id)
                           .join(Page, StudentSheetPage.page_id == Page.id)
                           .where(StudentSheetPage.assessment_id == exam_id)).all()
    return ({(number, page): digest for number, page, digest in rows},
            Counter((number, page) for number, page, _ in rows))


def _responses(session: Session, exam_id: int
               ) -> tuple[dict[tuple[str, str], tuple[str | None, float | None]],
                          Counter[tuple[str, str]]]:
    rows = session.execute(select(Student.student_number, AssessmentItem.label,
                                  Response.value, Response.score)
                           .join(AssessmentItem,
                                 Response.assessment_item_id == AssessmentItem.id)
                           .join(Student, Response.student_id == Student.id)
                           .where(AssessmentItem.assessment_id == exam_id)).all()
    return ({(number, label): (value, score) for number, label, value, score in rows},
            Counter((number, label) for number, label, _, _ in rows))


def _exceptions(session: Session, exam_id: int) -> Counter[tuple[str, str | None, str | None]]:
    page = aliased(Page)
    rows = session.execute(select(RecognitionException.kind, page.content_hash,
                                  RecognitionException.field)
                           .outerjoin(page, RecognitionException.page_id == page.id)
                           .where(RecognitionException.assessment_id == exam_id)).all()
    return Counter((str(kind), digest, name) for kind, digest, name in rows)


def compare_snapshots(reference: ExamSnapshot, actual: ExamSnapshot) -> SnapshotDifference:
    """What `actual` lost, doubled or got different compared with `reference`.

    Lost: an entry of the reference missing (or a page row whose file is gone). Doubled:
    an entry the reference does not have, or a key held by more than one row. Mismatched:
    the same key with another value (status, student, answer, score, claimed page).
    """
    difference = SnapshotDifference()
    for name in ("pages", "claims", "responses"):
        _compare_mapping(name, getattr(reference, name), getattr(actual, name), difference)
    for name in ("page_rows", "claim_rows", "response_rows"):
        extra = sum(count - 1 for count in getattr(actual, name).values() if count > 1)
        _add(difference, "doubled", extra, f"{name}: {extra} key(s) held by several rows")
    lost_files = len(actual.missing_files)
    _add(difference, "lost", lost_files, f"pages without their file: {lost_files}")
    _add(difference, "lost", (reference.exceptions - actual.exceptions).total(),
         f"exceptions lost: {dict(reference.exceptions - actual.exceptions)}")
    _add(difference, "doubled", (actual.exceptions - reference.exceptions).total(),
         f"exceptions extra: {dict(actual.exceptions - reference.exceptions)}")
    return difference


def _compare_mapping(name: str, reference: dict, actual: dict,
                     difference: SnapshotDifference) -> None:
    lost = reference.keys() - actual.keys()
    extra = actual.keys() - reference.keys()
    changed = [key for key in reference.keys() & actual.keys() if reference[key] != actual[key]]
    _add(difference, "lost", len(lost), f"{name} lost: {sorted(lost, key=str)[:5]}")
    _add(difference, "doubled", len(extra), f"{name} extra: {sorted(extra, key=str)[:5]}")
    _add(difference, "mismatched", len(changed),
         f"{name} changed: {[(k, reference[k], actual[k]) for k in changed[:5]]}")


def _add(difference: SnapshotDifference, kind: str, count: int, detail: str) -> None:
    if count:
        setattr(difference, kind, getattr(difference, kind) + count)
        difference.details.append(detail)


__all__ = ["ExamSnapshot", "SnapshotDifference", "compare_snapshots", "snapshot_exam"]
