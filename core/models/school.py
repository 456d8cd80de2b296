"""People and organisation: school, grades, classes, students, teachers and their roles."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.enums import Gender, RoleKind
from core.models.base import Base, created_at_column, enum_column, utc_now


class School(Base):
    """The school this station belongs to (one per database in practice)."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    county_code: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = created_at_column()


class Grade(Base):
    """A year group, e.g. 七年级 (level 7)."""

    __tablename__ = "grade"
    __table_args__ = (UniqueConstraint("school_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))


class SchoolClass(Base):
    """A class (班级) such as 七年级(1)班."""

    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("grade.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))

    grade: Mapped[Grade | None] = relationship()


class Student(Base):
    """A student, known by a student number unique within the school."""

    __tablename__ = "student"
    __table_args__ = (UniqueConstraint("school_id", "student_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    student_number: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[Gender] = enum_column(Gender, default=Gender.UNKNOWN)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    memberships: Mapped[list[ClassMembership]] = relationship(
        back_populates="student", order_by="ClassMembership.started_on"
    )


class ClassMembership(Base):
    """A stretch of time a student spent in a class; the open one has no end date."""

    __tablename__ = "class_membership"
    __table_args__ = (Index("ix_class_membership_current", "student_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    student: Mapped[Student] = relationship(back_populates="memberships")
    school_class: Mapped[SchoolClass] = relationship()


class Teacher(Base):
    """A member of staff who uses the workstation."""

    __tablename__ = "teacher"
    __table_args__ = (UniqueConstraint("school_id", "staff_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    staff_number: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)

    roles: Mapped[list[TeacherRole]] = relationship(cascade="all, delete-orphan")


class TeacherRole(Base):
    """One role held by a teacher: admin, academic office or teacher."""

    __tablename__ = "teacher_role"
    __table_args__ = (UniqueConstraint("teacher_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher.id", ondelete="CASCADE"))
    role: Mapped[RoleKind] = enum_column(RoleKind)


class TeachingAssignment(Base):
    """A teacher teaching a subject to a class."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (UniqueConstraint("teacher_id", "class_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teacher.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
