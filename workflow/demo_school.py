"""The demo school: 3 classes × 45 students with obviously fake names, one 40-item
mathematics exam with knowledge-point tags, an answer key and simulated results.

Everything is generated from a fixed seed, so two demo databases are identical. Names
are "surname + 同学 + number" (赵同学07): nobody could take them for real students.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.enums import Gender, ItemType, ScoredBy, ScoringRule
from core.i18n import LocalisedText
from core.models import (
    Assessment,
    AssessmentClass,
    AssessmentItem,
    KnowledgePoint,
    Response,
    SchoolClass,
    Student,
)
from core.progress import ProgressCallback, ProgressUpdate, ignore_progress
from workflow.answer_key_import import OPTION_LETTERS, ExamDetails, KeyEntry, apply_answer_key
from workflow.context import AppContext
from workflow.knowledge_point_import import install_shipped_trees
from workflow.roster_import import RosterEntry, apply_roster
from workflow.school_records import current_school

DEMO_SCHOOL_NAME = "演示中学（虚构）"
DEMO_EXAM_NAME = "七年级数学期中测试（演示）"
DEMO_CLASSES = ("七年级(1)班", "七年级(2)班", "七年级(3)班")
STUDENTS_PER_CLASS = 45
_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹"
_SEED = 20241107

# (first label, last label, type, points, rule)
_EXAM_PLAN = (
    (1, 10, ItemType.SINGLE_CHOICE, 3.0, ScoringRule.EXACT),
    (11, 14, ItemType.MULTIPLE_CHOICE, 4.0, ScoringRule.PARTIAL_HALF),
    (15, 18, ItemType.TRUE_FALSE, 2.0, ScoringRule.EXACT),
    (19, 26, ItemType.FILL_BLANK, 3.0, ScoringRule.EXACT),
    (27, 32, ItemType.SUBJECTIVE, 4.0, ScoringRule.MANUAL),
    (33, 38, ItemType.SUBJECTIVE, 5.0, ScoringRule.MANUAL),
    (39, 40, ItemType.SUBJECTIVE, 9.0, ScoringRule.MANUAL),
)
_SECTIONS = {
    ItemType.SINGLE_CHOICE: "一、单项选择题", ItemType.MULTIPLE_CHOICE: "二、多项选择题",
    ItemType.TRUE_FALSE: "三、判断题", ItemType.FILL_BLANK: "四、填空题",
    ItemType.SUBJECTIVE: "五、解答题",
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What `create_demo` made (or found already there)."""

    created: bool
    exam_id: int
    students: int
    items: int


def demo_roster() -> list[RosterEntry]:
    """The 135 demo students, 45 in each of three grade-7 classes."""
    rng = random.Random(_SEED)
    entries = []
    for class_index, class_name in enumerate(DEMO_CLASSES, start=1):
        for seat in range(1, STUDENTS_PER_CLASS + 1):
            number = f"2507{class_index:02d}{seat:02d}"  # 8 digits: fits the sheet's ID grid
            name = f"{rng.choice(_SURNAMES)}同学{seat:02d}"
            gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
            entries.append(RosterEntry(0, class_name, number, name, gender, 7))
    return entries


def demo_answer_key(kp_codes: list[str]) -> list[KeyEntry]:
    """The 40 items of the demo exam, each tagged with one or two grade-7 knowledge points."""
    rng = random.Random(_SEED + 1)
    entries = []
    for first, last, item_type, points, rule in _EXAM_PLAN:
        for label in range(first, last + 1):
            if item_type is ItemType.SINGLE_CHOICE:
                answer, options = rng.choice("ABCD"), 4
            elif item_type is ItemType.MULTIPLE_CHOICE:
                answer, options = "".join(sorted(rng.sample("ABCD", rng.choice((2, 3))))), 4
            elif item_type is ItemType.TRUE_FALSE:
                answer, options = rng.choice("TF"), 2
            elif item_type is ItemType.FILL_BLANK:
                answer, options = str(rng.randint(-20, 40)), None
            else:
                answer, options = "见评分标准", None
            start = (label - 1) * len(kp_codes) // 40
            codes = tuple(sorted({kp_codes[start], kp_codes[(start + 3) % len(kp_codes)]}
                                 if label % 3 == 0 else {kp_codes[start]}))
            entries.append(KeyEntry(0, str(label), item_type, answer, points, rule, options,
                                    codes, _SECTIONS[item_type]))
    return entries


