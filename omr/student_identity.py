"""Who wrote a page: the student number from the ID grid, a barcode sticker or the QR code.

A number can come from three places: the digits the student filled in (id.1 … id.N), a
barcode sticker in the 条形码粘贴区, or the page QR of a sheet printed for one student.
When more than one is present they must agree; when they do not, or the grid is filled
unclearly, the page gets a reason and no number, never a guess. The 缺考 (absent) box is
read here too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.i18n import LocalisedText
from core.settings import RecognitionThresholds
from omr.layout import BubbleField, FieldKind
from omr.mark_decision import FieldReading, MarkFlag, needs_review

STUDENT_ID_UNREAD = LocalisedText("考号填涂不完整或有疑问，无法确定考生，请核对。",
                                  "The student number is incomplete or unclear; the student "
                                  "could not be identified. Please check.")
STUDENT_ID_CONFLICT = LocalisedText(
    "考号填涂（{filled}）与答题卡上印制的考号（{printed}）不一致，请核对。",
    "The student number filled in ({filled}) differs from the one printed on the sheet "
    "({printed}). Please check.")
STICKER_CONFLICT = LocalisedText(
    "考号（{number}）与条形码（{sticker}）不一致，请核对。",
    "The student number ({number}) differs from the barcode sticker ({sticker}). "
    "Please check.")
STICKERS_DIFFER = LocalisedText(
    "条形码粘贴区有多个不同的条形码（{stickers}），请核对。",
    "The barcode box holds different barcodes ({stickers}). Please check.")
ABSENT_UNCLEAR = LocalisedText("缺考标记填涂有疑问，请核对。",
                               "The absent mark is unclear. Please check.")

_ID_NAME = re.compile(r"^id\.(\d+)$")


@dataclass
class StudentIdentity:
    """The student number (None when unknown or in doubt), the absent mark and any doubts."""

    number: str | None = None
    absent: bool = False
    reasons: list[LocalisedText] = field(default_factory=list)


@dataclass(frozen=True)
class _Grid:
    filled: str
    blank: bool
    clean: bool


def identify_student(fields: Sequence[BubbleField], readings: Sequence[FieldReading],
                     settings: RecognitionThresholds, printed: str = "",
                     stickers: Sequence[str] = ()) -> StudentIdentity:
    """Decide the page's student number from its ID grid, stickers and printed QR number."""
    identity = StudentIdentity()
    digits: list[tuple[int, FieldReading]] = []
    for bubble_field, reading in zip(fields, readings, strict=True):
        match = _ID_NAME.match(bubble_field.name)
        if bubble_field.kind == FieldKind.ID_DIGIT and match:
            digits.append((int(match.group(1)), reading))
        elif bubble_field.kind == FieldKind.ABSENT:
            identity.absent = bool(reading.marked)
            if needs_review(reading, settings, False):
                identity.reasons.append(ABSENT_UNCLEAR)
    grid = _read_grid(sorted(digits, key=lambda pair: pair[0]), settings)
    if len(set(stickers)) > 1:
        listed = ", ".join(sorted(set(stickers)))
        identity.reasons.append(STICKERS_DIFFER.format(stickers=listed))
        return identity
    if grid is not None and not grid.blank and not grid.clean:
        identity.reasons.append(STUDENT_ID_UNREAD)
        return identity
    filled = grid.filled if grid is not None and not grid.blank else ""
    doubts = len(identity.reasons)
    identity.number = _agreeing_number(filled, stickers[0] if stickers else "", printed,
                                       identity)
    if identity.number is None and grid is not None and len(identity.reasons) == doubts:
        identity.reasons.append(STUDENT_ID_UNREAD)
    return identity


def _read_grid(digits: list[tuple[int, FieldReading]],
               settings: RecognitionThresholds) -> _Grid | None:
    if not digits:
        return None
    blank = all(MarkFlag.BLANK in reading.flags for _, reading in digits)
    clean = all(len(reading.marked) == 1 and not needs_review(reading, settings, False)
                for _, reading in digits)
    return _Grid("".join(reading.value for _, reading in digits), blank, clean)


def _agreeing_number(filled: str, sticker: str, printed: str,
                     identity: StudentIdentity) -> str | None:
    """The number every present source agrees on; a reason and None when they differ."""
    if printed and filled and filled != printed:
        identity.reasons.append(STUDENT_ID_CONFLICT.format(filled=filled, printed=printed))
        return None
    number = printed or filled
    if sticker and number and sticker != number:
        identity.reasons.append(STICKER_CONFLICT.format(number=number, sticker=sticker))
        return None
    return number or sticker or None


__all__ = ["StudentIdentity", "identify_student"]
