"""A station with an exam to scan into, and folders of answered sheets scanned from it.

The scanning benches and the fault tests need what a school has on scan day: a migrated
database, a roster, an exam with its key and printed two-page sheet, and a stack of
answered sheets as JPEG files in a folder (one file per page, named in scan order).
`open_station` makes the station, `build_exam` the exam (rasterised at any dpi), and
`write_scans` the folder; the same seed gives byte-identical files, so a second station
can scan exactly the same stack for comparison.
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
from core.i18n import Language
from core.settings import Settings
from omr.layout import AnswerSheetLayout, FieldKind
from workflow.answer_key_import import ExamDetails, KeyEntry, apply_answer_key
from workflow.context import AppContext, open_context
from workflow.roster_import import RosterEntry, apply_roster
from workflow.school_records import current_school
from workflow.sheet_making import make_sheet_for_exam
from workflow.station_setup import prepare_database

CLASS_SIZE = 50
EXAM_NAME = "单元测验（扫描基准）"
SCORES = {"27": 7.5, "28": 12.0, "29": 0.0}
"""Points a teacher wrote in the score bars of the three subjective items."""


@dataclass(frozen=True)
class BenchExam:
    """An exam in a station's database: its id, layout, blank pages at `dpi`, roster."""

    exam_id: int
    layout: AnswerSheetLayout
    blank_pages: list[np.ndarray]
    dpi: int
    students: tuple[str, ...]


def station_env(data_dir: Path, database_url: str, name: str = "bench-station"
                ) -> dict[str, str]:
    """The PTW_* environment of a station whose data folder is `data_dir`."""
    return {"PTW_DATA_DIR": str(data_dir), "PTW_DATABASE_URL": database_url,
            "PTW_STATION_NAME": name, "PTW_LANGUAGE": "zh_CN"}


def open_station(env: dict[str, str]) -> AppContext:
    """A context on the station named by `env`, its database migrated (no demo school).

    `env` wins over PTW_* variables of this process (which `Settings` would prefer), so
    a test can open a second station beside the one its environment names.
    """
    settings = Settings().model_copy(update={
        "data_dir": Path(env["PTW_DATA_DIR"]), "database_url": env["PTW_DATABASE_URL"],
        "station_name": env["PTW_STATION_NAME"], "language": Language(env["PTW_LANGUAGE"])})
    context = open_context(settings, actor="bench")
    prepare_database(context)
    return context


def student_numbers(count: int) -> tuple[str, ...]:
    """`count` distinct eight-digit student numbers."""
    return tuple(f"2507{n:04d}" for n in range(1, count + 1))


def exam_key() -> list[KeyEntry]:
    """20 single, 4 multiple choice, 2 true/false and 3 subjective items (score bars)."""
    entries = [KeyEntry(n, str(n), ItemType.SINGLE_CHOICE, "ABCD"[n % 4], 3.0,
                        ScoringRule.EXACT, 4, ()) for n in range(1, 21)]
    entries += [KeyEntry(n, str(n), ItemType.MULTIPLE_CHOICE, "AC" if n % 2 else "BCD", 4.0,
                         ScoringRule.PARTIAL_HALF, 4, ()) for n in range(21, 25)]
    entries += [KeyEntry(n, str(n), ItemType.TRUE_FALSE, "T" if n % 2 else "F", 2.0,
                         ScoringRule.EXACT, 2, ()) for n in range(25, 27)]
    entries += [KeyEntry(n, str(n), ItemType.SUBJECTIVE, "", 12.0, ScoringRule.MANUAL, None,
                         ()) for n in range(27, 30)]
    return entries


