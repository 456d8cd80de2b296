"""From paper to scores: scan batches, stored pages, responses, exceptions and marking events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.enums import BatchStatus, ExceptionKind, ExceptionStatus, PageStatus, ScoredBy
from core.models.base import Base, created_at_column, enum_column


class ScanBatch(Base):
    """One run of the scanner (or one import) for an assessment at one station."""

    __tablename__ = "scan_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    station: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(500))
    status: Mapped[BatchStatus] = enum_column(BatchStatus, default=BatchStatus.OPEN)
    started_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None]


class Page(Base):
    """A scanned image stored content-addressed on disk before anything else happens.

    `sheet_first_page_id` ties the later pages of one student's answer sheet (the back,
    further pages) to its first page, whose student they share. `reading` is what
    recognition read from it (status, identity, reasons and every field with value,
    confidence and flags), kept so responses can be derived again when a person settles
    who the page belongs to; None until the page has been recognised.
    """

    __tablename__ = "page"
    __table_args__ = (
        UniqueConstraint("content_hash"),
        UniqueConstraint("batch_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("scan_batch.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    file_path: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(500))
    station: Mapped[str] = mapped_column(String(100))
    status: Mapped[PageStatus] = enum_column(PageStatus, default=PageStatus.STORED)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer_sheet_template.id", ondelete="SET NULL")
    )
    page_number: Mapped[int | None]
    sheet_first_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("page.id", ondelete="SET NULL")
    )
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    recognised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class StudentSheetPage(Base):
    """Which page is a student's page N of an assessment: at most one, across all stations.

    The unique key makes "the same student twice in one exam" impossible to write twice,
    even when two stations scan at the same moment; the loser gets a duplicate exception.
    """

    __tablename__ = "student_sheet_page"
    __table_args__ = (UniqueConstraint("assessment_id", "student_id", "page_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    page_number: Mapped[int]
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)


class Response(Base):
    """A student's answer to one assessment item: what was read, and its score."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("assessment_item_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_item_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_item.id", ondelete="CASCADE")
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="SET NULL"))
    marks_read: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    value: Mapped[str | None] = mapped_column(String(500))
    confidence: Mapped[float | None]
    score: Mapped[float | None]
    scored_by: Mapped[ScoredBy | None] = enum_column(ScoredBy, nullable=True)
    scorer: Mapped[str | None] = mapped_column(String(100))
    scored_at: Mapped[datetime | None]


class RecognitionException(Base):
    """A page or field a person must look at, with why, and how it was resolved."""

    __tablename__ = "recognition_exception"
    __table_args__ = (Index("ix_recognition_exception_open", "assessment_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id", ondelete="SET NULL"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    kind: Mapped[ExceptionKind] = enum_column(ExceptionKind)
    reason: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[ExceptionStatus] = enum_column(ExceptionStatus, default=ExceptionStatus.OPEN)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class MarkingEvent(Base):
    """One score given or changed on screen by a marker, kept for workload and review."""

    __tablename__ = "marking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    marker: Mapped[str] = mapped_column(String(100))
    old_score: Mapped[float | None]
    new_score: Mapped[float | None]
    seconds_spent: Mapped[float | None]
    at: Mapped[datetime] = created_at_column()
