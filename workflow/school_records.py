"""Finding or creating the station's school, its subjects, grades and classes."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Grade, School, SchoolClass, Subject

DEFAULT_SCHOOL_NAME = "本校"

STANDARD_SUBJECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("chinese", "语文", ("chinese", "yuwen")),
    ("math", "数学", ("math", "mathematics", "maths", "shuxue")),
    ("english", "英语", ("english",)),
    ("physics", "物理", ("physics",)),
    ("chemistry", "化学", ("chemistry",)),
    ("biology", "生物", ("biology",)),
    ("history", "历史", ("history",)),
    ("geography", "地理", ("geography",)),
    ("politics", "道德与法治", ("politics", "morality and law", "道法", "政治")),
    ("science", "科学", ("science",)),
    ("it", "信息技术", ("information technology", "it")),
)

GRADE_NAMES = {7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三"}
_GRADE_WORDS = {
    "七年级": 7, "八年级": 8, "九年级": 9, "初一": 7, "初二": 8, "初三": 9,
    "高一": 10, "高二": 11, "高三": 12,
}
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def current_school(session: Session, default_name: str = DEFAULT_SCHOOL_NAME) -> School:
    """The station's school (the first one), created on first use."""
    school = session.scalars(select(School).order_by(School.id).limit(1)).first()
    if school is None:
        school = School(name=default_name)
        session.add(school)
        session.flush()
    return school


def ensure_subjects(session: Session) -> dict[str, Subject]:
    """Make sure the standard subjects exist; return all subjects by name."""
    existing = {subject.code: subject for subject in session.scalars(select(Subject))}
    for code, name, _aliases in STANDARD_SUBJECTS:
        if code not in existing:
            existing[code] = Subject(code=code, name=name)
            session.add(existing[code])
    session.flush()
    return {subject.name: subject for subject in existing.values()}


def standard_subject_name(text: str) -> str | None:
    """The standard Chinese name of the subject `text` names (数学 for "math"), or None."""
    wanted = text.strip().lower()
    for code, name, aliases in STANDARD_SUBJECTS:
        if wanted in {name, code, *aliases}:
            return name
    return None


def find_subject(session: Session, text: str) -> Subject | None:
    """The subject named `text` in Chinese or English, or None."""
    subjects = ensure_subjects(session)
    name = standard_subject_name(text)
    return subjects[name] if name else subjects.get(text.strip())


def parse_grade_level(text: str) -> int | None:
    """The grade level (7 for 七年级/初一/7/701班) a text names, or None."""
    text = text.strip()
    if not text:
        return None
    for word, level in _GRADE_WORDS.items():
        if word in text:
            return level
    match = re.fullmatch(r"([1-9]|1[0-2])(年级)?", text)
    if match:
        return int(match.group(1))
    match = re.match(r"([七八九])年级", text)
    if match:
        return _DIGITS[match.group(1)]
    match = re.match(r"([789])\d{2}(班)?$", text)  # 701班 = grade 7, class 1
    return int(match.group(1)) if match else None


def ensure_grade(session: Session, school: School, level: int) -> Grade:
    """The school's grade at `level`, created if missing."""
    grade = session.scalars(
        select(Grade).where(Grade.school_id == school.id, Grade.level == level)
    ).first()
    if grade is None:
        grade = Grade(school_id=school.id, level=level, name=GRADE_NAMES.get(level, f"{level}年级"))
        session.add(grade)
        session.flush()
    return grade


def ensure_class(
    session: Session, school: School, name: str, grade_level: int | None
) -> SchoolClass:
    """The class called `name`, created (with its grade) if missing."""
    school_class = session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == name)
    ).first()
    level = grade_level or parse_grade_level(name)
    if school_class is None:
        grade = ensure_grade(session, school, level) if level else None
        school_class = SchoolClass(school_id=school.id, name=name, grade=grade)
        session.add(school_class)
        session.flush()
    elif school_class.grade_id is None and level:
        school_class.grade = ensure_grade(session, school, level)
    return school_class
