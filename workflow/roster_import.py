"""Importing a class roster (班级, 学号, 姓名, 性别) from Excel or CSV.

The whole file is checked first and every problem reported by row and column; only a
clean file is written, in one transaction. Importing the same roster again changes
nothing; a changed name is updated; a student who moved class gets a new class
membership (the old one is closed), never a second student record.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.enums import Gender
from core.errors import ImportProblem, ImportRejectedError
from core.i18n import LocalisedText
from core.models import ClassMembership, School, SchoolClass, Student
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.school_records import current_school, ensure_class, parse_grade_level
from workflow.table_reader import ColumnSpec, Table, read_table

ROSTER_COLUMNS = (
    ColumnSpec("class_name", ("班级", "班级名称", "class")),
    ColumnSpec("student_number", ("学号", "学籍号", "student number", "student no", "student id")),
    ColumnSpec("name", ("姓名", "学生姓名", "name")),
    ColumnSpec("gender", ("性别", "gender", "sex"), required=False),
    ColumnSpec("grade", ("年级", "grade"), required=False),
)

_GENDERS = {
    "男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "1": Gender.MALE,
    "女": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE, "2": Gender.FEMALE,
    "": Gender.UNKNOWN,
}
_STUDENT_NUMBER = re.compile(r"[0-9A-Za-z\-]{1,50}")


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One valid roster row."""

    row: int
    class_name: str
    student_number: str
    name: str
    gender: Gender
    grade_level: int | None


@dataclass(frozen=True, slots=True)
class RosterImportSummary:
    """What an import changed."""

    rows: int
    added: int
    renamed: int
    moved: int
    gender_changed: int
    unchanged: int
    classes_created: int

    @property
    def changed_anything(self) -> bool:
        """Whether the import wrote any change."""
        return bool(self.added or self.renamed or self.moved or self.gender_changed
                    or self.classes_created)


def parse_roster(table: Table) -> list[RosterEntry]:
    """Validate every row; raise with all problems, or return the entries."""
    problems: list[ImportProblem] = []
    entries: list[RosterEntry] = []
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        row_problems: list[ImportProblem] = []
        number = row.get("student_number").replace(" ", "")
        name = row.get("name")
        class_name = row.get("class_name")
        if not number:
            row_problems.append(table.problem(row.number, "student_number", LocalisedText(
                "学号为空。", "The student number is empty.")))
        elif not _STUDENT_NUMBER.fullmatch(number):
            row_problems.append(table.problem(row.number, "student_number", LocalisedText(
                f"学号“{number}”含有不允许的字符（只能是数字、字母和 -，最多 50 位）。",
                f"Student number '{number}' has characters that are not allowed "
                "(digits, letters and '-' only, at most 50).")))
        elif number in first_row_of:
            row_problems.append(table.problem(row.number, "student_number", LocalisedText(
                f"学号 {number} 与第 {first_row_of[number]} 行重复。",
                f"Student number {number} repeats row {first_row_of[number]}.")))
        else:
            first_row_of[number] = row.number
        if not name:
            row_problems.append(table.problem(row.number, "name", LocalisedText(
                "姓名为空。", "The name is empty.")))
        elif len(name) > 100:
            row_problems.append(table.problem(row.number, "name", LocalisedText(
                "姓名过长（超过 100 个字）。", "The name is longer than 100 characters.")))
        if not class_name:
            row_problems.append(table.problem(row.number, "class_name", LocalisedText(
                "班级为空。", "The class is empty.")))
        elif len(class_name) > 100:
            row_problems.append(table.problem(row.number, "class_name", LocalisedText(
                "班级名称过长（超过 100 个字）。",
                "The class name is longer than 100 characters.")))
        gender = _GENDERS.get(row.get("gender").lower())
        if gender is None:
            row_problems.append(table.problem(row.number, "gender", LocalisedText(
                f"性别“{row.get('gender')}”无法识别，请填“男”或“女”（也可留空）。",
                f"Gender '{row.get('gender')}' is not recognised; use 男 or 女 (or leave it "
                "empty).")))
        grade_text = row.get("grade")
        grade_level = parse_grade_level(grade_text)
        if grade_text and grade_level is None:
            row_problems.append(table.problem(row.number, "grade", LocalisedText(
                f"年级“{grade_text}”无法识别，例如写“七年级”或“7”。",
                f"Grade '{grade_text}' is not recognised; write e.g. 七年级 or 7.")))
        problems += row_problems
        if not row_problems:
            entries.append(RosterEntry(row.number, class_name, number, name,
                                       gender or Gender.UNKNOWN, grade_level))
    if not problems and not entries:
        problems.append(table.problem(None, None, LocalisedText(
            "表中没有学生数据（只有表头）。", "The table has no student rows, only a header.")))
    if problems:
        raise ImportRejectedError(problems, source=table.source)
    return entries


