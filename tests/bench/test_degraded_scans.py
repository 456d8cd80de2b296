import cv2
import numpy as np
import pytest

from bench.mark_painting import MarkStyle, mm_to_px, paint_bubble, paint_page
from bench.scan_degradation import CONDITIONS, Degradation, apply_degradation, degradation_for
from omr.layout import Anchor, Bubble, BubbleField, FieldKind, PageLayout, Rect

DPI = 150


def _page() -> PageLayout:
    anchors = (Anchor(10, 10, 6), Anchor(200, 10, 6), Anchor(10, 287, 6), Anchor(200, 287, 6))
    fields = tuple(
        BubbleField(f"q{n}", FieldKind.SINGLE_CHOICE,
                    tuple(Bubble(letter, 30 + 8 * i, 40 + 7 * n, 2.2)
                          for i, letter in enumerate("ABCD")), str(n))
        for n in range(1, 11))
    return PageLayout(1, 210, 297, anchors, Rect(170, 15, 18, 18), fields)


def _blank() -> np.ndarray:
    return np.full((round(mm_to_px(297, DPI)), round(mm_to_px(210, DPI))), 250, np.uint8)


def _darkness(canvas: np.ndarray, bubble: Bubble) -> float:
    x, y = round(mm_to_px(bubble.cx, DPI)), round(mm_to_px(bubble.cy, DPI))
    r = round(mm_to_px(bubble.r, DPI) * 0.7)
    return 255 - float(canvas[y - r:y + r, x - r:x + r].mean())


def test_painted_answers_are_dark_and_match_the_truth() -> None:
    page, canvas = _page(), _blank()
    rng = np.random.default_rng(1)
    answers = {f"q{n}": ("ABCD"[n % 4],) for n in range(1, 11)}
    painted = paint_page(canvas, page, DPI, rng, answers,
                         style_weights={MarkStyle.FILLED: 1.0}, erasure_rate=0, stray_marks=0)
    assert {p.name: p.truth for p in painted} == {k: v[0] for k, v in answers.items()}
    for field in page.fields:
        for bubble in field.bubbles:
            chosen = bubble.value in answers[field.name]
            assert (_darkness(canvas, bubble) > 120) == chosen


@pytest.mark.parametrize(("style", "low", "high"), [
    (MarkStyle.FILLED, 150, 255), (MarkStyle.LIGHT, 60, 130), (MarkStyle.ERASED, 10, 70),
    (MarkStyle.TICK, 20, 150),
])
def test_mark_styles_have_their_darkness(style: MarkStyle, low: float, high: float) -> None:
    canvas = _blank()
    bubble = Bubble("A", 50, 50, 2.5)
    from bench.mark_painting import PENCIL

    paint_bubble(canvas, bubble, style, DPI, PENCIL, np.random.default_rng(2))
    assert low <= _darkness(canvas, bubble) <= high


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_gives_a_decodable_page_holding_the_whole_sheet(condition: str) -> None:
    rng = np.random.default_rng(3)
    canvas = _blank()
    canvas[20:60, 20:60] = 0
    recipe = degradation_for(condition, rng)
    data = apply_degradation(canvas, recipe, rng)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if recipe.rotation_deg:  # overscan: the skewed sheet's bounding box, corners and all
        assert image.shape[0] > canvas.shape[0] and image.shape[1] > canvas.shape[1]
    else:
        assert image.shape == canvas.shape
    assert int(image.min()) < 100  # the black square is still on the page


def test_a_skewed_sheet_keeps_all_four_corners() -> None:
    canvas = _blank()
    for corner in ((slice(0, 30), slice(0, 30)), (slice(0, 30), slice(-30, None)),
                   (slice(-30, None), slice(0, 30)), (slice(-30, None), slice(-30, None))):
        canvas[corner] = 0
    data = apply_degradation(canvas, Degradation(rotation_deg=5.0), np.random.default_rng(1))
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    _, dark = cv2.threshold(image, 100, 255, cv2.THRESH_BINARY_INV)
    count, _ = cv2.connectedComponents(dark)
    assert count - 1 == 4  # none of the corner squares was cut off


def test_upside_down_moves_the_top_left_mark_to_the_bottom_right() -> None:
    canvas = _blank()
    canvas[20:60, 20:60] = 0
    data = apply_degradation(canvas, Degradation(upside_down=True), np.random.default_rng(4))
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image[-40, -40] < 60 and image[40, 40] > 200
