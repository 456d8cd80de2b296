"""Exams and homework: their items, sections, optional groups and answer-sheet templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.enums import AssessmentKind
from core.models.base import Base, created_at_column, enum_column
from core.models.curriculum import Item, Subject


class Assessment(Base):
    """An exam or a piece of homework given to some classes on a date."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AssessmentKind] = enum_column(AssessmentKind, default=AssessmentKind.EXAM)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    held_on: Mapped[date]
    grade_level: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()

    subject: Mapped[Subject] = relationship()
    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment", order_by="AssessmentItem.position"
    )


class AssessmentClass(Base):
    """A class that sits an assessment."""

    __tablename__ = "assessment_class"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[int] = mapped_column(
        ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True
    )


class AssessmentSection(Base):
    """A titled part of an assessment, e.g. 一、选择题."""

    __tablename__ = "assessment_section"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class OptionalQuestionGroup(Base):
    """选做题: a group of items of which a student answers `choose_count`."""

    __tablename__ = "optional_question_group"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    choose_count: Mapped[int] = mapped_column(default=1)


class AssessmentItem(Base):
    """An item as it stands in one assessment: its number (题号), position and points."""

    __tablename__ = "assessment_item"
    __table_args__ = (UniqueConstraint("assessment_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    label: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    points: Mapped[float]
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_section.id", ondelete="SET NULL")
    )
    optional_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("optional_question_group.id", ondelete="SET NULL")
    )

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    item: Mapped[Item] = relationship()


class AnswerSheetTemplate(Base):
    """A versioned answer-sheet layout (JSON, millimetres) for an assessment."""

    __tablename__ = "answer_sheet_template"
    __table_args__ = (UniqueConstraint("assessment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    version: Mapped[int]
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_at_column()
