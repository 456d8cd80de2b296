"""Reading OMRChecker sheets: block snapping and the sheet-level baseline option they use."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.settings import RecognitionThresholds
from omr.mark_decision import estimate_baseline
from omr.omrchecker import OmrTemplate, parse_template, read_page
from omr.omrchecker.align import block_shifts

SETTINGS = RecognitionThresholds()


def _template(tmp_path: Path) -> OmrTemplate:
    data = {
        "pageDimensions": [400, 300], "bubbleDimensions": [20, 20],
        "customLabels": {"Code": ["c1..3"]},
        "fieldBlocks": {
            "Mcq": {"fieldType": "QTYPE_MCQ4", "origin": [60, 40], "bubblesGap": 40,
                    "labelsGap": 35, "fieldLabels": ["q1..5"]},
            "Code": {"fieldType": "QTYPE_INT", "origin": [260, 30], "bubblesGap": 25,
                     "labelsGap": 30, "fieldLabels": ["c1..3"], "emptyValue": "x"},
        },
    }
    (tmp_path / "template.json").write_text(json.dumps(data))
    return parse_template(data, tmp_path / "template.json")


def _paint(template: OmrTemplate, marks: dict[str, str], shift: tuple[int, int] = (0, 0),
           glyphs: bool = False) -> np.ndarray:
    page = np.full((300, 400), 235, dtype=np.uint8)
    for field in template.fields:
        block_shift = shift if field.block == "Mcq" else (0, 0)
        for bubble in field.bubbles:
            cx = round(bubble.centre[0] + block_shift[0])
            cy = round(bubble.centre[1] + block_shift[1])
            cv2.circle(page, (cx, cy), 10, 40, 2)
            if glyphs:
                cv2.putText(page, bubble.value, (cx - 5, cy + 5), cv2.FONT_HERSHEY_SIMPLEX,
                            0.45, 30, 2)
            if bubble.value in marks.get(field.label, ""):
                cv2.circle(page, (cx, cy), 9, 70, -1)
    return page


def test_page_reads_marks_and_encodes_like_omrchecker(tmp_path: Path) -> None:
    template = _template(tmp_path)
    marks = {"q1": "B", "q2": "AC", "q4": "D", "q5": "A", "c1": "4", "c3": "9"}
    result = read_page(_paint(template, marks, glyphs=True), template, SETTINGS)
    assert result.columns == {"Code": "4x9", "q1": "B", "q2": "AC", "q3": "", "q4": "D",
                              "q5": "A"}


def test_a_shifted_block_is_snapped_back(tmp_path: Path) -> None:
    template = _template(tmp_path)
    marks = {"q1": "B", "q3": "C", "c2": "7"}
    page = _paint(template, marks, shift=(9, -7))
    shifts = block_shifts(page, template)
    assert (shifts["Mcq"].dx, shifts["Mcq"].dy) == (9, -7)
    assert (shifts["Code"].dx, shifts["Code"].dy) == (0, 0)
    assert read_page(page, template, SETTINGS).columns["q3"] == "C"
    unaligned = read_page(page, template, SETTINGS, align=False)
    assert unaligned.shifts == {}


def test_blank_paper_keeps_the_template_position(tmp_path: Path) -> None:
    template = _template(tmp_path)
    shifts = block_shifts(np.full((300, 400), 240, dtype=np.uint8), template)
    assert all((s.dx, s.dy) == (0, 0) for s in shifts.values())


@pytest.mark.parametrize(("empties", "marks"), [
    ((0.32, 0.47), (0.59, 0.74)),   # letters printed inside the bubbles
    ((0.05, 0.20), (0.33, 0.64)),   # light pencil on a phone photo
    ((0.36, 0.53), (0.99, 1.0)),    # digits in bubbles darkened by a Levels filter
])
def test_from_sheet_baseline_splits_two_clear_groups(empties: tuple[float, float],
                                                     marks: tuple[float, float]) -> None:
    rng = np.random.default_rng(3)
    fills = np.concatenate([rng.uniform(*empties, 60), rng.uniform(*marks, 12),
                            [empties[1], marks[0]]])
    baseline = estimate_baseline(fills, SETTINGS, from_sheet=True)
    assert empties[1] < baseline.threshold < marks[0]
    assert baseline.light < baseline.threshold


def test_from_sheet_baseline_falls_back_without_two_groups() -> None:
    rng = np.random.default_rng(5)
    noise = rng.normal(0.05, 0.02, 200).clip(0, 1)
    assert estimate_baseline(noise, SETTINGS, from_sheet=True) == estimate_baseline(
        noise, SETTINGS)
    assert estimate_baseline(np.array([]), SETTINGS, from_sheet=True) == estimate_baseline(
        np.array([]), SETTINGS)
