"""What recognising one page produces: field readings, crops, status and reasons."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

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
    `blank` says the page has next to no ink (the empty back of a one-sided sheet).
    `review_crops` are upright images of the fields a person must check, by field name,
    and `thumbnail` a small picture of a page that is not OK or whose ID grid gave no
    student number, for the exception queue.
    """

    status: PageStatus
    reasons: list[LocalisedText] = field(default_factory=list)
    blank: bool = False
    exam_id: int | None = None
    layout_version: int | None = None
    page: int | None = None
    student_number: str | None = None
    absent: bool = False
    fields: list[FieldResult] = field(default_factory=list)
    crops: list[RegionCrop] = field(default_factory=list)
    rotation: int = 0
    review_crops: dict[str, np.ndarray] = field(default_factory=dict)
    thumbnail: np.ndarray | None = None
    debug_image: np.ndarray | None = None

    def field(self, name: str) -> FieldResult:
        """The result of the field called `name` (KeyError if there is none)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def crop_of(self, kind: RegionKind) -> np.ndarray | None:
        """The first region crop of that kind (the written student number, say), if any."""
        return next((crop.image for crop in self.crops if crop.kind is kind), None)

    @property
    def answers(self) -> dict[str, str]:
        """Field name → value, for every field read."""
        return {result.name: result.value for result in self.fields}

    @property
    def review_fields(self) -> list[FieldResult]:
        """The fields a person should check."""
        return [result for result in self.fields if result.needs_review]

    def to_record(self) -> dict[str, Any]:
        """What was read, as JSON-ready data (no images): kept with the stored page."""
        return {
            "status": str(self.status), "blank": bool(self.blank),
            "reasons": [{"zh": r.zh, "en": r.en} for r in self.reasons],
            "exam_id": self.exam_id, "layout_version": self.layout_version, "page": self.page,
            "student_number": self.student_number, "absent": self.absent,
            "rotation": self.rotation,
            "fields": [{"name": f.name, "item": f.item, "kind": str(f.kind), "value": f.value,
                        "confidence": round(f.confidence, 4),
                        "flags": sorted(str(flag) for flag in f.flags),
                        "fills": [round(fill, 4) if math.isfinite(fill) else None
                                  for fill in f.fills],
                        "review": f.needs_review} for f in self.fields],
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> PageResult:
        """Rebuild a result (without images) from `to_record` output."""
        fields = [FieldResult(f["name"], f["item"], FieldKind(f["kind"]), f["value"],
                              float(f["confidence"]),
                              frozenset(MarkFlag(flag) for flag in f["flags"]),
                              tuple(math.nan if fill is None else fill for fill in f["fills"]),
                              bool(f["review"]))
                  for f in data.get("fields", [])]
        return cls(PageStatus(data["status"]),
                   [LocalisedText(r["zh"], r["en"]) for r in data.get("reasons", [])],
                   blank=bool(data.get("blank", False)), exam_id=data.get("exam_id"),
                   layout_version=data.get("layout_version"), page=data.get("page"),
                   student_number=data.get("student_number"),
                   absent=bool(data.get("absent", False)), fields=fields,
                   rotation=int(data.get("rotation", 0)))
