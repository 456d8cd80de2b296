"""Read-only views of exams and their results, shared by the CLI, the GUI and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import AssessmentKind
from core.errors import NotFoundError
from core.i18n import LocalisedText
from core.models import (
    Assessment,
    AssessmentClass,
    AssessmentItem,
    ClassMembership,
    Response,
    SchoolClass,
    Student,
)


@dataclass(frozen=True, slots=True)
class ExamSummary:
    """One line of the exam list."""

    id: int
    name: str
    subject: str
    held_on: dt.date
    kind: AssessmentKind
    items: int
    full_marks: float
    students_with_results: int


@dataclass(frozen=True, slots=True)
class StudentResult:
    """A student's scores and answers in one exam (None where nothing was recorded)."""

    class_name: str
    student_number: str
    name: str
    scores: list[float | None]
    values: list[str | None]

    @property
    def total(self) -> float | None:
        """The sum of the recorded scores, or None if none were recorded."""
        recorded = [score for score in self.scores if score is not None]
        return sum(recorded) if recorded else None


@dataclass(frozen=True, slots=True)
class ExamResults:
    """Every student's results in an exam, with the item labels as columns."""

    exam: ExamSummary
    labels: list[str]
    students: list[StudentResult]


def list_exams(session: Session) -> list[ExamSummary]:
    """All exams and homework, newest first."""
    items = (
        select(AssessmentItem.assessment_id, func.count().label("n"),
               func.sum(AssessmentItem.points).label("marks"))
        .group_by(AssessmentItem.assessment_id).subquery()
    )
    answered = (
        select(AssessmentItem.assessment_id,
               func.count(func.distinct(Response.student_id)).label("students"))
        .join(Response, Response.assessment_item_id == AssessmentItem.id)
        .group_by(AssessmentItem.assessment_id).subquery()
    )
    rows = session.execute(
        select(Assessment, items.c.n, items.c.marks, answered.c.students)
        .outerjoin(items, items.c.assessment_id == Assessment.id)
        .outerjoin(answered, answered.c.assessment_id == Assessment.id)
        .order_by(Assessment.held_on.desc(), Assessment.id.desc())
    ).all()
    return [
        ExamSummary(exam.id, exam.name, exam.subject.name, exam.held_on, exam.kind, n or 0,
                    float(marks or 0), students or 0)
        for exam, n, marks, students in rows
    ]


def _no_exam(exam_id: int) -> NotFoundError:
    return NotFoundError(LocalisedText(f"找不到编号为 {exam_id} 的考试（用 ptw exams list 查看）。",
                                       f"No exam with id {exam_id} (see ptw exams list)."))


def get_exam(session: Session, exam_id: int) -> ExamSummary:
    """The summary of one exam, or NotFoundError."""
    for exam in list_exams(session):
        if exam.id == exam_id:
            return exam
    raise _no_exam(exam_id)


def find_assessment(session: Session, exam_id: int) -> Assessment:
    """The exam's row (no summary counts to compute), or NotFoundError."""
    exam = session.get(Assessment, exam_id)
    if exam is None:
        raise _no_exam(exam_id)
    return exam


def exam_results(session: Session, exam_id: int) -> ExamResults:
    """Scores and answers of every student who sat the exam or is in one of its classes."""
    exam = get_exam(session, exam_id)
    placements = list(session.scalars(select(AssessmentItem).where(
        AssessmentItem.assessment_id == exam_id).order_by(AssessmentItem.position)))
    column = {placement.id: index for index, placement in enumerate(placements)}
    class_of = dict(session.execute(
        select(ClassMembership.student_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(ClassMembership.ended_on.is_(None))).all())
    responses = session.execute(
        select(Response.student_id, Response.assessment_item_id, Response.score, Response.value)
        .where(Response.assessment_item_id.in_(column))).all()
    sitting = select(ClassMembership.student_id).join(
        AssessmentClass, AssessmentClass.class_id == ClassMembership.class_id).where(
        AssessmentClass.assessment_id == exam_id, ClassMembership.ended_on.is_(None))
    student_ids = {row.student_id for row in responses} | set(session.scalars(sitting))
    students = session.scalars(select(Student).where(Student.id.in_(student_ids))).all()
    table = {s.id: ([None] * len(placements), [None] * len(placements)) for s in students}
    for student_id, placement_id, score, value in responses:
        table[student_id][0][column[placement_id]] = score
        table[student_id][1][column[placement_id]] = value
    results = [
        StudentResult(class_of.get(s.id, ""), s.student_number, s.name, *table[s.id])
        for s in students
    ]
    results.sort(key=lambda r: (r.class_name, r.student_number))
    return ExamResults(exam, [p.label for p in placements], results)
