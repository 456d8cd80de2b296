"""Scanning an exam end to end: store, recognise, save in order, students, exceptions."""

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

from analytics.objective_scoring import score_objective
from core.enums import BatchStatus, ExceptionKind, ItemType, PageStatus
from core.models import AssessmentItem, AuditEntry, Page, Response, ScanBatch, Student
from scanner.acquisition import AcquiredImage
from scanner.errors import PaperJamError
from tests.workflow.scanned_sheets import (
    STUDENTS,
    ScanExam,
    answered_sheet,
    make_scan_exam,
    numbered,
)
from workflow.context import AppContext
from workflow.exception_queue import list_exceptions, pictures_dir
from workflow.scan_session import page_store_for, scan_exam

pytestmark = pytest.mark.database

SCORES = {"27": 7.5, "28": 12.0, "29": 0.0}


@pytest.fixture
def exam(context: AppContext, tmp_path: Path) -> ScanExam:
    """The scanning exam in this test's database."""
    return make_scan_exam(context, tmp_path)


def _kinds(context: AppContext, exam: ScanExam) -> list[ExceptionKind]:
    with context.database.transaction() as session:
        return [e.kind for e in list_exceptions(session, pictures_dir(context),
                                                exam.exam_id)]


def _scores(context: AppContext, number: str) -> dict[str, float | None]:
    with context.database.transaction() as session:
        rows = session.execute(select(AssessmentItem.label, Response.score).join(
            Response, Response.assessment_item_id == AssessmentItem.id).join(
            Student, Response.student_id == Student.id).where(
            Student.student_number == number))
        return {label: score for label, score in rows}


def _expected(exam: ScanExam, truth: dict[str, str]) -> dict[str, float | None]:
    expected: dict[str, float | None] = {}
    for label, entry in exam.key.items():
        if entry.item_type is ItemType.SUBJECTIVE:
            expected[label] = SCORES[label]
        else:
            expected[label] = score_objective(
                truth[f"q{label}"], entry.answer, entry.points, entry.rule,
                entry.item_type is ItemType.MULTIPLE_CHOICE)
    return expected


def test_a_stack_of_sheets_is_scored_per_student(context: AppContext, exam: ScanExam) -> None:
    pages, truths = [], {}
    for seed, number in enumerate(STUDENTS[:4]):
        images, truths[number] = answered_sheet(exam, number, seed, scores=SCORES)
        pages += images
    summary = scan_exam(context, exam.exam_id, numbered(pages), "test:stack", workers=2)
    assert (summary.acquired, summary.saved, summary.exceptions) == (8, 8, 0)
    assert summary.by_status == {"recognised": 8}
    for number, truth in truths.items():
        assert _scores(context, number) == _expected(exam, truth)
    with context.database.transaction() as session:
        batch = session.get(ScanBatch, summary.batch_id)
        assert batch is not None and batch.status is BatchStatus.FINISHED
        backs = session.scalars(select(Page).where(Page.page_number == 2)).all()
        assert len(backs) == 4 and all(p.sheet_first_page_id is not None for p in backs)
        assert all(p.student_id is not None for p in backs)


def test_scanning_the_same_pages_again_adds_nothing(context: AppContext, exam: ScanExam) -> None:
    pages, _ = answered_sheet(exam, STUDENTS[0], 1, scores=SCORES)
    first = scan_exam(context, exam.exam_id, pages, "test:again", workers=1)
    again = scan_exam(context, exam.exam_id, pages, "test:again", workers=1)
    assert (first.saved, again.saved, again.already_stored) == (2, 0, 2)
    with context.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Page)) == 2
        assert session.scalar(select(func.count()).select_from(Response)) == len(exam.key)


