"""At the end of a batch: every student's answer sheet must have all its pages.

A sheet is its first page plus the pages that followed it (`Page.sheet_first_page_id`).
A sheet with fewer pages than its layout has (a back side not fed, a page stuck in the
feeder) gets one MISSING_PAGE exception, once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ExceptionKind, PageStatus
from core.i18n import LocalisedText
from core.models import AnswerSheetTemplate, Page, Student
from workflow.exam_sheets import ExamSheets
from workflow.exception_queue import open_exception_exists, queue_exception

MISSING = LocalisedText("{who}的答题卡只有 {found} 页，应有 {expected} 页：请补扫缺少的页。",
                        "{who_en}'s answer sheet has {found} of its {expected} pages: scan "
                        "the missing page(s).")
_READ = (PageStatus.RECOGNISED, PageStatus.FLAGGED)


def queue_missing_pages(session: Session, sheets: ExamSheets, batch_id: int,
                        crops_dir: Path) -> int:
    """Queue a MISSING_PAGE exception for each incomplete sheet of the batch; return how many."""
    pages = list(session.scalars(select(Page).where(Page.batch_id == batch_id,
                                                    Page.status.in_(_READ))))
    followers = Counter(page.sheet_first_page_id for page in pages
                        if page.sheet_first_page_id is not None)
    versions: dict[int, int] = {
        template_id: version for template_id, version in session.execute(
            select(AnswerSheetTemplate.id, AnswerSheetTemplate.version).where(
                AnswerSheetTemplate.assessment_id == sheets.exam_id))}
    queued = 0
    for head in pages:
        if head.sheet_first_page_id is not None or head.page_number != 1:
            continue
        expected = sheets.pages_per_sheet(versions.get(head.template_id or -1))
        found = 1 + followers[head.id]
        if found >= expected or open_exception_exists(session, sheets.exam_id,
                                                      ExceptionKind.MISSING_PAGE, head.id):
            continue
        student = session.get(Student, head.student_id) if head.student_id else None
        who = f"学生 {student.student_number} " if student else "未识别学生"
        who_en = f"Student {student.student_number}" if student else "An unidentified student"
        queue_exception(session, crops_dir, sheets.exam_id, ExceptionKind.MISSING_PAGE,
                        MISSING.format(who=who, who_en=who_en, found=found, expected=expected),
                        page_id=head.id, student_id=head.student_id)
        queued += 1
    return queued


__all__ = ["queue_missing_pages"]
