"""The exception queue: pages and fields a person must settle, each with a reason and a crop.

An exception is written in the same transaction as the page reading that raised it, so
a crash never leaves one without the other. Its reason is kept in both languages (JSON)
and shown in the user's; its picture (the field's crop, or a thumbnail of the page) is a
PNG next to the database, in `exceptions/<exam id>/<exception id>.png` of the data folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ExceptionKind, ExceptionStatus
from core.i18n import LocalisedText
from core.models import Page, RecognitionException, Student
from workflow.context import AppContext


@dataclass(frozen=True, slots=True)
class QueuedException:
    """One exception as people see it in a list."""

    id: int
    kind: ExceptionKind
    status: ExceptionStatus
    reason: LocalisedText
    page_id: int | None
    batch_id: int | None
    sequence: int | None
    student_number: str | None
    field: str | None
    resolution: str | None
    crop_path: Path | None


def pictures_dir(context: AppContext) -> Path:
    """Where this station keeps exception pictures: `exceptions/` in the data folder."""
    return Path(context.settings.data_dir) / "exceptions"


def reason_text(reason: LocalisedText) -> str:
    """How a reason is stored: both languages, as JSON."""
    return json.dumps({"zh": reason.zh, "en": reason.en}, ensure_ascii=False)


def stored_reason(text: str) -> LocalisedText:
    """The reason stored by `reason_text` (plain text is shown as it is in both languages)."""
    try:
        data = json.loads(text)
        return LocalisedText(str(data["zh"]), str(data["en"]))
    except (ValueError, KeyError, TypeError):
        return LocalisedText(text, text)


def crop_path(crops_dir: Path, exam_id: int, exception_id: int) -> Path:
    """Where the picture of an exception is kept."""
    return crops_dir / str(exam_id) / f"{exception_id}.png"


def queue_exception(session: Session, crops_dir: Path, exam_id: int, kind: ExceptionKind,
                    reason: LocalisedText, *, page_id: int | None = None,
                    student_id: int | None = None, field: str | None = None,
                    picture: np.ndarray | None = None) -> RecognitionException:
    """Add an open exception (and write its picture, if any) in the current transaction."""
    exception = RecognitionException(assessment_id=exam_id, page_id=page_id,
                                     student_id=student_id, kind=kind,
                                     reason=reason_text(reason), field=field)
    session.add(exception)
    session.flush()
    path = crop_path(crops_dir, exam_id, exception.id)
    path.unlink(missing_ok=True)  # left by an exception whose transaction never committed
    if picture is not None and picture.size:
        path.parent.mkdir(parents=True, exist_ok=True)
        ok, encoded = cv2.imencode(".png", picture)
        if ok:
            path.write_bytes(encoded.tobytes())
    return exception


def open_exception_exists(session: Session, exam_id: int, kind: ExceptionKind,
                          page_id: int | None, field: str | None = None) -> bool:
    """Whether the same open exception is already queued (so re-running adds no copy)."""
    query = select(RecognitionException.id).where(
        RecognitionException.assessment_id == exam_id, RecognitionException.kind == kind,
        RecognitionException.page_id == page_id, RecognitionException.field == field,
        RecognitionException.status == ExceptionStatus.OPEN)
    return session.scalars(query.limit(1)).first() is not None


def list_exceptions(session: Session, crops_dir: Path, exam_id: int,
                    status: ExceptionStatus | None = ExceptionStatus.OPEN
                    ) -> list[QueuedException]:
    """The exam's exceptions (open ones by default), in the order they were raised."""
    query = (select(RecognitionException, Page, Student.student_number)
             .outerjoin(Page, RecognitionException.page_id == Page.id)
             .outerjoin(Student, RecognitionException.student_id == Student.id)
             .where(RecognitionException.assessment_id == exam_id)
             .order_by(RecognitionException.id))
    if status is not None:
        query = query.where(RecognitionException.status == status)
    listed = []
    for exception, page, number in session.execute(query):
        path = crop_path(crops_dir, exam_id, exception.id)
        listed.append(QueuedException(
            exception.id, exception.kind, exception.status, stored_reason(exception.reason),
            exception.page_id, page.batch_id if page else None,
            page.sequence if page else None, number, exception.field, exception.resolution,
            path if path.is_file() else None))
    return listed


__all__ = ["QueuedException", "crop_path", "list_exceptions", "open_exception_exists",
           "pictures_dir", "queue_exception", "reason_text", "stored_reason"]
