"""Settling an exception: whose page it is, what a mark means, which duplicate to keep.

`resolve_exception(context, id, value)` applies what a person decided, derives the
responses that follow from it, marks the exception resolved and writes an audit entry,
all in one transaction. What `value` means depends on the kind:

- unknown student, page out of order: the student number the page belongs to;
- ambiguous mark: the answer as it should be read ("B", "ACD", "" for blank; points
  for a score bar);
- duplicate student: "replace" (the new sheet replaces the old), "keep" (the old one
  stays) or another student number;
- anything else (other exam, extra, unreadable or missing page, absent mark): a note.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ExceptionKind, ExceptionStatus, PageStatus
from core.errors import BadInputError, NotFoundError
from core.i18n import LocalisedText
from core.models import Page, RecognitionException, Student
from omr.layout import FieldKind
from workflow.audit_log import record_change
from workflow.context import AppContext
from workflow.exam_sheets import ExamSheets, load_exam_sheets
from workflow.exception_queue import pictures_dir
from workflow.scan_results import claim_page, derive_responses, find_student

REPLACE, KEEP = "replace", "keep"
_STUDENT_KINDS = (ExceptionKind.UNKNOWN_STUDENT, ExceptionKind.WRONG_PAGE_ORDER)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What settling one exception changed."""

    exception_id: int
    kind: ExceptionKind
    pages_assigned: int
    responses_written: int


def resolve_exception(context: AppContext, exception_id: int, value: str) -> Resolution:
    """Apply `value` to the open exception `exception_id` (see the module docstring)."""

    def work(session: Session) -> Resolution:
        exception = session.get(RecognitionException, exception_id)
        if exception is None:
            raise NotFoundError(LocalisedText(
                f"找不到编号为 {exception_id} 的待处理事项（用 ptw exceptions list 查看）。",
                f"No exception with id {exception_id} (see ptw exceptions list)."))
        if exception.status is not ExceptionStatus.OPEN:
            raise BadInputError(LocalisedText(
                f"待处理事项 {exception_id} 已经处理过（{exception.resolution}）。",
                f"Exception {exception_id} was already settled ({exception.resolution})."))
        sheets = load_exam_sheets(session, exception.assessment_id)
        assigned, written = _apply(context, session, sheets, exception, value.strip())
        exception.status = ExceptionStatus.RESOLVED
        exception.resolution = value.strip()
        exception.resolved_by = context.actor
        exception.resolved_at = dt.datetime.now(dt.UTC)
        record_change(session, context, "resolve", "recognition_exception", exception.id,
                      "resolution", None, value.strip())
        return Resolution(exception.id, exception.kind, assigned, written)

    return context.database.run(work)


def _apply(context: AppContext, session: Session, sheets: ExamSheets,
           exception: RecognitionException, value: str) -> tuple[int, int]:
    page = session.get(Page, exception.page_id) if exception.page_id else None
    if exception.kind in _STUDENT_KINDS and page is not None:
        return _assign(context, session, sheets, page, _student(session, sheets, value), False)
    if exception.kind is ExceptionKind.DUPLICATE_STUDENT and page is not None:
        return _settle_duplicate(context, session, sheets, exception, page, value)
    if exception.kind is ExceptionKind.AMBIGUOUS_MARK and page is not None and exception.field:
        return 0, _settle_mark(session, sheets, page, exception.field, value)
    return 0, 0


def _student(session: Session, sheets: ExamSheets, number: str) -> Student:
    student = find_student(session, sheets.school_id, number)
    if student is None:
        raise BadInputError(LocalisedText(
            f"考号 {number} 不在名单中：请输入名单上的考号，或先导入该学生。",
            f"Student number {number} is not on the roster: give a number from the roster, "
            "or import the student first."))
    return student


def _sheet_pages(session: Session, head: Page) -> list[Page]:
    """The page and the pages of the same sheet that followed it, in page order."""
    followers = session.scalars(select(Page).where(Page.sheet_first_page_id == head.id)
                                .order_by(Page.page_number)).all()
    return [head, *followers]


