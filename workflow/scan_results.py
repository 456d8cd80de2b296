"""Saving what was read from a page: its status, sheet and student, responses, exceptions.

Pages are saved in scan order, so the back of a sheet finds its front just before it.
A page whose student is known claims "page N of this student in this exam"
(`StudentSheetPage`, unique across stations); a second claim is a duplicate, queued for
a person (or, when rescanning, replaces the first with an audit entry). Responses are
derived from the page's stored reading, so they can be derived again whenever a person
settles a student number or a mark. Every doubt becomes an exception in the same
transaction as the reading.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analytics.objective_scoring import score_objective
from core.enums import ExceptionKind, ItemType, PageStatus, ScoredBy
from core.i18n import LocalisedText
from core.models import Page, Response, Student, StudentSheetPage
from omr.layout import FieldKind, RegionKind
from omr.page_result import FieldResult, PageResult
from omr.page_result import PageStatus as ReadStatus
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.exam_sheets import ExamSheets, ItemKey
from workflow.exception_queue import queue_exception

_NOT_ANSWERS = frozenset({FieldKind.ID_DIGIT, FieldKind.ABSENT, FieldKind.OPTIONAL_SELECTOR})

SCORE_BAR_SCORER = "score_bar"
"""`Response.scorer` of points read from a teacher's marks in a score bar (手阅打分框)."""

UNKNOWN_NUMBER = LocalisedText("考号 {number} 不在名单中：请核对考号，或先导入该学生。",
                               "Student number {number} is not on the roster: check the "
                               "number, or import the student first.")
NO_NUMBER = LocalisedText("无法确定这张答题卡属于哪位学生。", "Whose answer sheet this is "
                          "could not be determined.")
DUPLICATE = LocalisedText("学生 {number} 的第 {page} 页已经扫描过"
                          "（第 {batch} 批第 {sequence} 张）。请确认保留哪一张。",
                          "Page {page} of student {number} was already scanned (batch "
                          "{batch}, page {sequence}). Decide which one to keep.")
ORPHAN_PAGE = LocalisedText("这是答题卡的第 {page} 页，但前一张不是同一答题卡的第 {previous} 页，"
                            "无法确定属于哪位学生（页序错乱或缺页）。",
                            "This is page {page} of an answer sheet, but the page before it "
                            "is not page {previous} of the same sheet, so whose it is cannot "
                            "be told (pages out of order or missing).")
EXTRA = LocalisedText("该页不属于本考试的答题卡版式（多余的页）。",
                      "This page is not part of this exam's answer sheet (an extra page).")
ABSENT = LocalisedText("答题卡上填涂了缺考标记。", "The absent (缺考) box is marked on this sheet.")
AMBIGUOUS = LocalisedText("第 {item} 题（{field}）填涂需人工确认：{flags}。",
                          "Item {item} ({field}) needs a person to check the marks: {flags}.")


@dataclass(frozen=True, slots=True)
class SavedPage:
    """What saving one page decided."""

    page_id: int
    sequence: int
    status: PageStatus
    student_number: str | None
    exceptions: tuple[ExceptionKind, ...]


