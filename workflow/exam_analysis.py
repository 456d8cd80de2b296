"""`ptw analyse --exam ID`: statistics, mastery, wrong-item book and practice for one exam.

The maths is in analytics/ (numpy in, dataclasses out); this module reads the exam's
results, runs it, and stores what it found in one transaction:

- item and test statistics and the Chinese report metrics, as `AnalysisResult` documents;
- each student's mastery of each knowledge point (DINA, carried over from the latest
  earlier estimate with the configured forgetting) as `MasterySnapshot` rows;
- the wrong-item book refreshed from every scored response of the exam;
- a practice list per student (`Recommendation`, replacing the unassigned proposals).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from analytics.item_statistics import TestStatistics, analyse
from analytics.mastery import MasteryPrior, MasteryResult, fit_mastery
from analytics.practice_recommendation import (
    ItemBank,
    PracticeSettings,
    recommend_practice,
)
from analytics.report_metrics import knowledge_point_rates, summarise_exam
from analytics.wrong_item_book import (
    AnsweredItem,
    WrongItem,
    by_student,
    due_entries,
    wrong_items,
)
from core.enums import RecommendationStatus
from core.errors import BadInputError
from core.i18n import LocalisedText
from core.models import (
    AnalysisResult,
    Item,
    ItemKnowledgePoint,
    MasterySnapshot,
    Recommendation,
    WrongItemEntry,
)
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from workflow.context import AppContext
from workflow.exam_matrix import ExamMatrix, load_exam_matrix

MASTERY_METHOD = "dina"
DEFAULT_SLIP = DEFAULT_GUESS = 0.2
"""Slip and guess assumed for bank items this exam did not estimate."""


@dataclass(frozen=True, slots=True)
class AnalysisSummary:
    """What one analysis found and stored."""

    exam_id: int
    students: int
    items: int
    alpha: float | None
    knowledge_points: int
    wrong_items: int
    recommendations: int
    warnings: tuple[LocalisedText, ...]


def _stage(progress: ProgressCallback, done: int, zh: str, en: str) -> None:
    progress(ProgressUpdate(done, 5, LocalisedText(zh, en)))


def analyse_exam(context: AppContext, exam_id: int, progress: ProgressCallback = ignore_progress,
                 cancel: CancelToken | None = None, today: dt.date | None = None
                 ) -> AnalysisSummary:
    """Analyse the exam and store the results (see the module docstring)."""
    cancel = cancel or CancelToken()
    today = today or dt.date.today()
    _stage(progress, 0, "读取成绩", "Reading the results")
    with context.database.transaction() as session:
        matrix = load_exam_matrix(session, exam_id)
        prior = _carried_prior(session, matrix, context.settings.analytics.mastery_forgetting)
    if not matrix.student_ids:
        raise BadInputError(LocalisedText(
            "该考试还没有任何成绩：请先扫描答题卡或导入成绩（ptw import scores）。",
            "The exam has no results yet: scan its answer sheets or import scores "
            "(ptw import scores) first."))
    cancel.raise_if_cancelled()
    _stage(progress, 1, "统计分析", "Statistics")
    statistics = analyse(matrix.scores, matrix.full_marks, options=_options(matrix),
                         keys=[matrix.keys[j] if j in matrix.choice_columns else None
                               for j in range(len(matrix.labels))])
    report = _report(matrix, context)
    cancel.raise_if_cancelled()
    _stage(progress, 2, "知识点掌握", "Knowledge-point mastery")
    mastery = _mastery(matrix, prior)
    cancel.raise_if_cancelled()
    _stage(progress, 3, "保存结果", "Saving")

    def work(session: Session) -> AnalysisSummary:
        _store_documents(session, exam_id, statistics, report)
        _store_mastery(session, matrix, mastery)
        book = _refresh_wrong_items(session, matrix, today)
        count = _store_recommendations(session, context, matrix, mastery, book, today)
        warnings = _mastery_warnings(matrix, mastery)
        return AnalysisSummary(exam_id, len(matrix.student_ids), len(matrix.labels),
                               statistics.alpha, len(matrix.kp_ids), len(book), count, warnings)

    summary = context.database.run(work)
    _stage(progress, 5, "完成", "Done")
    return summary


_WARNING_TEXT = {
    "item_without_kp": ("{count} 道题没有标注知识点，未计入掌握度：第 {names} 题。",
                        "{count} item(s) have no knowledge point and count for no mastery: "
                        "{names}."),
    "kp_single_item": ("{count} 个知识点只有一道题，掌握度估计不够可靠：{names}。",
                       "{count} knowledge point(s) rest on a single item, so their mastery is "
                       "rough: {names}."),
    "kp_without_item": ("{count} 个知识点没有可用的题目：{names}。",
                        "{count} knowledge point(s) have no usable item: {names}."),
    "student_no_response": ("{count} 名学生没有作答记录，沿用先前的掌握度：{names}。",
                            "{count} student(s) answered nothing; their earlier mastery is "
                            "kept: {names}."),
}


def _mastery_warnings(matrix: ExamMatrix, mastery: MasteryResult | None
                      ) -> tuple[LocalisedText, ...]:
    """The model's warnings, one line per kind, naming items by label and KPs by code."""
    if mastery is None:
        return (LocalisedText("本考试的题目没有标注知识点，未计算知识点掌握度。",
                              "No item of this exam is tagged with a knowledge point; mastery "
                              "was not computed."),)
    names = {"item_without_kp": matrix.labels, "kp_single_item": matrix.kp_codes,
             "kp_without_item": matrix.kp_codes, "student_no_response": matrix.student_numbers}
    grouped: dict[str, list[str]] = {}
    for warning in mastery.warnings:
        grouped.setdefault(warning.code, []).append(names.get(warning.code, [])[warning.index]
                                                    if warning.code in names else "")
    lines = []
    for code, listed in grouped.items():
        zh, en = _WARNING_TEXT.get(code, ("{count} 条提示：{names}", "{count} notes: {names}"))
        shown = "、".join(listed[:8]) + ("…" if len(listed) > 8 else "")
        lines.append(LocalisedText(zh.format(count=len(listed), names=shown),
                                   en.format(count=len(listed), names=shown.replace("、", ", "))))
    return tuple(lines)