def import_roster(
    context: AppContext,
    path: Path,
    progress: ProgressCallback = ignore_progress,
    cancel: CancelToken | None = None,
    today: dt.date | None = None,
) -> RosterImportSummary:
    """Read, check and apply a roster file in one transaction."""
    cancel = cancel or CancelToken()
    progress(ProgressUpdate(0, 3, LocalisedText("读取文件", "Reading the file")))
    entries = parse_roster(read_table(Path(path), ROSTER_COLUMNS))
    cancel.raise_if_cancelled()
    progress(ProgressUpdate(1, 3, LocalisedText("写入数据库", "Writing to the database")))

    def work(session: Session) -> RosterImportSummary:
        school = current_school(session)
        return apply_roster(session, context, school, entries, today or dt.date.today())

    summary = context.database.run(work)
    progress(ProgressUpdate(3, 3, LocalisedText("完成", "Done")))
    return summary


def apply_roster(
    session: Session,
    context: AppContext,
    school: School,
    entries: list[RosterEntry],
    today: dt.date,
) -> RosterImportSummary:
    """Bring the database in line with the roster entries (inside the caller's transaction)."""
    existing_classes = set(session.scalars(
        select(SchoolClass.name).where(SchoolClass.school_id == school.id)))
    class_ids: dict[str, int] = {}
    for entry in entries:
        if entry.class_name not in class_ids:
            school_class = ensure_class(session, school, entry.class_name, entry.grade_level)
            class_ids[entry.class_name] = school_class.id
    students = {
        student.student_number: student
        for student in session.scalars(select(Student).where(Student.school_id == school.id))
    }
    open_memberships = {
        membership.student_id: membership
        for membership in session.scalars(
            select(ClassMembership)
            .join(Student)
            .where(Student.school_id == school.id, ClassMembership.ended_on.is_(None))
        )
    }
    new_entries = [entry for entry in entries if entry.student_number not in students]
    renamed = moved = gender_changed = 0
    changed: set[str] = set()
    for entry in entries:
        student = students.get(entry.student_number)
        if student is None:
            continue
        if student.name != entry.name:
            record_change(session, context, "rename", "student", student.id, "name",
                          student.name, entry.name)
            student.name = entry.name
            renamed += 1
            changed.add(entry.student_number)
        if entry.gender is not Gender.UNKNOWN and student.gender != entry.gender:
            record_change(session, context, "update", "student", student.id, "gender",
                          student.gender.value, entry.gender.value)
            student.gender = entry.gender
            gender_changed += 1
            changed.add(entry.student_number)
        membership = open_memberships.get(student.id)
        target_class = class_ids[entry.class_name]
        if membership is None or membership.class_id != target_class:
            if membership is not None:
                membership.ended_on = today
            session.add(ClassMembership(student_id=student.id, class_id=target_class,
                                        started_on=today))
            record_change(session, context, "move_class", "student", student.id, "class_id",
                          membership.class_id if membership else None, target_class)
            moved += 1
            changed.add(entry.student_number)
    if new_entries:
        _insert_students(session, school, new_entries, class_ids, today)
        record_change(session, context, "import", "roster", None, "students_added", None,
                      len(new_entries))
    return RosterImportSummary(
        rows=len(entries),
        added=len(new_entries),
        renamed=renamed,
        moved=moved,
        gender_changed=gender_changed,
        unchanged=len(entries) - len(new_entries) - len(changed),
        classes_created=len(set(class_ids) - existing_classes),
    )


def _insert_students(
    session: Session,
    school: School,
    entries: list[RosterEntry],
    class_ids: dict[str, int],
    today: dt.date,
) -> None:
    """Bulk-insert new students and their first class memberships."""
    rows = [
        {"school_id": school.id, "student_number": e.student_number, "name": e.name,
         "gender": e.gender}
        for e in entries
    ]
    ids = dict(session.execute(
        insert(Student).returning(Student.student_number, Student.id), rows
    ).all())
    session.execute(insert(ClassMembership), [
        {"student_id": ids[e.student_number], "class_id": class_ids[e.class_name],
         "started_on": today}
        for e in entries
    ])
