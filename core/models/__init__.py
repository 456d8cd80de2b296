"""The workstation's database schema as typed SQLAlchemy 2 models.

Import models from here; Alembic's `env.py` imports this package so that every table
is on `Base.metadata`.
"""

from core.models.assessment import (
    AnswerSheetTemplate,
    Assessment,
    AssessmentClass,
    AssessmentItem,
    AssessmentSection,
    OptionalQuestionGroup,
)
from core.models.base import Base
from core.models.curriculum import Item, ItemKnowledgePoint, KnowledgePoint, Subject
from core.models.learning import (
    AnalysisResult,
    MasterySnapshot,
    Recommendation,
    WrongItemEntry,
)
from core.models.records import AuditEntry, OutboxMessage
from core.models.scanning import (
    MarkingEvent,
    Page,
    RecognitionException,
    Response,
    ScanBatch,
    StudentSheetPage,
)
from core.models.school import (
    ClassMembership,
    Grade,
    School,
    SchoolClass,
    Student,
    Teacher,
    TeacherRole,
    TeachingAssignment,
)

__all__ = [
    "AnalysisResult",
    "AnswerSheetTemplate",
    "Assessment",
    "AssessmentClass",
    "AssessmentItem",
    "AssessmentSection",
    "AuditEntry",
    "Base",
    "ClassMembership",
    "Grade",
    "Item",
    "ItemKnowledgePoint",
    "KnowledgePoint",
    "MarkingEvent",
    "MasterySnapshot",
    "OptionalQuestionGroup",
    "OutboxMessage",
    "Page",
    "RecognitionException",
    "Recommendation",
    "Response",
    "ScanBatch",
    "School",
    "SchoolClass",
    "Student",
    "StudentSheetPage",
    "Subject",
    "Teacher",
    "TeacherRole",
    "TeachingAssignment",
    "WrongItemEntry",
]
