"""What recognising one page produces: field readings, crops, status and reasons."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from core.i18n import LocalisedText
from omr.layout import FieldKind, RegionKind
from omr.mark_decision import MarkFlag


class PageStatus(enum.StrEnum):
    """Whether a page can be used as read, needs a look, or could not be read at all."""

    OK = "ok"
    FLAGGED = "flagged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class FieldResult:
    """One field (question, ID digit, score digit group) as read from the page.

    For a score field, `name` is the item's score name ("score.27"), `value` the summed
    points ("7.5") and `kind` SCORE_DIGIT; `needs_review` says whether a person should
    check it (flags or low confidence).
    """

    name: str
    item: str | None
    kind: FieldKind
    value: str
    confidence: float
    flags: frozenset[MarkFlag]
    fills: tuple[float, ...]
    needs_review: bool = False


@dataclass(frozen=True)
class RegionCrop:
    """An upright image of one region of the page (answer box, barcode, written ID)."""

    name: str
    kind: RegionKind
    item: str | None
    image: np.ndarray


@dataclass
class PageResult:
    """Everything read from one page image.

    `status` is OK when every field was read with confidence, FLAGGED when a person
    must look at something (`reasons` say what, in both languages), REJECTED when the
    page could not be read at all. `rotation` is 0, or 180 when the page was upside down.
    """

    status: PageStatus
    reasons: list[LocalisedText] = field(default_factory=list)
    exam_id: int | None = None
    layout_version: int | None = None
    page: int | None = None
    student_number: str | None = None
    absent: bool = False
    fields: list[FieldResult] = field(default_factory=list)
    crops: list[RegionCrop] = field(default_factory=list)
    rotation: int = 0
    debug_image: np.ndarray | None = None

    def field(self, name: str) -> FieldResult:
        """The result of the field called `name` (KeyError if there is none)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def answers(self) -> dict[str, str]:
        """Field name → value, for every field read."""
        return {result.name: result.value for result in self.fields}

    @property
    def review_fields(self) -> list[FieldResult]:
        """The fields a person should check."""
        return [result for result in self.fields if result.needs_review]
