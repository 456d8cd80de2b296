import cv2
import numpy as np
import pytest

from omr.bubble_fill import BubbleBoxes, measure_bubbles, measure_fills, score_crosses

RADIUS = 17  # px: a 4.4 mm bubble at 200 dpi


def _row(count: int = 8, paper: int = 250) -> tuple[np.ndarray, BubbleBoxes]:
    image = np.full((120, 60 * count + 60), paper, np.uint8)
    centres = np.array([(60 + 60 * i, 60) for i in range(count)], np.float64)
    for x, y in centres.astype(int):
        cv2.ellipse(image, (x, y), (RADIUS, RADIUS), 0, 0, 360, 140, 2, cv2.LINE_AA)
        cv2.putText(image, "A", (x - 6, y + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 200, 1)
    sizes = np.full((count, 2), 2.0 * RADIUS)
    return image, BubbleBoxes(centres, sizes)


def _fill(image: np.ndarray, centre: np.ndarray, fraction: float, ink: int = 30) -> None:
    radius = round(RADIUS * np.sqrt(fraction))
    cv2.circle(image, (int(centre[0]), int(centre[1])), radius, ink, -1, cv2.LINE_AA)


def test_empty_bubbles_read_low_despite_outline_and_letter() -> None:
    image, boxes = _row()
    fills = measure_fills(image, boxes)
    assert fills.dtype == np.float32 and fills.shape == (8,)
    assert np.all(fills < 0.1)


def test_filled_bubbles_read_high_and_in_order_of_fill() -> None:
    image, boxes = _row()
    for index, fraction in enumerate((0.4, 0.6, 0.8, 1.0)):
        _fill(image, boxes.centres[index + 2], fraction)
    fills = measure_fills(image, boxes)
    assert np.all(fills[[0, 1, 6, 7]] < 0.1)
    assert np.all(fills[2:6] > 0.6)
    assert np.all(np.diff(fills[2:6]) >= -0.01)


def test_grey_background_and_gradient_do_not_read_as_marks() -> None:
    image, boxes = _row(paper=250)
    _fill(image, boxes.centres[3], 1.0)
    gradient = np.linspace(0.55, 1.0, image.shape[1])[None, :]
    dark = (image.astype(np.float64) * gradient).astype(np.uint8)
    fills = measure_fills(dark, boxes)
    assert np.all(np.delete(fills, 3) < 0.12)
    assert fills[3] > 0.8


def test_misaligned_boxes_still_find_the_mark() -> None:
    image, boxes = _row()
    _fill(image, boxes.centres[2], 1.0)
    shifted = BubbleBoxes(boxes.centres + np.array([0.15, -0.15]) * 2 * RADIUS, boxes.sizes)
    fills = measure_fills(image, shifted)
    assert fills[2] > 0.8
    assert np.all(np.delete(fills, 2) < 0.2)


def test_light_pencil_reads_between_empty_and_dark() -> None:
    image, boxes = _row()
    _fill(image, boxes.centres[1], 1.0, ink=170)
    _fill(image, boxes.centres[2], 1.0, ink=30)
    fills = measure_fills(image, boxes)
    assert 0.15 < fills[1] < 0.5 < fills[2]


def test_tick_is_solid_ink_and_residue_is_not() -> None:
    image, boxes = _row()
    x, y = boxes.centres[1].astype(int)
    cv2.polylines(image, [np.array([(x - 10, y), (x - 3, y + 9), (x + 11, y - 11)])], False,
                  20, 3, cv2.LINE_AA)
    _fill(image, boxes.centres[2], 1.0, ink=200)
    measures = measure_bubbles(image, boxes)
    assert 0.15 < measures.fill[1] < 0.5
    assert measures.solid[1] > 0.6 * measures.fill[1]
    assert measures.solid[2] < 0.05


def test_blot_covering_the_window_reads_as_marked() -> None:
    image, boxes = _row()
    x, y = boxes.centres[4].astype(int)
    cv2.rectangle(image, (x - 40, y - 40), (x + 40, y + 40), 25, -1)
    fills = measure_fills(image, boxes)
    assert fills[4] > 0.9


def test_bubbles_outside_the_image_are_nan_and_none_is_fine() -> None:
    image, boxes = _row(3)
    outside = BubbleBoxes(np.array([[-50.0, 10.0], [60, 60], [1e9, 5]]), boxes.sizes)
    fills = measure_fills(image, outside)
    assert np.isnan(fills[0]) and np.isnan(fills[2]) and fills[1] < 0.1
    assert measure_fills(image, BubbleBoxes(np.zeros((0, 2)), np.zeros((0, 2)))).shape == (0,)


def test_rectangular_boxes_and_mixed_sizes() -> None:
    image = np.full((100, 200), 245, np.uint8)
    cv2.rectangle(image, (20, 30), (50, 50), 20, -1)
    cv2.rectangle(image, (120, 30), (170, 60), 150, 1)
    boxes = BubbleBoxes(np.array([[35.0, 40.0], [145.0, 45.0]]),
                        np.array([[30.0, 20.0], [50.0, 30.0]]), ellipse=False)
    fills = measure_fills(image, boxes)
    assert fills[0] > 0.9 and fills[1] < 0.05


def test_colour_image_is_refused() -> None:
    image, boxes = _row(2)
    with pytest.raises(ValueError):
        measure_fills(np.dstack([image] * 3), boxes)


def _cross(image: np.ndarray, centre: np.ndarray, reach: float = 1.5, tilt: float = 0.0) -> None:
    x, y = centre
    for sign in (-1, 1):
        dx, dy = reach * RADIUS, sign * reach * RADIUS * (1 + tilt)
        cv2.line(image, (round(x - dx), round(y - dy)), (round(x + dx), round(y + dy)), 20, 3,
                 cv2.LINE_AA)


def test_cross_strokes_past_the_outline_score_high_and_other_marks_do_not() -> None:
    image, boxes = _row()
    _fill(image, boxes.centres[1], 1.0)
    _cross(image, boxes.centres[1])  # filled and crossed out
    _cross(image, boxes.centres[2], tilt=0.3)  # crossed empty bubble, a little skewed
    _fill(image, boxes.centres[3], 1.0)  # plain mark
    _fill(image, boxes.centres[4], 1.7)  # overflowing mark
    x, y = boxes.centres[5].astype(int)
    cv2.polylines(image, [np.array([(x - 12, y), (x - 3, y + 12), (x + 22, y - 22)])], False,
                  20, 3, cv2.LINE_AA)  # a tick reaching out of the bubble
    cross = measure_bubbles(image, boxes).cross
    assert cross is not None
    assert cross[1] > 0.6 and cross[2] > 0.6
    assert np.all(cross[[0, 3, 4, 5, 6, 7]] < 0.2)


def test_crosses_are_scored_only_from_the_floor_and_score_the_same() -> None:
    image, boxes = _row()
    _fill(image, boxes.centres[1], 1.0)
    _cross(image, boxes.centres[1])
    _cross(image, boxes.centres[2])
    everything = measure_bubbles(image, boxes)
    unscored = measure_bubbles(image, boxes, cross_floor=None)
    assert unscored.cross is None and np.array_equal(unscored.fill, everything.fill)
    floor = float(np.median(everything.fill)) + 0.05
    cross = score_crosses(image, boxes, unscored, floor)
    scored = everything.fill >= floor
    assert scored[1] and scored[2] and not scored[0]
    assert np.all(np.isnan(cross[~scored]))
    assert np.allclose(cross[scored], everything.cross[scored])