def build_exam(context: AppContext, folder: Path, students: int, dpi: int) -> BenchExam:
    """Roster of `students` (classes of 50), the key above, the sheet printed at `dpi`."""
    numbers = student_numbers(students)

    def work(session: object) -> int:
        school = current_school(session)  # type: ignore[arg-type]
        roster = [RosterEntry(0, f"七年级({i // CLASS_SIZE + 1})班", number, f"学生{i}",
                              Gender.UNKNOWN, 7) for i, number in enumerate(numbers)]
        apply_roster(session, context, school, roster, dt.date.today())  # type: ignore[arg-type]
        summary = apply_answer_key(session, context, ExamDetails(EXAM_NAME),  # type: ignore[arg-type]
                                   exam_key())
        return summary.assessment_id

    exam_id = context.database.run(work)
    folder.mkdir(parents=True, exist_ok=True)
    made = make_sheet_for_exam(context, exam_id, folder / "sheet.pdf", folder / "layout.json")
    return BenchExam(exam_id, made.layout, render_blank_pages(folder / "sheet.pdf", dpi), dpi,
                     numbers)


def score_bar_answers(scores: dict[str, float]) -> dict[str, tuple[str, ...]]:
    """The score-bar bubbles a teacher fills for `scores` (item label → points)."""
    answers: dict[str, tuple[str, ...]] = {}
    for label, points in scores.items():
        tens, rest = divmod(points, 10)
        answers[f"s{label}.tens"] = (str(int(tens * 10)),) if tens else ()
        answers[f"s{label}.units"] = (str(int(rest)),)
        answers[f"s{label}.half"] = ("0.5",) if rest % 1 else ()
    return answers


def paint_sheet(layout: AnswerSheetLayout, blank_pages: list[np.ndarray], dpi: int,
                number: str, rng: np.random.Generator, scores: dict[str, float],
                answers: dict[str, tuple[str, ...]] | None = None
                ) -> tuple[list[bytes], dict[str, str]]:
    """One student's sheet, filled cleanly: number, `answers` (others at random), scores.

    Returns each page as JPEG bytes and the truth of every field painted.
    """
    given = {f"id.{i + 1}": (digit,) for i, digit in enumerate(number)}
    given["absent"] = ()
    given.update(score_bar_answers(scores))
    given.update(answers or {})
    images, truth = [], {}
    for index, page in enumerate(layout.pages):
        canvas = blank_pages[index].copy()
        for field in page.fields:
            if field.kind is FieldKind.SCORE_DIGIT and field.name not in given:
                given[field.name] = ()
        painted = paint_page(canvas, page, dpi, rng, given,
                             style_weights={MarkStyle.FILLED: 1.0}, erasure_rate=0,
                             stray_marks=0)
        truth.update({field.name: field.truth for field in painted})
        images.append(cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    return images, truth


def sheet_pages(exam: BenchExam, number: str, seed: int) -> list[bytes]:
    """One student's answered sheet (answers random by `seed`, SCORES in the bars) as JPEGs."""
    return paint_sheet(exam.layout, exam.blank_pages, exam.dpi, number,
                       np.random.default_rng(seed), SCORES)[0]


def write_scans(exam: BenchExam, folder: Path, numbers: list[str], seed: int,
                first: int = 1) -> list[Path]:
    """The sheets of `numbers` (in that order) as page files `page-NNNNN.jpg` from `first`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for offset, number in enumerate(numbers):
        for data in sheet_pages(exam, number, seed * 100_003 + offset):
            path = folder / f"page-{first + len(paths):05d}.jpg"
            path.write_bytes(data)
            paths.append(path)
    return paths


def sheets_for(exam: BenchExam, pages: int) -> list[str]:
    """Student numbers for a stack of about `pages` pages: the roster in turn, no repeats.

    An odd page count gets one more sheet (a stack holds whole sheets).
    """
    sheets = -(-pages // len(exam.layout.pages))
    if sheets > len(exam.students):
        raise ValueError(f"{pages} pages need {sheets} students; the roster has "
                         f"{len(exam.students)}")
    return list(exam.students[:sheets])


__all__ = ["SCORES", "BenchExam", "build_exam", "exam_key", "open_station", "paint_sheet",
           "score_bar_answers", "sheet_pages", "sheets_for", "station_env", "student_numbers",
           "write_scans"]
