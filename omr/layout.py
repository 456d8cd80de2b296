"""`AnswerSheetLayout`: where everything is on a printed answer sheet, in millimetres.

A layout is the contract between the sheet printer, the recogniser and other tools: it
names every bubble (centre and radius) and every region (rectangle) of every page, with
the page's four corner anchors and its QR code. Coordinates are millimetres from the
page's top-left corner, x to the right and y down. Layouts are versioned and round-trip
through JSON (`to_json` / `from_json`); the JSON is documented field by field in
`omr/layout-json.md` and in this module's classes.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any

LAYOUT_SCHEMA_VERSION = 1
QR_PREFIX = "PTW"


class Paper(enum.StrEnum):
    """Paper sizes a sheet can be printed on (portrait width × height in mm below)."""

    A4 = "A4"
    A3 = "A3"
    K8 = "8K"


PAPER_SIZES_MM: dict[Paper, tuple[float, float]] = {
    Paper.A4: (210.0, 297.0),
    Paper.A3: (297.0, 420.0),
    Paper.K8: (260.0, 370.0),
}


class FieldKind(enum.StrEnum):
    """What a group of bubbles means, which decides how it is read."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    ID_DIGIT = "id_digit"
    ABSENT = "absent"
    OPTIONAL_SELECTOR = "optional_selector"
    SCORE_DIGIT = "score_digit"


class RegionKind(enum.StrEnum):
    """What a rectangle on the sheet holds."""

    SUBJECTIVE = "subjective"
    FILL_BLANK = "fill_blank"
    BARCODE = "barcode"
    HANDWRITTEN_ID = "handwritten_id"
    STUDENT_INFO = "student_info"


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle: top-left corner and size, in mm."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        """The rectangle's centre point."""
        return (self.x + self.width / 2, self.y + self.height / 2)


@dataclass(frozen=True, slots=True)
class Bubble:
    """One fillable mark: its label (what it means when filled) and its circle in mm.

    `value` is the label's meaning: "A".."H" for options, "T"/"F", "0".."9" for digits,
    a number of points ("10", "0.5") on score bars, "1" for the absent and selector boxes.
    """

    value: str
    cx: float
    cy: float
    r: float


@dataclass(frozen=True, slots=True)
class BubbleField:
    """Bubbles read together into one value (one question, one ID digit, one score digit).

    `name` is unique on the sheet ("q12", "id.3", "absent", "s27.tens"); `item` is the
    exam item label (题号) it answers, if any; score digits of one item share `item`
    and their values add up to the item's score.
    """

    name: str
    kind: FieldKind
    bubbles: tuple[Bubble, ...]
    item: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The bubble values in printed order."""
        return tuple(bubble.value for bubble in self.bubbles)


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle that is cropped rather than read as bubbles (answers, barcode, ID boxes)."""

    name: str
    kind: RegionKind
    rect: Rect
    item: str | None = None
    max_points: float | None = None


@dataclass(frozen=True, slots=True)
class Anchor:
    """A solid black square printed near a page corner, for alignment: centre and side, mm."""

    cx: float
    cy: float
    size: float


@dataclass(frozen=True, slots=True)
class PageLayout:
    """One page (one side of paper): its size, anchors, QR code, fields and regions."""

    number: int
    width: float
    height: float
    anchors: tuple[Anchor, Anchor, Anchor, Anchor]
    qr: Rect
    fields: tuple[BubbleField, ...] = ()
    regions: tuple[Region, ...] = ()

    def field(self, name: str) -> BubbleField:
        """The field called `name` (KeyError if the page has none)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class QrPayload:
    """What a page's QR code says: which exam, layout version, page and (optionally) student."""

    exam_id: int
    layout_version: int
    page: int
    student_number: str = ""

    def encode(self) -> str:
        """The text printed in the QR code, e.g. "PTW:12:3:1:" (short, so the code is small)."""
        return f"{QR_PREFIX}:{self.exam_id}:{self.layout_version}:{self.page}:{self.student_number}"

    @classmethod
    def decode(cls, text: str) -> QrPayload | None:
        """The payload in `text`, or None when it is not one of our page codes."""
        parts = text.strip().split(":")
        if len(parts) != 5 or parts[0] != QR_PREFIX:
            return None
        try:
            return cls(int(parts[1]), int(parts[2]), int(parts[3]), parts[4])
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class AnswerSheetLayout:
    """A whole answer sheet: exam, version, paper and its pages."""

    exam_id: int
    version: int
    title: str
    paper: Paper
    landscape: bool
    columns: int
    pages: tuple[PageLayout, ...]
    id_digits: int = 0
    schema_version: int = LAYOUT_SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def page(self, number: int) -> PageLayout:
        """The page numbered `number` (1-based)."""
        for page in self.pages:
            if page.number == number:
                return page
        raise KeyError(number)

    def qr_payload(self, page: int, student_number: str = "") -> QrPayload:
        """The QR payload printed on `page`."""
        return QrPayload(self.exam_id, self.version, page, student_number)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (enums as their values)."""
        return json.loads(json.dumps(asdict(self), default=str))

    def to_json(self) -> str:
        """The layout as indented JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerSheetLayout:
        """Rebuild a layout from `to_dict` output; raises ValueError/KeyError if malformed."""
        version = int(data.get("schema_version", LAYOUT_SCHEMA_VERSION))
        if version > LAYOUT_SCHEMA_VERSION:
            raise ValueError(f"layout schema {version} is newer than {LAYOUT_SCHEMA_VERSION}")
        pages = tuple(_page_from_dict(page) for page in data["pages"])
        return cls(
            exam_id=int(data["exam_id"]), version=int(data["version"]), title=data["title"],
            paper=Paper(data["paper"]), landscape=bool(data["landscape"]),
            columns=int(data["columns"]), pages=pages, id_digits=int(data.get("id_digits", 0)),
            schema_version=LAYOUT_SCHEMA_VERSION, extra=dict(data.get("extra", {})))

    @classmethod
    def from_json(cls, text: str) -> AnswerSheetLayout:
        """Parse a layout from JSON text."""
        return cls.from_dict(json.loads(text))


def _page_from_dict(data: dict[str, Any]) -> PageLayout:
    anchors = tuple(Anchor(**anchor) for anchor in data["anchors"])
    if len(anchors) != 4:
        raise ValueError("a page needs exactly four anchors")
    return PageLayout(
        number=int(data["number"]), width=float(data["width"]), height=float(data["height"]),
        anchors=anchors,  # type: ignore[arg-type]
        qr=Rect(**data["qr"]),
        fields=tuple(
            BubbleField(f["name"], FieldKind(f["kind"]),
                        tuple(Bubble(**b) for b in f["bubbles"]), f.get("item"))
            for f in data.get("fields", ())),
        regions=tuple(
            Region(r["name"], RegionKind(r["kind"]), Rect(**r["rect"]), r.get("item"),
                   r.get("max_points"))
            for r in data.get("regions", ())),
    )