def test_problem_pages_become_exceptions_with_pictures(context: AppContext,
                                                       exam: ScanExam) -> None:
    unknown, _ = answered_sheet(exam, "99999999", 2, scores=SCORES)
    known, _ = answered_sheet(exam, STUDENTS[1], 3, scores=SCORES)
    lonely_back = known[1]
    corrupt = AcquiredImage(0, b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg", "bad.jpg")
    blank_paper = np.full_like(exam.blank_pages[0], 250)
    blank = AcquiredImage(0, cv2.imencode(".png", blank_paper)[1].tobytes(), "image/png", "b")
    summary = scan_exam(context, exam.exam_id,
                        numbered([*unknown, lonely_back, corrupt, blank, known[0]]),
                        "test:problems", workers=1)
    assert summary.saved == 6 and summary.by_status["blank"] == 1
    kinds = _kinds(context, exam)
    assert kinds.count(ExceptionKind.UNKNOWN_STUDENT) == 1
    assert ExceptionKind.WRONG_PAGE_ORDER in kinds
    assert ExceptionKind.UNREADABLE_PAGE in kinds
    assert ExceptionKind.MISSING_PAGE in kinds  # the front of STUDENTS[1] has no back after it
    with context.database.transaction() as session:
        listed = list_exceptions(session, pictures_dir(context), exam.exam_id)
    unknown_exception = next(e for e in listed if e.kind is ExceptionKind.UNKNOWN_STUDENT)
    assert "99999999" in unknown_exception.reason.zh
    assert unknown_exception.crop_path is not None and unknown_exception.crop_path.is_file()


def test_the_same_student_twice_is_queued_or_replaced_on_rescan(context: AppContext,
                                                               exam: ScanExam) -> None:
    first, _ = answered_sheet(exam, STUDENTS[2], 4, scores=SCORES)
    second, truth = answered_sheet(exam, STUDENTS[2], 5, scores={**SCORES, "29": 3.0})
    scan_exam(context, exam.exam_id, first, "test:first", workers=1)
    scan_exam(context, exam.exam_id, second, "test:second", workers=1)
    assert _kinds(context, exam) == [ExceptionKind.DUPLICATE_STUDENT]  # one per sheet
    assert _scores(context, STUDENTS[2])["29"] == 0.0
    third, truth = answered_sheet(exam, STUDENTS[2], 6, scores={**SCORES, "29": 3.0})
    scan_exam(context, exam.exam_id, third, "test:rescan", workers=1, rescan=True)
    assert _scores(context, STUDENTS[2])["29"] == 3.0
    assert _scores(context, STUDENTS[2])["1"] == _expected(exam, truth)["1"]
    with context.database.transaction() as session:
        replaced = session.scalars(select(Page).where(Page.status == PageStatus.REPLACED)).all()
        assert len(replaced) == 2
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "replace")).all()
        assert sorted(a.entity_id for a in audits) == sorted(p.id for p in replaced)


def _jamming(pages: list[AcquiredImage], after: int) -> Iterator[AcquiredImage]:
    yield from pages[:after]
    raise PaperJamError().after_page(after)


def test_a_jam_pauses_the_batch_and_scanning_again_resumes_it(context: AppContext,
                                                              exam: ScanExam) -> None:
    pages = []
    for seed, number in enumerate(STUDENTS[:3]):
        pages += answered_sheet(exam, number, 10 + seed, scores=SCORES)[0]
    pages = numbered(pages)
    paused = scan_exam(context, exam.exam_id, _jamming(pages, 3), "sane:test", workers=1)
    assert isinstance(paused.paused, PaperJamError) and paused.saved == 3
    with context.database.transaction() as session:
        assert session.get(ScanBatch, paused.batch_id).status is BatchStatus.PAUSED
    resumed = scan_exam(context, exam.exam_id, pages[3:], "sane:test", workers=1)
    assert resumed.batch_id == paused.batch_id and resumed.saved == 3
    assert _kinds(context, exam) == []
    with context.database.transaction() as session:
        sequences = session.scalars(select(Page.sequence).order_by(Page.sequence)).all()
        assert sequences == [1, 2, 3, 4, 5, 6]
        assert session.get(ScanBatch, paused.batch_id).status is BatchStatus.FINISHED


def test_pages_left_by_a_crash_are_adopted_and_recognised(context: AppContext,
                                                          exam: ScanExam) -> None:
    pages, truth = answered_sheet(exam, STUDENTS[3], 7, scores=SCORES)
    store = page_store_for(context)
    for page in pages:  # stored, but the process died before recording them
        store.put(page.data, "jpg")
    summary = scan_exam(context, exam.exam_id, [], "test:recover", workers=1)
    assert (summary.recovered, summary.saved) == (2, 2)
    assert _scores(context, STUDENTS[3]) == _expected(exam, truth)
