"""`ptw import scores FILE --exam ID`: per-item scores marked on another system.

The table has the student number (学号/考号) and one column per item, headed by the
item's label (题号: "1", "第1题", "1题", "T1" all work); other columns (姓名, 班级, 总分) are
ignored. Every cell is checked before anything is written: unknown student numbers,
a student twice, text where a score belongs, a score below 0 or above the item's points
are reported by row and column, and the file is refused as a whole. Empty cells mean
"no score" and leave the response unscored. A score that replaces a different one
already stored is audited.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ScoredBy
from core.errors import ImportProblem, ImportRejectedError
from core.i18n import LocalisedText
from core.models import AssessmentItem, Response, Student
from core.progress import CancelToken, ProgressCallback, ProgressUpdate, ignore_progress
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.exam_queries import find_assessment
from workflow.table_reader import ColumnSpec, Table, read_table

STUDENT_COLUMN = ColumnSpec("student_number", ("学号", "考号", "student number", "student"))


@dataclass(frozen=True, slots=True)
class ScoreCell:
    """One checked cell: which student, which item, what score (None: left empty)."""

    student_id: int
    assessment_item_id: int
    score: float | None


@dataclass(frozen=True, slots=True)
class ScoreImportSummary:
    """What an import wrote."""

    students: int
    items: int
    scores: int
    changed: int


def _item_columns(items: dict[str, AssessmentItem]) -> list[ColumnSpec]:
    return [ColumnSpec(label, (label, f"第{label}题", f"{label}题", f"T{label}", f"Q{label}"),
                       required=False) for label in items]


def parse_scores(table: Table, items: dict[str, AssessmentItem],
                 students: dict[str, int]) -> list[ScoreCell]:
    """The cells of `table` checked against the exam's items and the roster."""
    present = [label for label in items if label in table.columns]
    problems: list[ImportProblem] = []
    if not present:
        problems.append(table.problem(None, None, LocalisedText(
            "表中没有与本考试题号对应的列（列名应为题号，如“1”或“第1题”）。",
            "No column matches an item of this exam (columns are headed by the item "
            "label, e.g. “1” or “第1题”).")))
    cells: list[ScoreCell] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        number = row.get("student_number")
        student_id = students.get(number)
        if student_id is None:
            problems.append(table.problem(row.number, "student_number", LocalisedText(
                f"学号“{number}”不在名单中。" if number else "学号为空。",
                f"Student number “{number}” is not on the roster." if number
                else "The student number is empty.")))
            continue
        if number in seen:
            problems.append(table.problem(row.number, "student_number", LocalisedText(
                f"学号 {number} 重复（第 {seen[number]} 行已有）。",
                f"Student number {number} appears twice (already in row {seen[number]}).")))
            continue
        seen[number] = row.number
        for label in present:
            score, problem = _cell_score(row.get(label), items[label].points)
            if problem is not None:
                problems.append(table.problem(row.number, label, problem))
            else:
                cells.append(ScoreCell(student_id, items[label].id, score))
    if problems:
        raise ImportRejectedError(problems, source=table.source)
    return cells


def _cell_score(text: str, points: float) -> tuple[float | None, LocalisedText | None]:
    if text == "":
        return None, None
    try:
        score = float(text)
    except ValueError:
        return None, LocalisedText(f"“{text}”不是分数。", f"“{text}” is not a score.")
    if not math.isfinite(score) or score < 0 or score > points:
        return None, LocalisedText(f"分数 {text} 超出范围（0–{points:g} 分）。",
                                   f"The score {text} is out of range (0–{points:g}).")
    return score, None


def import_scores(context: AppContext, path: Path, exam_id: int,
                  progress: ProgressCallback = ignore_progress,
                  cancel: CancelToken | None = None) -> ScoreImportSummary:
    """Check and write a score table for the exam, all or nothing."""
    cancel = cancel or CancelToken()
    progress(ProgressUpdate(0, 2, LocalisedText("读取文件", "Reading the file")))

    def work(session: Session) -> ScoreImportSummary:
        school_id = find_assessment(session, exam_id).school_id
        items = {item.label: item for item in session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id == exam_id))}
        students = {number: student_id for number, student_id in session.execute(
            select(Student.student_number, Student.id).where(Student.school_id == school_id))}
        cells = parse_scores(read_table(Path(path), [STUDENT_COLUMN, *_item_columns(items)]),
                             items, students)
        cancel.raise_if_cancelled()
        progress(ProgressUpdate(1, 2, LocalisedText("写入数据库", "Writing to the database")))
        changed = sum(_write(session, context, cell, Path(path).name) for cell in cells)
        return ScoreImportSummary(len({c.student_id for c in cells}),
                                  len({c.assessment_item_id for c in cells}),
                                  sum(c.score is not None for c in cells), changed)

    summary = context.database.run(work)
    progress(ProgressUpdate(2, 2, LocalisedText("完成", "Done")))
    return summary


def _write(session: Session, context: AppContext, cell: ScoreCell, source: str) -> bool:
    """Store one score; True when it replaced a different stored score (audited)."""
    response = session.scalars(select(Response).where(
        Response.assessment_item_id == cell.assessment_item_id,
        Response.student_id == cell.student_id)).first()
    if response is None:
        response = Response(assessment_item_id=cell.assessment_item_id,
                            student_id=cell.student_id)
        session.add(response)
    changed = response.score is not None and response.score != cell.score
    if changed:
        session.flush()
        record_change(session, context, "import_score", "response", response.id, "score",
                      response.score, cell.score)
    response.score = cell.score
    response.scored_by = ScoredBy.IMPORT if cell.score is not None else None
    response.scorer = source[:100]
    response.scored_at = dt.datetime.now(dt.UTC)
    return changed


__all__ = ["ScoreCell", "ScoreImportSummary", "import_scores", "parse_scores"]
