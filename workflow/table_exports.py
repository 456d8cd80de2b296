"""Exporting the roster and exam results as .csv or .xlsx.

The results table uses the import headers (班级, 学号, 姓名, then one column per 题号),
so a results file can be read back as scores from another system.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import Gender
from core.models import ClassMembership, SchoolClass, Student
from reports.table_export import TableSheet, write_tables
from workflow.context import AppContext
from workflow.exam_queries import exam_results

_GENDER_TEXT = {Gender.MALE: "男", Gender.FEMALE: "女", Gender.UNKNOWN: ""}


def roster_sheet(session: Session) -> TableSheet:
    """The current roster, one row per active student, by class and number."""
    rows = session.execute(
        select(SchoolClass.name, Student.student_number, Student.name, Student.gender)
        .join(ClassMembership, ClassMembership.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(ClassMembership.ended_on.is_(None), Student.active.is_(True))
        .order_by(SchoolClass.name, Student.student_number)
    ).all()
    return TableSheet("学生名单", ["班级", "学号", "姓名", "性别"], [
        [class_name, number, name, _GENDER_TEXT[gender]]
        for class_name, number, name, gender in rows
    ])


def export_roster(context: AppContext, path: Path) -> int:
    """Write the roster to `path`; return the number of students written."""
    with context.database.transaction() as session:
        sheet = roster_sheet(session)
    write_tables(path, [sheet])
    return len(sheet.rows)


def _score_cell(score: float | None) -> float | int | None:
    if score is None:
        return None
    return int(score) if float(score).is_integer() else score


def export_results(context: AppContext, exam_id: int, path: Path) -> int:
    """Write an exam's scores (and, in .xlsx, the answers read) to `path`; return rows."""
    with context.database.transaction() as session:
        results = exam_results(session, exam_id)
    header = ["班级", "学号", "姓名", "总分", *results.labels]
    scores = TableSheet("成绩", header, [
        [r.class_name, r.student_number, r.name, _score_cell(r.total),
         *[_score_cell(score) for score in r.scores]]
        for r in results.students
    ])
    answers = TableSheet("作答", ["班级", "学号", "姓名", *results.labels], [
        [r.class_name, r.student_number, r.name, *r.values] for r in results.students
    ])
    write_tables(path, [scores, answers])
    return len(results.students)
