"""What is taught and asked: subjects, knowledge-point trees and bank items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.enums import ItemType, ScoringRule
from core.models.base import Base, created_at_column, enum_column


class Subject(Base):
    """A school subject such as 数学."""

    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class KnowledgePoint(Base):
    """A node of a knowledge-point tree (知识点), identified by its code."""

    __tablename__ = "knowledge_point"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_point.id", ondelete="CASCADE"), index=True
    )
    grades: Mapped[list[int]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    subject: Mapped[Subject] = relationship()
    parent: Mapped[KnowledgePoint | None] = relationship(remote_side="KnowledgePoint.id")


class Item(Base):
    """A question in the school's bank; exams use items through `AssessmentItem`."""

    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    stem: Mapped[str] = mapped_column(Text, default="")
    item_type: Mapped[ItemType] = enum_column(ItemType)
    option_count: Mapped[int | None]
    options: Mapped[list[str] | None] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(String(500), default="")
    points: Mapped[float]
    scoring_rule: Mapped[ScoringRule] = enum_column(ScoringRule)
    created_at: Mapped[datetime] = created_at_column()

    knowledge_points: Mapped[list[KnowledgePoint]] = relationship(
        secondary="item_knowledge_point", order_by="KnowledgePoint.code"
    )


class ItemKnowledgePoint(Base):
    """A knowledge-point tag on an item."""

    __tablename__ = "item_knowledge_point"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("item.id", ondelete="CASCADE"), primary_key=True
    )
    knowledge_point_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_point.id", ondelete="CASCADE"), primary_key=True, index=True
    )