def _options(matrix: ExamMatrix) -> np.ndarray:
    return np.array(matrix.answers, dtype=object).reshape(len(matrix.student_ids),
                                                          len(matrix.labels))


def _report(matrix: ExamMatrix, context: AppContext) -> dict[str, Any]:
    totals = np.where(np.isnan(matrix.scores).all(axis=1), np.nan,
                      np.nansum(matrix.scores, axis=1))
    lines = context.settings.grading
    summary = summarise_exam(totals, float(matrix.full_marks.sum()), classes=matrix.classes,
                             lines=lines, band_width=lines.band_width)
    rates = knowledge_point_rates(matrix.scores, matrix.full_marks, matrix.q_matrix,
                                  classes=matrix.classes)
    return {"summary": to_document(summary), "knowledge_points": matrix.kp_codes,
            "knowledge_point_rates": to_document(rates),
            "students": matrix.student_numbers}


def _mastery(matrix: ExamMatrix, prior: MasteryPrior | None) -> MasteryResult | None:
    if not matrix.kp_ids:
        return None
    return fit_mastery(matrix.scores, matrix.q_matrix, matrix.full_marks, prior=prior,
                       kp_ids=matrix.kp_ids, student_ids=matrix.student_ids)


def _carried_prior(session: Session, matrix: ExamMatrix, forgetting: float
                   ) -> MasteryPrior | None:
    """The students' latest earlier mastery of the exam's KPs, shrunk toward the average."""
    if not matrix.kp_ids:
        return None
    latest = (select(MasterySnapshot.student_id, MasterySnapshot.knowledge_point_id,
                     func.max(MasterySnapshot.id).label("newest"))
              .where(MasterySnapshot.knowledge_point_id.in_(matrix.kp_ids),
                     MasterySnapshot.student_id.in_(matrix.student_ids),
                     MasterySnapshot.assessment_id != matrix.exam_id)
              .group_by(MasterySnapshot.student_id, MasterySnapshot.knowledge_point_id)
              .subquery())
    rows = session.execute(select(MasterySnapshot.student_id,
                                  MasterySnapshot.knowledge_point_id,
                                  MasterySnapshot.probability)
                           .join(latest, MasterySnapshot.id == latest.c.newest)).all()
    if not rows:
        return None
    row_of = {s: i for i, s in enumerate(matrix.student_ids)}
    column_of = {k: j for j, k in enumerate(matrix.kp_ids)}
    known = np.full((len(matrix.student_ids), len(matrix.kp_ids)), np.nan)
    for student_id, kp_id, probability in rows:
        known[row_of[student_id], column_of[kp_id]] = probability
    population = np.array([np.nanmean(c) if np.isfinite(c).any() else 0.5 for c in known.T])
    carried = np.where(np.isnan(known), population[None, :], known)
    carried = (1 - forgetting) * carried + forgetting * population[None, :]
    return MasteryPrior(tuple(matrix.kp_ids), carried, population, tuple(matrix.student_ids))