class ReadingWriter:
    """Saves page readings of one exam; one instance per scanning session."""

    def __init__(self, context: AppContext, sheets: ExamSheets, crops_dir: Path, *,
                 rescan: bool = False) -> None:
        self.context = context
        self.sheets = sheets
        self.crops_dir = crops_dir
        self.rescan = rescan

    def save(self, session: Session, page: Page, result: PageResult) -> SavedPage:
        """Save `result` as the reading of `page` (in the caller's transaction)."""
        raised: list[ExceptionKind] = []
        page.reading = result.to_record()
        page.recognised_at = dt.datetime.now(dt.UTC)
        status = self._page_status(session, page, result, raised)
        page.status = status
        if status in (PageStatus.RECOGNISED, PageStatus.FLAGGED):
            self._place_on_sheet(session, page, result, raised)
        session.flush()
        student = session.get(Student, page.student_id) if page.student_id else None
        return SavedPage(page.id, page.sequence, status,
                         student.student_number if student else None, tuple(raised))

    def _queue(self, session: Session, raised: list[ExceptionKind], kind: ExceptionKind,
               reason: LocalisedText, page: Page, **extra: object) -> None:
        queue_exception(session, self.crops_dir, self.sheets.exam_id, kind, reason,
                        page_id=page.id, **extra)  # type: ignore[arg-type]
        raised.append(kind)

    def _page_status(self, session: Session, page: Page, result: PageResult,
                     raised: list[ExceptionKind]) -> PageStatus:
        """BLANK, FAILED (unreadable, other exam, extra page) or the recognised status."""
        if result.blank:
            return PageStatus.BLANK
        reasons = _joined(result.reasons)
        if result.status is ReadStatus.REJECTED:
            self._queue(session, raised, ExceptionKind.UNREADABLE_PAGE, reasons, page,
                        picture=result.thumbnail)
            return PageStatus.FAILED
        if result.exam_id is not None and result.exam_id != self.sheets.exam_id:
            self._queue(session, raised, ExceptionKind.OTHER_EXAM, reasons, page,
                        picture=result.thumbnail)
            return PageStatus.FAILED
        layout = self.sheets.layout(result.layout_version)
        if result.page is not None and layout is not None and result.page > len(layout.pages):
            self._queue(session, raised, ExceptionKind.EXTRA_PAGE, EXTRA, page,
                        picture=result.thumbnail)
            return PageStatus.FAILED
        if not result.fields:
            self._queue(session, raised, ExceptionKind.UNREADABLE_PAGE, reasons, page,
                        picture=result.thumbnail)
            return PageStatus.FAILED
        page.page_number = result.page
        page.template_id = self.sheets.template_ids.get(result.layout_version or -1)
        return PageStatus.RECOGNISED if result.status is ReadStatus.OK else PageStatus.FLAGGED

    def _place_on_sheet(self, session: Session, page: Page, result: PageResult,
                        raised: list[ExceptionKind]) -> None:
        """Find the page's sheet and student, claim the page, queue the doubts."""
        previous = _previous_page(session, page)
        follows = (previous is not None and page.page_number is not None
                   and previous.page_number == page.page_number - 1
                   and previous.template_id == page.template_id)
        head = previous if follows else None
        if head is not None and head.sheet_first_page_id is not None:
            head = session.get(Page, head.sheet_first_page_id)
        page.sheet_first_page_id = head.id if head is not None else None
        student = self._student_of(session, page, result, head, raised)
        if result.absent:
            self._queue(session, raised, ExceptionKind.ABSENT_MARKED, ABSENT, page,
                        student_id=student.id if student else None,
                        picture=result.thumbnail)
        for field in result.review_fields:
            item = field.item or field.name
            flags = ", ".join(sorted(str(flag) for flag in field.flags)) or "low confidence"
            self._queue(session, raised, ExceptionKind.AMBIGUOUS_MARK,
                        AMBIGUOUS.format(item=item, field=field.name, flags=flags), page,
                        field=field.name, student_id=student.id if student else None,
                        picture=result.review_crops.get(field.name))
        if student is not None:
            claim_page(self.context, session, self.sheets, page, student, raised,
                       self.crops_dir, self.rescan)

    def _student_of(self, session: Session, page: Page, result: PageResult,
                    head: Page | None, raised: list[ExceptionKind]) -> Student | None:
        if result.student_number:
            student = find_student(session, self.sheets.school_id, result.student_number)
            if student is None:
                self._queue(session, raised, ExceptionKind.UNKNOWN_STUDENT,
                            UNKNOWN_NUMBER.format(number=result.student_number), page,
                            picture=_identity_picture(result))
            return student
        if head is not None:
            return session.get(Student, head.student_id) if head.student_id else None
        if (page.page_number or 1) > 1 and not _has_identity_fields(result):
            self._queue(session, raised, ExceptionKind.WRONG_PAGE_ORDER,
                        ORPHAN_PAGE.format(page=page.page_number,
                                           previous=(page.page_number or 2) - 1), page,
                        picture=result.thumbnail)
            return None
        reason = _joined([r for r in result.reasons if "考号" in r.zh] or [NO_NUMBER])
        self._queue(session, raised, ExceptionKind.UNKNOWN_STUDENT, reason, page,
                    picture=_identity_picture(result))
        return None