def _assign(context: AppContext, session: Session, sheets: ExamSheets, head: Page,
            student: Student, replace: bool) -> tuple[int, int]:
    """Give the sheet starting at `head` to `student`; refuse if the student has one."""
    pages = _sheet_pages(session, head)
    raised: list[ExceptionKind] = []
    claimed = responses = 0
    for page in pages:
        written = claim_page(context, session, sheets, page, student, raised,
                             pictures_dir(context), replace)
        if written is not None:
            claimed += 1
            responses += written
    if raised:
        raise BadInputError(LocalisedText(
            f"学生 {student.student_number} 在本考试中已有答题卡：若要用这一张替换，"
            "请在“重复”事项中选择 replace。",
            f"Student {student.student_number} already has an answer sheet in this exam: to "
            "replace it with this one, settle the duplicate with “replace”."))
    for exception in session.scalars(select(RecognitionException).where(
            RecognitionException.page_id.in_([p.id for p in pages]),
            RecognitionException.status == ExceptionStatus.OPEN)):
        exception.student_id = student.id
    return claimed, responses


def _settle_duplicate(context: AppContext, session: Session, sheets: ExamSheets,
                      exception: RecognitionException, page: Page, value: str
                      ) -> tuple[int, int]:
    if value == KEEP:
        discarded = _sheet_pages(session, page)
        for duplicate in discarded:
            duplicate.status = PageStatus.REPLACED
        for other in session.scalars(select(RecognitionException).where(
                RecognitionException.page_id.in_([p.id for p in discarded]),
                RecognitionException.id != exception.id,
                RecognitionException.status == ExceptionStatus.OPEN)):
            other.status = ExceptionStatus.DISMISSED  # about a sheet set aside
            other.resolution = KEEP
        return 0, 0
    if value == REPLACE:
        student = session.get(Student, exception.student_id) if exception.student_id else None
        if student is None:
            raise BadInputError(LocalisedText("该事项没有记录学生，无法替换。",
                                              "This exception names no student to replace."))
        return _assign(context, session, sheets, page, student, True)
    return _assign(context, session, sheets, page, _student(session, sheets, value), False)


def _settle_mark(session: Session, sheets: ExamSheets, page: Page, field_name: str,
                 value: str) -> int:
    """Store the person's reading of one field and derive the student's responses again."""
    reading = copy.deepcopy(page.reading or {})
    field = next((f for f in reading.get("fields", []) if f["name"] == field_name), None)
    if field is None:
        raise BadInputError(LocalisedText(f"该页没有字段 {field_name}。",
                                          f"The page has no field {field_name}."))
    field["value"] = _checked_value(sheets, page, field, value)
    field["review"] = False
    field["confidence"] = 1.0
    field["flags"] = []
    page.reading = reading
    return derive_responses(session, sheets, page, page.student_id) if page.student_id else 0


def _checked_value(sheets: ExamSheets, page: Page, field: dict, value: str) -> str:
    """`value` in the field's terms, or BadInputError saying what is allowed."""
    kind = FieldKind(field["kind"])
    if kind is FieldKind.SCORE_DIGIT:
        key = sheets.items.get(field.get("item") or "")
        points = key.points if key else float("inf")
        try:
            number = float(value) if value else None
        except ValueError:
            number = -1.0
        if number is not None and not 0 <= number <= points:
            raise BadInputError(LocalisedText(f"分数应在 0 到 {points:g} 之间。",
                                              f"The score must be between 0 and {points:g}."))
        return "" if number is None else f"{number:g}"
    allowed = _field_values(sheets, page, field["name"])
    chosen = "".join(ch for ch in value.upper() if not ch.isspace() and ch != ",")
    single = kind in (FieldKind.SINGLE_CHOICE, FieldKind.TRUE_FALSE, FieldKind.ID_DIGIT)
    if any(ch not in allowed for ch in chosen) or (single and len(chosen) > 1):
        raise BadInputError(LocalisedText(
            f"答案“{value}”无效：可填 {'、'.join(allowed)} 中的{'一个' if single else '若干个'}，"
            "或留空表示未作答。",
            f"The answer “{value}” is not valid: give {'one' if single else 'some'} of "
            f"{', '.join(allowed)}, or nothing for a blank."))
    return "".join(v for v in allowed if v in chosen)


def _field_values(sheets: ExamSheets, page: Page, name: str) -> tuple[str, ...]:
    version = next((v for v, template_id in sheets.template_ids.items()
                    if template_id == page.template_id), None)
    layout = sheets.layout(version)
    if layout is None or page.page_number is None:
        return ()
    return layout.page(page.page_number).field(name).values


__all__ = ["KEEP", "REPLACE", "Resolution", "resolve_exception"]
