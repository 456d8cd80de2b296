"""An exam's results as the analytics take them: a students × items score matrix and its labels.

Students are those with at least one response to the exam; a missing response is NaN.
Items come in paper order with their full marks, type, key, bank item and knowledge
points (the item × KP Q-matrix over the KPs any item of the exam is tagged with).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ItemType
from core.models import (
    AssessmentItem,
    ClassMembership,
    Item,
    ItemKnowledgePoint,
    KnowledgePoint,
    Response,
    SchoolClass,
    Student,
)
from workflow.exam_queries import find_assessment


@dataclass(frozen=True)
class ExamMatrix:
    """Scores (students × items, NaN missing), answers, and who and what the rows/columns are."""

    exam_id: int
    held_on: dt.date
    student_ids: list[int]
    student_numbers: list[str]
    classes: list[str]
    assessment_item_ids: list[int]
    item_ids: list[int]
    labels: list[str]
    item_types: list[ItemType]
    keys: list[str]
    full_marks: np.ndarray
    scores: np.ndarray
    answers: list[list[str]]
    kp_ids: list[int]
    kp_codes: list[str]
    q_matrix: np.ndarray

    @property
    def choice_columns(self) -> list[int]:
        """Columns of choice items (single, multiple, true/false), for option analysis."""
        return [j for j, kind in enumerate(self.item_types)
                if kind in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE,
                            ItemType.TRUE_FALSE)]


def load_exam_matrix(session: Session, exam_id: int) -> ExamMatrix:
    """Read the exam's items, responses, classes and knowledge points."""
    exam = find_assessment(session, exam_id)
    rows = session.execute(select(AssessmentItem, Item).join(
        Item, AssessmentItem.item_id == Item.id).where(
        AssessmentItem.assessment_id == exam_id).order_by(AssessmentItem.position)).all()
    column = {placement.id: j for j, (placement, _) in enumerate(rows)}
    responses = session.execute(select(
        Response.student_id, Response.assessment_item_id, Response.score, Response.value).where(
        Response.assessment_item_id.in_(column))).all()
    student_ids = sorted({r.student_id for r in responses})
    row_of = {student_id: i for i, student_id in enumerate(student_ids)}
    scores = np.full((len(student_ids), len(rows)), np.nan)
    answers = [[""] * len(rows) for _ in student_ids]
    for student_id, placement_id, score, value in responses:
        i, j = row_of[student_id], column[placement_id]
        scores[i, j] = np.nan if score is None else score
        answers[i][j] = value or ""
    numbers = dict(session.execute(select(Student.id, Student.student_number).where(
        Student.id.in_(student_ids))).all())
    classes = _classes(session, student_ids)
    kp_ids, kp_codes, q_matrix = _q_matrix(session, [item.id for _, item in rows])
    return ExamMatrix(
        exam_id, exam.held_on, student_ids, [numbers[s] for s in student_ids],
        [classes.get(s, "") for s in student_ids], [p.id for p, _ in rows],
        [item.id for _, item in rows], [p.label for p, _ in rows],
        [item.item_type for _, item in rows], [item.answer or "" for _, item in rows],
        np.array([p.points for p, _ in rows], dtype=float), scores, answers,
        kp_ids, kp_codes, q_matrix)


def _classes(session: Session, student_ids: list[int]) -> dict[int, str]:
    return dict(session.execute(
        select(ClassMembership.student_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(ClassMembership.ended_on.is_(None),
               ClassMembership.student_id.in_(student_ids))).all())


def _q_matrix(session: Session, item_ids: list[int]) -> tuple[list[int], list[str], np.ndarray]:
    links = session.execute(select(ItemKnowledgePoint.item_id, KnowledgePoint.id,
                                   KnowledgePoint.code)
                            .join(KnowledgePoint,
                                  KnowledgePoint.id == ItemKnowledgePoint.knowledge_point_id)
                            .where(ItemKnowledgePoint.item_id.in_(item_ids))).all()
    codes = dict(sorted({(kp_id, code) for _, kp_id, code in links}))
    kp_ids = list(codes)
    kp_column = {kp_id: k for k, kp_id in enumerate(kp_ids)}
    item_row = {item_id: j for j, item_id in enumerate(item_ids)}
    q_matrix = np.zeros((len(item_ids), len(kp_ids)), dtype=int)
    for item_id, kp_id, _ in links:
        q_matrix[item_row[item_id], kp_column[kp_id]] = 1
    return kp_ids, [codes[k] for k in kp_ids], q_matrix


__all__ = ["ExamMatrix", "load_exam_matrix"]
