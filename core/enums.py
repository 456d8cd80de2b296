"""Closed vocabularies shared by the models, the importers and the UI."""

from __future__ import annotations

import enum


class Gender(enum.StrEnum):
    """A student's gender as recorded on the roster."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class RoleKind(enum.StrEnum):
    """What a staff member may do in the workstation."""

    ADMIN = "admin"
    ACADEMIC_OFFICE = "academic_office"
    TEACHER = "teacher"


class ItemType(enum.StrEnum):
    """The kind of an exam item, which decides how it is read and scored."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    FILL_BLANK = "fill_blank"
    SUBJECTIVE = "subjective"

    @property
    def is_objective(self) -> bool:
        """Whether a machine scores it from marks alone."""
        return self in {ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE, ItemType.TRUE_FALSE}


class ScoringRule(enum.StrEnum):
    """How an item's score follows from the answer given."""

    EXACT = "exact"
    PARTIAL_HALF = "partial_half"
    PER_OPTION = "per_option"
    MANUAL = "manual"


class AssessmentKind(enum.StrEnum):
    """An exam or a piece of homework."""

    EXAM = "exam"
    HOMEWORK = "homework"


class PageStatus(enum.StrEnum):
    """Where a scanned page is on its way through recognition."""

    STORED = "stored"
    RECOGNISED = "recognised"
    FLAGGED = "flagged"
    FAILED = "failed"
    BLANK = "blank"
    REPLACED = "replaced"


class BatchStatus(enum.StrEnum):
    """State of a scan batch."""

    OPEN = "open"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class ScoredBy(enum.StrEnum):
    """What produced a response's score."""

    MACHINE = "machine"
    TEACHER = "teacher"
    IMPORT = "import"
    SIMULATION = "simulation"


class ExceptionKind(enum.StrEnum):
    """Why a page or sheet needs a person to look at it."""

    UNKNOWN_STUDENT = "unknown_student"
    DUPLICATE_STUDENT = "duplicate_student"
    MISSING_PAGE = "missing_page"
    EXTRA_PAGE = "extra_page"
    OTHER_EXAM = "other_exam"
    ABSENT_MARKED = "absent_marked"
    WRONG_PAGE_ORDER = "wrong_page_order"
    UNREADABLE_PAGE = "unreadable_page"
    AMBIGUOUS_MARK = "ambiguous_mark"


class ExceptionStatus(enum.StrEnum):
    """Whether a queued exception still waits for a person."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class RecommendationStatus(enum.StrEnum):
    """Whether a recommended practice item was handed out or done."""

    PROPOSED = "proposed"
    ASSIGNED = "assigned"
    DONE = "done"
    DISMISSED = "dismissed"


class OutboxStatus(enum.StrEnum):
    """Delivery state of a message to the county platform."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
