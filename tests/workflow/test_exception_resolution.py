"""Settling exceptions: a student number for an unknown sheet, a mark, a duplicate."""

from pathlib import Path

import pytest
from sqlalchemy import select

from core.enums import ExceptionKind, ExceptionStatus, PageStatus
from core.errors import BadInputError
from core.models import AssessmentItem, AuditEntry, Page, Response, Student
from tests.workflow.scanned_sheets import STUDENTS, ScanExam, answered_sheet, make_scan_exam
from tests.workflow.test_scan_session import SCORES
from workflow.context import AppContext
from workflow.exception_queue import QueuedException, list_exceptions, pictures_dir
from workflow.exception_resolution import KEEP, REPLACE, resolve_exception
from workflow.scan_session import scan_exam

pytestmark = pytest.mark.database


@pytest.fixture
def exam(context: AppContext, tmp_path: Path) -> ScanExam:
    """The scanning exam in this test's database."""
    return make_scan_exam(context, tmp_path)


def _open(context: AppContext, exam: ScanExam) -> list[QueuedException]:
    with context.database.transaction() as session:
        return list_exceptions(session, pictures_dir(context), exam.exam_id)


def _responses(context: AppContext, number: str) -> dict[str, tuple[str | None, float | None]]:
    with context.database.transaction() as session:
        rows = session.execute(select(AssessmentItem.label, Response.value, Response.score)
                               .join(Response, Response.assessment_item_id == AssessmentItem.id)
                               .join(Student, Response.student_id == Student.id)
                               .where(Student.student_number == number))
        return {label: (value, score) for label, value, score in rows}


def test_an_unknown_sheet_is_given_to_a_student(context: AppContext, exam: ScanExam) -> None:
    pages, truth = answered_sheet(exam, "99999999", 1, scores=SCORES)
    scan_exam(context, exam.exam_id, pages, "test:unknown", workers=1)
    [unknown] = _open(context, exam)
    assert unknown.kind is ExceptionKind.UNKNOWN_STUDENT and _responses(context, STUDENTS[0]) == {}
    with pytest.raises(BadInputError) as refused:
        resolve_exception(context, unknown.id, "12345678")
    assert "不在名单中" in refused.value.user_message.zh
    resolution = resolve_exception(context, unknown.id, STUDENTS[0])
    assert resolution.pages_assigned == 2 and resolution.responses_written == len(exam.key)
    answers = _responses(context, STUDENTS[0])
    assert answers["1"][0] == truth["q1"] and answers["28"][1] == SCORES["28"]
    assert _open(context, exam) == []
    with context.database.transaction() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "resolve")).one()
        assert audit.entity_id == unknown.id and audit.new_value == STUDENTS[0]
    with pytest.raises(BadInputError) as again:
        resolve_exception(context, unknown.id, STUDENTS[1])
    assert "已经处理过" in again.value.user_message.zh


def test_an_ambiguous_mark_is_read_as_the_person_says(context: AppContext,
                                                      exam: ScanExam) -> None:
    pages, _ = answered_sheet(exam, STUDENTS[1], 2, scores=SCORES, answers={"q3": ("A", "C")})
    scan_exam(context, exam.exam_id, pages, "test:ambiguous", workers=1)
    [mark] = _open(context, exam)
    assert mark.kind is ExceptionKind.AMBIGUOUS_MARK and mark.field == "q3"
    assert mark.crop_path is not None and mark.crop_path.is_file()
    assert _responses(context, STUDENTS[1])["3"] == ("AC", None)
    with pytest.raises(BadInputError) as refused:
        resolve_exception(context, mark.id, "AC")
    assert "无效" in refused.value.user_message.zh
    resolve_exception(context, mark.id, "c")
    key = exam.key["3"]
    assert _responses(context, STUDENTS[1])["3"] == ("C", key.points if key.answer == "C" else 0)


def test_keeping_the_first_sheet_dismisses_what_was_queued_about_the_second(
        context: AppContext, exam: ScanExam) -> None:
    first, _ = answered_sheet(exam, STUDENTS[3], 7, scores=SCORES)
    second, _ = answered_sheet(exam, STUDENTS[3], 8, scores=SCORES, answers={"q5": ("A", "B")})
    scan_exam(context, exam.exam_id, first, "test:first", workers=1)
    scan_exam(context, exam.exam_id, second, "test:second", workers=1)
    kinds = {e.kind: e for e in _open(context, exam)}
    assert set(kinds) == {ExceptionKind.AMBIGUOUS_MARK, ExceptionKind.DUPLICATE_STUDENT}
    resolve_exception(context, kinds[ExceptionKind.DUPLICATE_STUDENT].id, KEEP)
    assert _open(context, exam) == []
    with context.database.transaction() as session:
        statuses = {e.kind: e.status for e in list_exceptions(
            session, pictures_dir(context), exam.exam_id, status=None)}
    assert statuses[ExceptionKind.AMBIGUOUS_MARK] is ExceptionStatus.DISMISSED


@pytest.mark.parametrize("choice", [REPLACE, KEEP])
def test_a_duplicate_sheet_replaces_the_first_or_is_set_aside(
        context: AppContext, exam: ScanExam, choice: str) -> None:
    first, _ = answered_sheet(exam, STUDENTS[2], 3, scores=SCORES)
    second, _ = answered_sheet(exam, STUDENTS[2], 4, scores={**SCORES, "29": 5.0})
    scan_exam(context, exam.exam_id, first, "test:first", workers=1)
    scan_exam(context, exam.exam_id, second, "test:second", workers=1)
    [duplicate] = _open(context, exam)
    assert duplicate.kind is ExceptionKind.DUPLICATE_STUDENT
    resolve_exception(context, duplicate.id, choice)
    expected = 5.0 if choice == REPLACE else 0.0
    assert _responses(context, STUDENTS[2])["29"][1] == expected
    with context.database.transaction() as session:
        replaced = session.scalars(select(Page.id).where(
            Page.status == PageStatus.REPLACED)).all()
    assert len(replaced) == 2
    with context.database.transaction() as session:
        statuses = [e.status for e in list_exceptions(session, pictures_dir(context),
                                                      exam.exam_id, status=None)]
    assert statuses == [ExceptionStatus.RESOLVED]
