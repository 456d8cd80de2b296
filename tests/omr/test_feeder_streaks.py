"""Feeder streaks (dust on the scan glass) are found and painted out; print is not."""

import numpy as np

from core.settings import RecognitionThresholds
from omr.feeder_streaks import remove_streaks, streak_columns
from omr.page_recognition import recognise_page
from omr.page_result import PageStatus
from tests.omr.synthetic_pages import paint_page, random_marks, sample_layout

LAYOUT = sample_layout()


def _streaked(image: np.ndarray, columns: list[tuple[int, int]], level: int) -> np.ndarray:
    out = image.copy()
    for first, last in columns:
        out[:, first:last + 1] = np.minimum(out[:, first:last + 1], level)
    return out


def test_streaks_are_found_where_they_are_and_only_there() -> None:
    marks, _ = random_marks(LAYOUT, 3)
    page = paint_page(LAYOUT, marks)
    assert streak_columns(page) == []
    streaked = _streaked(page, [(300, 301), (900, 902)], 120)
    assert streak_columns(streaked) == [(300, 301), (900, 902)]
    repaired = remove_streaks(streaked)
    assert streak_columns(repaired) == []
    assert np.abs(repaired[:, 295:310].astype(int) - page[:, 295:310]).mean() < 6


def test_a_long_printed_line_is_not_a_streak() -> None:
    page = np.full((2339, 1654), 250, np.uint8)
    page[100:2000, 800:803] = 30  # a frame line over 80 % of the height
    assert streak_columns(page) == []


def test_a_streak_through_the_qr_code_does_not_stop_reading() -> None:
    marks, truth = random_marks(LAYOUT, 4)
    page = paint_page(LAYOUT, marks)
    qr_column = round((LAYOUT.pages[0].qr.x + 2.5) * 200 / 25.4)  # through a finder pattern
    bubble_column = round(LAYOUT.pages[0].field("q1").bubbles[1].cx * 200 / 25.4)
    streaked = _streaked(page, [(qr_column, qr_column + 1), (bubble_column, bubble_column + 1)],
                         60)
    result = recognise_page(streaked, [LAYOUT], RecognitionThresholds())
    assert result.status == PageStatus.OK, [reason.en for reason in result.reasons]
    assert result.answers == truth
