"""The student number from the ID grid, a barcode sticker and a printed QR, and their doubts."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from bench.degraded_scans import render_blank_pages
from bench.mark_painting import PEN, MarkStyle, mm_to_px, paint_bubble
from core.enums import ItemType
from core.settings import RecognitionThresholds
from omr.layout import AnswerSheetLayout, Bubble, BubbleField, FieldKind, RegionKind
from omr.mark_decision import FieldReading, MarkFlag
from omr.page_recognition import recognise_page
from omr.sheet_design import ItemSpec, SheetSpec, design_sheet
from omr.sheet_pdf import render_sheet_pdf
from omr.student_identity import (
    STICKER_CONFLICT,
    STICKERS_DIFFER,
    STUDENT_ID_CONFLICT,
    STUDENT_ID_UNREAD,
    identify_student,
)

SETTINGS = RecognitionThresholds()
DPI = 200


def _grid(number: str | None, digits: int = 4) -> tuple[list[BubbleField], list[FieldReading]]:
    """ID-grid fields and readings: `number` filled cleanly, or None for a blank grid."""
    fields, readings = [], []
    for position in range(digits):
        bubbles = tuple(Bubble(str(d), 10 + 6 * position, 10 + 5 * d, 2) for d in range(10))
        fields.append(BubbleField(f"id.{position + 1}", FieldKind.ID_DIGIT, bubbles))
        if number is None:
            readings.append(FieldReading("", (), (0.05,) * 10, 0.99,
                                         frozenset({MarkFlag.BLANK})))
        else:
            digit = number[position]
            fills = tuple(0.95 if str(d) == digit else 0.05 for d in range(10))
            readings.append(FieldReading(digit, (digit,), fills, 0.99, frozenset()))
    return fields, readings


def test_clean_grid_gives_the_number() -> None:
    identity = identify_student(*_grid("0427"), SETTINGS)
    assert identity.number == "0427" and identity.reasons == []


def test_blank_grid_without_other_source_is_unread() -> None:
    identity = identify_student(*_grid(None), SETTINGS)
    assert identity.number is None and identity.reasons == [STUDENT_ID_UNREAD]


def test_sticker_stands_in_for_a_blank_grid() -> None:
    identity = identify_student(*_grid(None), SETTINGS, stickers=["0427"])
    assert identity.number == "0427" and identity.reasons == []


def test_sticker_and_grid_must_agree() -> None:
    identity = identify_student(*_grid("0427"), SETTINGS, stickers=["0428"])
    assert identity.number is None
    assert identity.reasons == [STICKER_CONFLICT.format(number="0427", sticker="0428")]


def test_two_different_stickers_are_a_doubt() -> None:
    identity = identify_student(*_grid(None), SETTINGS, stickers=["0427", "0999"])
    assert identity.number is None
    assert identity.reasons == [STICKERS_DIFFER.format(stickers="0427, 0999")]


def test_printed_number_wins_over_a_blank_grid_and_is_checked_against_a_filled_one() -> None:
    assert identify_student(*_grid(None), SETTINGS, printed="0427").number == "0427"
    conflict = identify_student(*_grid("0428"), SETTINGS, printed="0427")
    assert conflict.number is None
    assert conflict.reasons == [STUDENT_ID_CONFLICT.format(filled="0428", printed="0427")]


def test_sheet_without_grid_or_sticker_has_no_number_and_no_doubt() -> None:
    identity = identify_student([], [], SETTINGS)
    assert identity.number is None and identity.reasons == []


@pytest.fixture(scope="module")
def sticker_sheet(tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[AnswerSheetLayout, np.ndarray]:
    """A printed A4 sheet with a barcode box, rasterised at 200 dpi."""
    folder: Path = tmp_path_factory.mktemp("sticker")
    items = [ItemSpec(str(n), ItemType.SINGLE_CHOICE, 4) for n in range(1, 11)]
    layout = design_sheet(SheetSpec(exam_id=8, layout_version=1, title="条形码测试",
                                    barcode_area=True, items=items))
    render_sheet_pdf(layout, folder / "sheet.pdf")
    return layout, render_blank_pages(folder / "sheet.pdf", DPI)[0]


def _stick(page: np.ndarray, layout: AnswerSheetLayout, text: str, angle: float) -> None:
    """Paste a Code 128 sticker (0.375 mm modules) into the barcode box, slightly turned."""
    box = next(r for r in layout.page(1).regions if r.kind is RegionKind.BARCODE).rect
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    label = np.array(zxingcpp.write_barcode_to_image(code, scale=3, add_quiet_zones=True))
    label = cv2.resize(label, None, fx=1.0, fy=0.5, interpolation=cv2.INTER_NEAREST)
    turn = cv2.getRotationMatrix2D((label.shape[1] / 2, label.shape[0] / 2), angle, 1.0)
    label = cv2.warpAffine(label, turn, (label.shape[1], label.shape[0]), borderValue=255)
    x, y = (round(mm_to_px(v, DPI)) for v in box.centre)
    top, left = y - label.shape[0] // 2, x - label.shape[1] // 2
    window = page[top:top + label.shape[0], left:left + label.shape[1]]
    np.minimum(window, label, out=window)


def _fill_number(page: np.ndarray, layout: AnswerSheetLayout, number: str) -> None:
    rng = np.random.default_rng(3)
    for position, digit in enumerate(number, start=1):
        bubble = next(b for b in layout.page(1).field(f"id.{position}").bubbles
                      if b.value == digit)
        paint_bubble(page, bubble, MarkStyle.FILLED, DPI, PEN, rng)


def _jpeg(page: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def test_student_is_identified_by_the_sticker_alone(
        sticker_sheet: tuple[AnswerSheetLayout, np.ndarray]) -> None:
    layout, blank = sticker_sheet
    page = blank.copy()
    _stick(page, layout, "20230815", angle=2.0)
    result = recognise_page(_jpeg(page), [layout], SETTINGS)
    assert result.student_number == "20230815", [r.en for r in result.reasons]


def test_sticker_disagreeing_with_the_grid_is_flagged(
        sticker_sheet: tuple[AnswerSheetLayout, np.ndarray]) -> None:
    layout, blank = sticker_sheet
    page = blank.copy()
    _stick(page, layout, "20230815", angle=-1.5)
    _fill_number(page, layout, "20230816")
    result = recognise_page(_jpeg(page), [layout], SETTINGS)
    assert result.student_number is None
    assert result.status == "flagged"
    assert STICKER_CONFLICT.format(number="20230816", sticker="20230815") in result.reasons