def claim_page(context: AppContext, session: Session, sheets: ExamSheets, page: Page,
               student: Student, raised: list[ExceptionKind], crops_dir: Path,
               replace: bool) -> int | None:
    """Make `page` the student's page N of the exam and derive its responses.

    When the student already has a page N, the new page is queued as a duplicate unless
    `replace` (a rescan): then the old page is marked REPLACED, with an audit entry.
    Returns the number of responses written, or None when the page was not claimed.
    """
    number = page.page_number or 1
    try:
        with session.begin_nested():
            session.add(StudentSheetPage(assessment_id=sheets.exam_id, student_id=student.id,
                                         page_number=number, page_id=page.id))
    except IntegrityError:
        existing = session.scalars(select(StudentSheetPage).where(
            StudentSheetPage.assessment_id == sheets.exam_id,
            StudentSheetPage.student_id == student.id,
            StudentSheetPage.page_number == number)).one()
        old = session.get(Page, existing.page_id)
        if old is None:
            return None
        if old.id == page.id:
            return 0
        if not replace:
            queue_exception(session, crops_dir, sheets.exam_id, ExceptionKind.DUPLICATE_STUDENT,
                            DUPLICATE.format(number=student.student_number, page=number,
                                             batch=old.batch_id, sequence=old.sequence),
                            page_id=page.id, student_id=student.id)
            raised.append(ExceptionKind.DUPLICATE_STUDENT)
            return None
        old.status = PageStatus.REPLACED
        existing.page_id = page.id
        record_change(session, context, "replace", "page", old.id, "student_sheet_page",
                      old.id, page.id)
    page.student_id = student.id
    return derive_responses(session, sheets, page, student.id)


def derive_responses(session: Session, sheets: ExamSheets, page: Page, student_id: int) -> int:
    """Write the student's responses from the page's reading; returns how many were written.

    Objective answers are scored by the key; score bars give the teacher's points. A field
    still under review is stored without a score until a person settles it.
    """
    reading = PageResult.from_record(page.reading or {"status": "flagged"})
    keyed = [(field, sheets.items[field.item]) for field in reading.fields
             if field.item in sheets.items and field.kind not in _NOT_ANSWERS]
    existing = {response.assessment_item_id: response for response in session.scalars(
        select(Response).where(Response.student_id == student_id,
                               Response.assessment_item_id.in_(
                                   [key.assessment_item_id for _, key in keyed])))}
    now = dt.datetime.now(dt.UTC)
    new_rows = []
    for field, key in keyed:
        values = _response_values(field, key, now)
        values["page_id"] = page.id
        response = existing.get(key.assessment_item_id)
        if response is None:
            new_rows.append({**values, "assessment_item_id": key.assessment_item_id,
                             "student_id": student_id})
        else:
            for name, value in values.items():
                setattr(response, name, value)
    if new_rows:
        session.execute(insert(Response), new_rows)  # one statement: scanning is a bulk job
    return len(keyed)


def _response_values(field: FieldResult, key: ItemKey, now: dt.datetime) -> dict[str, Any]:
    """A response's columns from one field: what was read, how sure, and its score."""
    values: dict[str, Any] = {
        "confidence": field.confidence,
        "marks_read": {"field": field.name,
                       "fills": [round(f, 3) if math.isfinite(f) else None for f in field.fills],
                       "flags": sorted(str(flag) for flag in field.flags)},
    }
    if field.kind is FieldKind.SCORE_DIGIT:
        settled = not field.needs_review and field.value != ""
        score = min(float(field.value), key.points) if settled else None
        values.update(score=score, scored_by=ScoredBy.TEACHER if settled else None,
                      scorer=SCORE_BAR_SCORER if settled else None,
                      scored_at=now if settled else None)
        return values
    multiple = key.item_type is ItemType.MULTIPLE_CHOICE
    score = None if field.needs_review else score_objective(
        field.value, key.answer, key.points, key.rule, multiple)
    values.update(value=field.value, score=score,
                  scored_by=ScoredBy.MACHINE if score is not None else None,
                  scored_at=now if score is not None else None)
    return values


def find_student(session: Session, school_id: int, number: str) -> Student | None:
    """The school's student with that number (leading zeros matter), or None."""
    return session.scalars(select(Student).where(Student.school_id == school_id,
                                                 Student.student_number == number)).first()


def _previous_page(session: Session, page: Page) -> Page | None:
    """The page scanned just before `page` in its batch, skipping blank and replaced ones."""
    return session.scalars(select(Page).where(
        Page.batch_id == page.batch_id, Page.sequence < page.sequence,
        Page.status.not_in([PageStatus.BLANK, PageStatus.STORED])).order_by(
        Page.sequence.desc()).limit(1)).first()


def _identity_picture(result: PageResult) -> np.ndarray | None:
    """What a person needs to tell whose page it is: the handwritten number, else the page."""
    written = result.crop_of(RegionKind.HANDWRITTEN_ID)
    return written if written is not None else result.thumbnail


def _has_identity_fields(result: PageResult) -> bool:
    return any(field.kind is FieldKind.ID_DIGIT for field in result.fields)


def _joined(reasons: Sequence[LocalisedText]) -> LocalisedText:
    return LocalisedText("；".join(r.zh for r in reasons), "; ".join(r.en for r in reasons))


__all__ = ["ReadingWriter", "SavedPage", "claim_page", "derive_responses", "find_student"]
