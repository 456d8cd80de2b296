"""What the analytics learn about students: mastery over time and recommended practice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.enums import RecommendationStatus
from core.models.base import Base, created_at_column, enum_column


class MasterySnapshot(Base):
    """A student's estimated mastery of one knowledge point at one moment."""

    __tablename__ = "mastery_snapshot"
    __table_args__ = (
        Index("ix_mastery_snapshot_student_kp", "student_id", "knowledge_point_id", "computed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    knowledge_point_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_point.id", ondelete="CASCADE")
    )
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL")
    )
    probability: Mapped[float]
    method: Mapped[str] = mapped_column(String(50))
    computed_at: Mapped[datetime] = created_at_column()


class Recommendation(Base):
    """A practice item proposed for a student, and why."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    knowledge_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_point.id", ondelete="SET NULL")
    )
    predicted_success: Mapped[float | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RecommendationStatus] = enum_column(
        RecommendationStatus, default=RecommendationStatus.PROPOSED
    )
    created_at: Mapped[datetime] = created_at_column()


class WrongItemEntry(Base):
    """One item in a student's wrong-item book (错题本), with its Leitner schedule."""

    __tablename__ = "wrong_item_entry"
    __table_args__ = (UniqueConstraint("student_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL")
    )
    answer: Mapped[str | None] = mapped_column(String(500))
    right_answer: Mapped[str] = mapped_column(String(500), default="")
    score: Mapped[float]
    full_marks: Mapped[float]
    answered_on: Mapped[date]
    picture: Mapped[str | None] = mapped_column(String(1000))
    box: Mapped[int] = mapped_column(default=1)
    due_on: Mapped[date]
    right_in_a_row: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = created_at_column()


class AnalysisResult(Base):
    """One analysis of an assessment (item statistics, report metrics), kept as a document."""

    __tablename__ = "analysis_result"
    __table_args__ = (Index("ix_analysis_result_assessment_kind", "assessment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = created_at_column()
