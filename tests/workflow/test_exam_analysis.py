"""`ptw analyse`: statistics, mastery, wrong-item book and practice stored for an exam."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.enums import ScoringRule
from core.errors import BadInputError
from core.models import (
    AnalysisResult,
    MasterySnapshot,
    Recommendation,
    WrongItemEntry,
)
from tests.workflow.ptw_process import run_ptw
from workflow.answer_key_import import ExamDetails, KeyEntry, apply_answer_key
from workflow.context import AppContext
from workflow.demo_school import create_demo
from workflow.exam_analysis import _carried_prior, analyse_exam
from workflow.exam_matrix import load_exam_matrix

pytestmark = pytest.mark.database


def _count(context: AppContext, model: type) -> int:
    with context.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_exam_is_analysed_and_stored(context: AppContext) -> None:
    demo = create_demo(context)
    summary = analyse_exam(context, demo.exam_id, today=dt.date.today())
    assert (summary.students, summary.items) == (135, 40)
    assert summary.alpha is not None and 0.7 < summary.alpha < 1
    with context.database.transaction() as session:
        documents = {r.kind: r.data for r in session.scalars(select(AnalysisResult))}
        matrix = load_exam_matrix(session, demo.exam_id)
        snapshots = session.scalars(select(MasterySnapshot)).all()
        entries = session.scalars(select(WrongItemEntry)).all()
        proposals = session.scalars(select(Recommendation)).all()
    assert set(documents) == {"item_statistics", "report_metrics"}
    items = documents["item_statistics"]["items"]
    assert len(items) == 40 and all(0 <= item["difficulty"] <= 1 for item in items)
    grade = documents["report_metrics"]["summary"]["grade"]
    assert grade["n_students"] == 135 and grade["max"] <= float(matrix.full_marks.sum())
    assert len(snapshots) == 135 * summary.knowledge_points
    assert all(0 <= s.probability <= 1 for s in snapshots)
    wrong = int((matrix.scores < matrix.full_marks[None, :]).sum())
    assert len(entries) == summary.wrong_items == wrong
    assert all(e.score < e.full_marks for e in entries)
    assert len(proposals) == summary.recommendations > 0
    assert {p.reason for p in proposals} <= {"due_retry", "weak_point"}
    again = analyse_exam(context, demo.exam_id)
    assert again.recommendations == summary.recommendations
    assert _count(context, MasterySnapshot) == len(snapshots)
    assert _count(context, WrongItemEntry) == len(entries)
    assert _count(context, AnalysisResult) == 2


def test_mastery_carries_over_to_the_next_exam(context: AppContext) -> None:
    demo = create_demo(context)
    analyse_exam(context, demo.exam_id)
    with context.database.transaction() as session:
        first = load_exam_matrix(session, demo.exam_id)
    with context.database.transaction() as session:
        assert _carried_prior(session, first, 0.3) is None  # its own estimate is no prior
    key = [KeyEntry(1, "1", first.item_types[0], first.keys[0], 3.0, ScoringRule.EXACT, 4,
                    (first.kp_codes[0],))]

    def work(session: object) -> int:
        return apply_answer_key(session, context, ExamDetails("单元小测"),  # type: ignore[arg-type]
                                key).assessment_id

    second_id = context.database.run(work)
    with context.database.transaction() as session:
        second = load_exam_matrix(session, second_id)
        second = type(second)(**{**second.__dict__, "student_ids": first.student_ids[:5],
                                 "kp_ids": first.kp_ids[:1]})
        remembered = _carried_prior(session, second, 0.0)
        forgotten = _carried_prior(session, second, 1.0)
    assert remembered is not None and forgotten is not None
    assert remembered.mastery.shape == (5, 1)
    assert not (remembered.mastery == forgotten.mastery).all()
    assert (forgotten.mastery == forgotten.population[None, :]).all()


def test_an_exam_without_results_is_refused(context: AppContext) -> None:
    def work(session: object) -> int:
        return apply_answer_key(session, context, ExamDetails("空考试"),  # type: ignore[arg-type]
                                []).assessment_id

    exam_id = context.database.run(work)
    with pytest.raises(BadInputError) as refused:
        analyse_exam(context, exam_id)
    assert "还没有任何成绩" in refused.value.user_message.zh


def test_the_command_reports_alpha_and_warnings(station_env: dict[str, str],
                                                tmp_path: Path) -> None:
    assert run_ptw(station_env, "demo").returncode == 0
    done = run_ptw(station_env, "analyse", "--exam", "1")
    assert done.returncode == 0, done.stderr
    assert "分析完成：135 名学生、40 题，信度 α = 0." in done.stdout
    assert "只有一道题" in done.stderr
