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

import cv2
import numpy as np

from bench.degraded_scans import render_blank_pages
from bench.mark_painting import MarkStyle, paint_page
from core.enums import Gender, ItemType, ScoringRule
from omr.layout import AnswerSheetLayout, FieldKind
from scanner.acquisition import AcquiredImage
from workflow.answer_key_import import ExamDetails, KeyEntry, apply_answer_key
from workflow.context import AppContext
from workflow.roster_import import RosterEntry, apply_roster
from workflow.school_records import current_school
from workflow.sheet_making import make_sheet_for_exam

DPI = 150
CLASS_NAME = "七年级(3)班"
STUDENTS = tuple(f"250703{seat:02d}" for seat in range(1, 9))
SUBJECTIVE_POINTS = 12.0


@dataclass(frozen=True)
class ScanExam:
    """The exam to scan into, its sheet layout and blank pages, and the key by label."""

    exam_id: int
    layout: AnswerSheetLayout
    blank_pages: list[np.ndarray]
    key: dict[str, KeyEntry]


def _key() -> list[KeyEntry]:
    entries = [KeyEntry(n, str(n), ItemType.SINGLE_CHOICE, "ABCD"[n % 4], 3.0,
                        ScoringRule.EXACT, 4, ()) for n in range(1, 21)]
    entries += [KeyEntry(n, str(n), ItemType.MULTIPLE_CHOICE, "AC" if n % 2 else "BCD", 4.0,
                         ScoringRule.PARTIAL_HALF, 4, ()) for n in range(21, 25)]
    entries += [KeyEntry(n, str(n), ItemType.TRUE_FALSE, "T" if n % 2 else "F", 2.0,
                         ScoringRule.EXACT, 2, ()) for n in range(25, 27)]
    entries += [KeyEntry(n, str(n), ItemType.SUBJECTIVE, "", SUBJECTIVE_POINTS,
                         ScoringRule.MANUAL, None, ()) for n in range(27, 30)]
    return entries


def make_scan_exam(context: AppContext, folder: Path, name: str = "单元测验（扫描）") -> ScanExam:
    """Roster of `STUDENTS`, the key above, the sheet printed and rasterised at `DPI`."""
    key = _key()

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
    given = answers or {}
    rng = np.random.default_rng(seed)
    answers = {f"id.{i + 1}": (digit,) for i, digit in enumerate(number)}
    answers["absent"] = ()
    for label, points in (scores or {}).items():
        tens, rest = divmod(points, 10)
        answers[f"s{label}.tens"] = (str(int(tens * 10)),) if tens else ()
        answers[f"s{label}.units"] = (str(int(rest)),)
        answers[f"s{label}.half"] = ("0.5",) if rest % 1 else ()
    answers.update(given)
    truth: dict[str, str] = {}
    images = []
    for index, page in enumerate(exam.layout.pages):
        canvas = exam.blank_pages[index].copy()
        for field in page.fields:
            if field.kind is FieldKind.SCORE_DIGIT and field.name not in answers:
                answers[field.name] = ()
        painted = paint_page(canvas, page, DPI, rng, answers,
                             style_weights={MarkStyle.FILLED: 1.0}, erasure_rate=0,
                             stray_marks=0)
        truth.update({p.name: p.truth for p in painted})
        data = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
        images.append(AcquiredImage(first_sequence + index, data, "image/jpeg",
                                    f"{origin}#{number}.{index + 1}"))
    return images, truth


def numbered(pages: list[AcquiredImage]) -> list[AcquiredImage]:
    """The pages renumbered 1…n in the order given, as one batch delivers them."""
    return [AcquiredImage(i, p.data, p.media_type, p.origin) for i, p in enumerate(pages, 1)]
