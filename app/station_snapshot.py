"""What the main window shows, read from the database in one transaction off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass

from app import ui_text
from core.progress import CancelToken, ProgressCallback, ProgressUpdate
from reports.table_export import TableSheet
from workflow.context import AppContext
from workflow.exam_queries import ExamSummary, list_exams
from workflow.school_records import current_school
from workflow.table_exports import roster_sheet


@dataclass(frozen=True, slots=True)
class StationSnapshot:
    """The school's name, its exams and its current roster."""

    school_name: str
    exams: list[ExamSummary]
    roster: TableSheet


def read_station_snapshot(
    context: AppContext, progress: ProgressCallback, cancel: CancelToken
) -> StationSnapshot:
    """Read the school name, the exam list and the roster (a work function)."""
    cancel.raise_if_cancelled()
    progress(ProgressUpdate(0, 1, ui_text.READING_DATA))
    with context.database.transaction() as session:
        school_name = current_school(session).name
        exams = list_exams(session)
        roster = roster_sheet(session)
    progress(ProgressUpdate(1, 1, ui_text.READING_DATA))
    return StationSnapshot(school_name, exams, roster)