def _store_documents(session: Session, exam_id: int, statistics: TestStatistics,
                     report: dict[str, Any]) -> None:
    session.execute(delete(AnalysisResult).where(AnalysisResult.assessment_id == exam_id))
    session.add(AnalysisResult(assessment_id=exam_id, kind="item_statistics",
                               data=to_document(statistics)))
    session.add(AnalysisResult(assessment_id=exam_id, kind="report_metrics", data=report))


def _store_mastery(session: Session, matrix: ExamMatrix, mastery: MasteryResult | None) -> None:
    session.execute(delete(MasterySnapshot).where(
        MasterySnapshot.assessment_id == matrix.exam_id))
    if mastery is None:
        return
    session.add_all(
        MasterySnapshot(student_id=student_id, knowledge_point_id=kp_id,
                        assessment_id=matrix.exam_id, probability=float(mastery.mastery[i, k]),
                        method=MASTERY_METHOD)
        for i, student_id in enumerate(matrix.student_ids)
        for k, kp_id in enumerate(matrix.kp_ids) if math.isfinite(mastery.mastery[i, k]))


def _refresh_wrong_items(session: Session, matrix: ExamMatrix, today: dt.date
                         ) -> list[WrongItem]:
    """Add this exam's wrong answers to the book (keeping schedules already running)."""
    kps = _item_kps(session, matrix.item_ids)
    answered = [AnsweredItem(student_id, matrix.item_ids[j], matrix.exam_id,
                             kps.get(matrix.item_ids[j], ()), matrix.answers[i][j] or None,
                             matrix.keys[j], float(matrix.scores[i, j]),
                             float(matrix.full_marks[j]), matrix.held_on)
                for i, student_id in enumerate(matrix.student_ids)
                for j in range(len(matrix.labels)) if not np.isnan(matrix.scores[i, j])]
    fresh = wrong_items(answered)
    existing = {(e.student_id, e.item_id): e for e in session.scalars(
        select(WrongItemEntry).where(WrongItemEntry.student_id.in_(matrix.student_ids)))}
    for entry in fresh:
        row = existing.get((entry.student_id, entry.item_id))
        review = entry.review
        assert review is not None
        if row is None:
            session.add(WrongItemEntry(
                student_id=entry.student_id, item_id=entry.item_id,
                assessment_id=entry.assessment_id, answer=entry.answer,
                right_answer=entry.right_answer, score=entry.score,
                full_marks=entry.full_marks, answered_on=entry.answered_on,
                box=review.box, due_on=review.due))
        elif row.assessment_id == entry.assessment_id:  # the same exam analysed again
            row.answer, row.score = entry.answer, entry.score
        elif row.answered_on <= entry.answered_on:  # wrong again later: back to box 1
            row.assessment_id, row.answer, row.score = (entry.assessment_id, entry.answer,
                                                        entry.score)
            row.full_marks, row.answered_on = entry.full_marks, entry.answered_on
            row.box, row.due_on, row.right_in_a_row, row.retired = (review.box, review.due,
                                                                     0, False)
    session.flush()
    return fresh


