"""An exam with a roster and a printed two-page sheet, and answered sheets scanned from it.

`make_scan_exam` imports a small roster and an answer key, makes the exam's sheet with
the real designer and PDF renderer and rasterises it with pdftoppm; `answered_sheet`
paints one student's answers (and the teacher's score-bar marks) on it and returns the
pages as a scanner would deliver them, with the answers used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.degraded_scans import render_blank_pages
from bench.scan_exam_fixture import exam_key, paint_sheet
from core.enums import Gender
from omr.layout import AnswerSheetLayout
from scanner.acquisition import AcquiredImage
from workflow.answer_key_import import ExamDetails, KeyEntry, apply_answer_key
from workflow.context import AppContext
from workflow.roster_import import RosterEntry, apply_roster
from workflow.school_records import current_school
from workflow.sheet_making import make_sheet_for_exam

DPI = 150
CLASS_NAME = "七年级(3)班"
STUDENTS = tuple(f"250703{seat:02d}" for seat in range(1, 9))


@dataclass(frozen=True)
class ScanExam:
    """The exam to scan into, its sheet layout and blank pages, and the key by label."""

    exam_id: int
    layout: AnswerSheetLayout
    blank_pages: list[np.ndarray]
    key: dict[str, KeyEntry]


def make_scan_exam(context: AppContext, folder: Path, name: str = "单元测验（扫描）") -> ScanExam:
    """Roster of `STUDENTS`, the key above, the sheet printed and rasterised at `DPI`."""
    key = exam_key()

    def work(session: object) -> int:
        school = current_school(session)  # type: ignore[arg-type]
        roster = [RosterEntry(0, CLASS_NAME, number, f"测试学生{i}", Gender.UNKNOWN, 7)
                  for i, number in enumerate(STUDENTS)]
        apply_roster(session, context, school, roster, dt.date.today())  # type: ignore[arg-type]
        summary = apply_answer_key(session, context, ExamDetails(name), key)  # type: ignore[arg-type]
        return summary.assessment_id

    exam_id = context.database.run(work)
    made = make_sheet_for_exam(context, exam_id, folder / "sheet.pdf", folder / "layout.json")
    return ScanExam(exam_id, made.layout, render_blank_pages(folder / "sheet.pdf", DPI),
                    {entry.label: entry for entry in key})


def answered_sheet(exam: ScanExam, number: str, seed: int, *, scores: dict[str, float]
                   | None = None, answers: dict[str, tuple[str, ...]] | None = None,
                   first_sequence: int = 1, origin: str = "test"
                   ) -> tuple[list[AcquiredImage], dict[str, str]]:
    """One student's sheet, answered at random (seeded) except for `answers`, as JPEG pages.

    Returns the pages and the truth of every field.
    """
    pages, truth = paint_sheet(exam.layout, exam.blank_pages, DPI, number,
                               np.random.default_rng(seed), scores or {}, answers)
    images = [AcquiredImage(first_sequence + index, data, "image/jpeg",
                            f"{origin}#{number}.{index + 1}") for index, data in enumerate(pages)]
    return images, truth


def numbered(pages: list[AcquiredImage]) -> list[AcquiredImage]:
    """The pages renumbered 1…n in the order given, as one batch delivers them."""
    return [AcquiredImage(i, p.data, p.media_type, p.origin) for i, p in enumerate(pages, 1)]