def _simulated_answer(rng: random.Random, placement: AssessmentItem, correct: bool
                      ) -> tuple[str, float]:
    item, points = placement.item, placement.points
    if item.item_type is ItemType.SUBJECTIVE:
        share = min(1.0, max(0.0, rng.gauss(0.8 if correct else 0.35, 0.2)))
        score = round(share * points * 2) / 2
        return "", score
    if correct:
        return item.answer, points
    if item.item_type is ItemType.MULTIPLE_CHOICE and rng.random() < 0.5:
        return item.answer[: max(1, len(item.answer) - 1)], points / 2
    letters = OPTION_LETTERS[: item.option_count or 4]
    if item.item_type is ItemType.TRUE_FALSE:
        return ("F" if item.answer == "T" else "T"), 0.0
    if item.item_type is ItemType.FILL_BLANK:
        return str(int(item.answer) + rng.choice((-2, -1, 1, 2))), 0.0
    return rng.choice([c for c in letters if c not in item.answer]), 0.0


def _simulate_results(session: Session, assessment: Assessment,
                      student_ids: list[int]) -> int:
    """Responses from a two-parameter logistic model with a fixed seed."""
    rng = random.Random(_SEED + 2)
    placements = list(session.scalars(select(AssessmentItem).where(
        AssessmentItem.assessment_id == assessment.id).order_by(AssessmentItem.position)))
    difficulty = {p.id: rng.uniform(-1.8, 1.5) + p.position / 40 for p in placements}
    rows = []
    scored_at = dt.datetime.combine(assessment.held_on, dt.time(12), dt.UTC)
    for student_id in student_ids:
        ability = rng.gauss(0.3, 1.0)
        for placement in placements:
            p_correct = 1 / (1 + math.exp(-1.7 * (ability - difficulty[placement.id])))
            value, score = _simulated_answer(rng, placement, rng.random() < p_correct)
            rows.append({"assessment_item_id": placement.id, "student_id": student_id,
                         "value": value, "score": score, "confidence": 1.0,
                         "scored_by": ScoredBy.SIMULATION, "scorer": "demo",
                         "scored_at": scored_at})
    session.execute(insert(Response), rows)
    return len(rows)


def create_demo(
    context: AppContext,
    progress: ProgressCallback = ignore_progress,
    today: dt.date | None = None,
) -> DemoSummary:
    """Create the demo school's classes, students, exam and results, once."""
    today = today or dt.date.today()

    def work(session: Session) -> DemoSummary:
        existing = session.scalars(select(Assessment).where(
            Assessment.name == DEMO_EXAM_NAME)).first()
        if existing is not None:
            return DemoSummary(False, existing.id, 0, len(existing.items))
        school = current_school(session, DEMO_SCHOOL_NAME)
        progress(ProgressUpdate(1, 4, LocalisedText("知识点", "Knowledge points")))
        install_shipped_trees(session, context)
        kp_codes = sorted(session.scalars(select(KnowledgePoint.code).where(
            KnowledgePoint.code.like("MA.7A.__.__.__"))))
        progress(ProgressUpdate(2, 4, LocalisedText("学生名单", "Roster")))
        roster = demo_roster()
        apply_roster(session, context, school, roster, today - dt.timedelta(days=60))
        progress(ProgressUpdate(3, 4, LocalisedText("考试与答案", "Exam and key")))
        key = demo_answer_key(kp_codes)
        exam = ExamDetails(DEMO_EXAM_NAME, "数学", today - dt.timedelta(days=7), grade_level=7)
        summary = apply_answer_key(session, context, exam, key)
        assessment = session.get(Assessment, summary.assessment_id)
        assert assessment is not None
        classes = session.scalars(select(SchoolClass).where(
            SchoolClass.school_id == school.id, SchoolClass.name.in_(DEMO_CLASSES))).all()
        session.add_all(AssessmentClass(assessment_id=assessment.id, class_id=c.id)
                        for c in classes)
        session.flush()
        session.refresh(assessment)
        student_ids = list(session.scalars(select(Student.id).where(
            Student.student_number.in_([entry.student_number for entry in roster]))))
        _simulate_results(session, assessment, student_ids)
        progress(ProgressUpdate(4, 4, LocalisedText("完成", "Done")))
        return DemoSummary(True, assessment.id, len(roster), len(key))

    return context.database.run(work)