def _item_kps(session: Session, item_ids: list[int]) -> dict[int, tuple[int, ...]]:
    kps: dict[int, list[int]] = {}
    for item_id, kp_id in session.execute(select(
            ItemKnowledgePoint.item_id, ItemKnowledgePoint.knowledge_point_id).where(
            ItemKnowledgePoint.item_id.in_(item_ids))):
        kps.setdefault(item_id, []).append(kp_id)
    return {item_id: tuple(sorted(ids)) for item_id, ids in kps.items()}


def _store_recommendations(session: Session, context: AppContext, matrix: ExamMatrix,
                           mastery: MasteryResult | None, book: list[WrongItem],
                           today: dt.date) -> int:
    """Replace each student's unassigned proposals with a fresh practice list."""
    if mastery is None:
        return 0
    bank = _school_bank(session, matrix, mastery)
    if len(bank.item_ids) == 0:
        return 0
    settings = context.settings.analytics
    practice = PracticeSettings(count=settings.practice_items, recent_days=settings.recent_days)
    seen = _days_since_seen(matrix, bank, today)
    session.execute(delete(Recommendation).where(
        Recommendation.student_id.in_(matrix.student_ids),
        Recommendation.status == RecommendationStatus.PROPOSED))
    count = 0
    books = by_student(book)
    for i, student_id in enumerate(matrix.student_ids):
        due = [e.item_id for e in due_entries(books.get(student_id, []), student_id, today)]
        for pick in recommend_practice(mastery.mastery[i], bank, seen[i], due, practice):
            kp = matrix.kp_ids[pick.knowledge_point] if pick.knowledge_point is not None \
                else None
            session.add(Recommendation(student_id=student_id, item_id=pick.item_id,
                                       knowledge_point_id=kp,
                                       predicted_success=round(pick.predicted_success, 4),
                                       reason=pick.reason))
            count += 1
    return count


def _school_bank(session: Session, matrix: ExamMatrix, mastery: MasteryResult) -> ItemBank:
    """Every item of the school tagged with one of the exam's KPs, as a practice bank."""
    column_of = {kp: k for k, kp in enumerate(matrix.kp_ids)}
    links = session.execute(select(ItemKnowledgePoint.item_id,
                                   ItemKnowledgePoint.knowledge_point_id).join(
        Item, Item.id == ItemKnowledgePoint.item_id).where(
        ItemKnowledgePoint.knowledge_point_id.in_(matrix.kp_ids))).all()
    item_ids = sorted({item_id for item_id, _ in links})
    row_of = {item_id: r for r, item_id in enumerate(item_ids)}
    q = np.zeros((len(item_ids), len(matrix.kp_ids)), dtype=int)
    for item_id, kp_id in links:
        q[row_of[item_id], column_of[kp_id]] = 1
    slip = np.full(len(item_ids), DEFAULT_SLIP)
    guess = np.full(len(item_ids), DEFAULT_GUESS)
    for j, item_id in enumerate(matrix.item_ids):
        if item_id in row_of and math.isfinite(mastery.slip[j]):
            slip[row_of[item_id]], guess[row_of[item_id]] = mastery.slip[j], mastery.guess[j]
    return ItemBank(np.array(item_ids, dtype=int), q, slip, guess)


def _days_since_seen(matrix: ExamMatrix, bank: ItemBank, today: dt.date) -> np.ndarray:
    """Students × bank items: days since the student answered it in this exam (else ∞)."""
    seen = np.full((len(matrix.student_ids), len(bank.item_ids)), np.inf)
    column_of = {int(item_id): c for c, item_id in enumerate(bank.item_ids)}
    days = (today - matrix.held_on).days
    for j, item_id in enumerate(matrix.item_ids):
        column = column_of.get(item_id)
        if column is not None:
            answered = ~np.isnan(matrix.scores[:, j])
            seen[answered, column] = days
    return seen


def to_document(value: Any) -> Any:
    """Dataclasses, enums, numpy values and LocalisedText as JSON-ready data (NaN → None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_document(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_document(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_document(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_document(value.tolist())
    if isinstance(value, np.generic):
        return to_document(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


__all__ = ["AnalysisSummary", "analyse_exam", "to_document"]
