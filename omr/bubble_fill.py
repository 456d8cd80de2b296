"""How much of each bubble is filled with ink, measured on a grey page image.

A bubble's fill is the mean darkness of its inner area (an ellipse or rectangle about
70 % of the bubble's size, so the printed outline is left out). Darkness is measured
against the paper level around that bubble, so uneven light and the grey background of
a photocopy do not read as marks: a pixel as bright as the local paper counts 0, one at
a third of the paper's brightness (or darker) counts 1, linearly in between. To tolerate
a small misalignment the inner area is tried at a few small shifts (±12 % of the size)
and the darkest placement is kept.

Only the pixels needed are read: a sparse sample of a window around each bubble for its
paper level, its inner area (on every second or third pixel when the bubble is big
enough, which measures the same mean for a quarter or a ninth of the work) and a few
points just outside it for the cross test; one matrix product covers all shifts, so a
page of a few hundred bubbles is measured in a few milliseconds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

INNER_FRACTION = 0.72
"""Size of the measured inner area, as a fraction of the bubble's box."""

SHIFT_FRACTION = 0.12
"""Largest shift of the inner area tried, as a fraction of the bubble's size."""

WINDOW_FRACTION = 1.7
"""Side of the window read around a bubble (paper level and shifts), in bubble sizes."""

PAPER_QUANTILE = 90
"""Percentile of a window taken as its paper level."""

WHITE_POINT = 0.85
"""Pixels brighter than this fraction of the paper level count as no ink."""

BLACK_POINT = 0.35
"""Pixels darker than this fraction of the paper level count as full ink."""

SOLID_DARKNESS = 0.8
"""Darkness from which a pixel counts as solid ink (pen or firm pencil, not residue)."""

SAMPLES_ACROSS = 16
"""Fewest samples taken across a bubble's box: bigger bubbles are read on a coarser grid."""

PAPER_SAMPLE_STEP = 3
"""Grid step (px) of the window sample the paper level is taken from."""



@dataclass(frozen=True)
class BubbleBoxes:
    """Bubbles in image pixels: centres (N, 2) as (x, y) and box sizes (N, 2) as (w, h)."""

    centres: np.ndarray
    sizes: np.ndarray
    ellipse: bool = True


@dataclass(frozen=True)
class BubbleMeasures:
    """What was measured in each bubble, all arrays of shape (N,), float32 in 0..1.

    `fill` is the mean darkness of the inner area; `solid` the fraction of the inner
    area that is solid ink (a tick in pen is low fill but solid, erasure residue is
    neither); `paper` the local paper level (0..255) the darkness was measured against;
    `cross` how much the bubble looks struck through by a cross ✗: the darkness of the
    weakest of its four diagonal directions just outside the bubble, less the darkest of
    its four straight directions there, each direction taken as its three darkest
    samples (−1..1; a cross's strokes reach past the outline on the diagonals only, an
    overflowing fill or scribble on all sides); NaN where not scored (see
    `measure_bubbles`).
    """

    fill: np.ndarray
    solid: np.ndarray
    paper: np.ndarray
    cross: np.ndarray | None = None


def measure_fills(gray: np.ndarray, boxes: BubbleBoxes) -> np.ndarray:
    """Fill of every bubble, (N,) float32 in 0..1; NaN for a bubble outside the image."""
    return measure_bubbles(gray, boxes).fill


def measure_bubbles(gray: np.ndarray, boxes: BubbleBoxes, *,
                    cross_floor: float | None = 0.0) -> BubbleMeasures:
    """Fill, solid-ink fraction and paper level of every bubble (see `BubbleMeasures`).

    Cross scores are computed for the bubbles filled at least `cross_floor` (a cross
    leaves ink inside), or for none with None: a caller that knows the floor only from
    the fills scores them afterwards with `score_crosses`.
    """
    centres, sizes, keys = _boxes_in_pixels(boxes)
    count = len(centres)
    fill = np.full(count, np.nan, dtype=np.float32)
    solid = np.full(count, np.nan, dtype=np.float32)
    paper = np.full(count, np.nan, dtype=np.float32)
    if count and gray.ndim != 2:
        raise ValueError("measure_bubbles needs a single-channel (grey) image")
    inside = _inside_image(gray.shape, centres, sizes)
    rows, cols = _centre_pixels(centres, inside)
    for key in np.unique(keys[inside], axis=0):
        group = np.flatnonzero(inside & np.all(keys == key, axis=1))
        probe = _probe((int(key[0]), int(key[1])), boxes.ellipse)
        group_paper = _paper_level(_grid(gray, rows[group], cols[group], probe.window_half,
                                         PAPER_SAMPLE_STEP))
        crop = _grid(gray, rows[group], cols[group], probe.crop_half, probe.step)
        fill[group], solid[group] = _fills(crop, probe.masks, group_paper)
        paper[group] = group_paper
    _correct_paper_outliers(gray, rows, cols, keys, boxes.ellipse, fill, solid, paper)
    measures = BubbleMeasures(fill, solid, paper)
    if cross_floor is None:
        return measures
    return BubbleMeasures(fill, solid, paper, score_crosses(gray, boxes, measures, cross_floor))


def score_crosses(gray: np.ndarray, boxes: BubbleBoxes, measures: BubbleMeasures,
                  floor: float) -> np.ndarray:
    """Cross scores (see `BubbleMeasures.cross`) of the bubbles filled at least `floor`.

    The others are NaN: an empty bubble cannot be an answer crossed out.
    """
    centres, sizes, keys = _boxes_in_pixels(boxes)
    cross = np.full(len(centres), np.nan, dtype=np.float32)
    with np.errstate(invalid="ignore"):
        scored = _inside_image(gray.shape, centres, sizes) & (measures.fill >= floor)
    rows, cols = _centre_pixels(centres, scored)
    for key in np.unique(keys[scored], axis=0):
        group = np.flatnonzero(scored & np.all(keys == key, axis=1))
        probe = _probe((int(key[0]), int(key[1])), boxes.ellipse)
        cross[group] = _cross_scores(gray, rows[group], cols[group], probe,
                                     measures.paper[group])
    return cross


def _boxes_in_pixels(boxes: BubbleBoxes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres (n, 2), sizes (n, 2) and whole-pixel size keys (n, 2) of the boxes."""
    centres = np.asarray(boxes.centres, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(boxes.sizes, dtype=np.float64).reshape(-1, 2)
    return centres, sizes, np.round(np.maximum(sizes, 2.0)).astype(np.int64)


def _centre_pixels(centres: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each centre's pixel (0 where `where` is False)."""
    rows = np.zeros(len(centres), np.int64)
    cols = np.zeros(len(centres), np.int64)
    rows[where] = np.rint(centres[where, 1])
    cols[where] = np.rint(centres[where, 0])
    return rows, cols


def _inside_image(shape: tuple[int, ...], centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Which bubbles lie wholly inside the image (their box, not their window)."""
    height, width = shape[:2]
    half = sizes / 2
    finite = np.all(np.isfinite(centres), axis=1) & np.all(np.isfinite(sizes), axis=1)
    with np.errstate(invalid="ignore"):
        return (finite & (centres[:, 0] - half[:, 0] >= 0) & (centres[:, 1] - half[:, 1] >= 0)
                & (centres[:, 0] + half[:, 0] <= width - 1)
                & (centres[:, 1] + half[:, 1] <= height - 1))


@dataclass(frozen=True)
class _Probe:
    """Where a bubble of one box size is read, relative to its centre pixel.

    `window_half` (rows, cols, in samples `PAPER_SAMPLE_STEP` px apart) is the half-size
    of the window its paper level comes from;
    `crop_half` (rows, cols, in samples `step` px apart) that of the inner-area grid, and
    `masks` (shifts, samples) weigh that grid for each shift, each summing to 1;
    `diagonal` and `straight` are the (dy, dx) points of the cross test (4 directions
    × samples each).
    """

    window_half: tuple[int, int]
    step: int
    crop_half: tuple[int, int]
    masks: np.ndarray
    diagonal: tuple[np.ndarray, np.ndarray]
    straight: tuple[np.ndarray, np.ndarray]


@functools.lru_cache(maxsize=64)
def _probe(key: tuple[int, int], ellipse: bool) -> _Probe:
    """The reading geometry of a bubble whose box is `key` = (w, h) px."""
    reach = INNER_FRACTION / 2 + SHIFT_FRACTION
    window_h = max(np.ceil(key[1] * WINDOW_FRACTION), np.ceil(2 * reach * key[1]) + 5)
    window_w = max(np.ceil(key[0] * WINDOW_FRACTION), np.ceil(2 * reach * key[0]) + 5)
    window_half = (int(window_h) // 2 // PAPER_SAMPLE_STEP,
                   int(window_w) // 2 // PAPER_SAMPLE_STEP)
    step = max(1, min(key) // SAMPLES_ACROSS)
    half_h_px, half_w_px = int(np.ceil(reach * key[1])) + 1, int(np.ceil(reach * key[0])) + 1
    crop_half = (half_h_px // step, half_w_px // step)
    ys = step * np.arange(-crop_half[0], crop_half[0] + 1, dtype=np.float32)
    xs = step * np.arange(-crop_half[1], crop_half[1] + 1, dtype=np.float32)
    masks = np.stack([_inner_mask(xs, ys, key, dx, dy, ellipse)
                      for dy in (-SHIFT_FRACTION, 0.0, SHIFT_FRACTION)
                      for dx in (-SHIFT_FRACTION, 0.0, SHIFT_FRACTION)])
    masks.flags.writeable = False
    diagonal, straight = _ray_points(key)
    return _Probe(window_half, step, crop_half, masks, diagonal, straight)


def _inner_mask(xs: np.ndarray, ys: np.ndarray, key: tuple[int, int], dx: float, dy: float,
                ellipse: bool) -> np.ndarray:
    """The inner area shifted by (dx, dy) bubble sizes, on the grid `xs` × `ys`, summing to 1."""
    u = (xs[None, :] - dx * key[0]) / (key[0] * INNER_FRACTION / 2)
    v = (ys[:, None] - dy * key[1]) / (key[1] * INNER_FRACTION / 2)
    mask = (u * u + v * v <= 1.0) if ellipse else ((np.abs(u) <= 1) & (np.abs(v) <= 1))
    return mask.astype(np.float32).ravel() / max(mask.sum(), 1)


def _grid(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, half: tuple[int, int],
          step: int) -> np.ndarray:
    """Pixels (n, samples) on a grid `step` px apart, ±`half` samples around each centre.

    Edge pixels are repeated past the image border.
    """
    span_h, span_w = 2 * half[0] * step + 1, 2 * half[1] * step + 1
    top, left = rows - half[0] * step, cols - half[1] * step
    inside = ((top >= 0) & (left >= 0) & (top + span_h <= gray.shape[0])
              & (left + span_w <= gray.shape[1]))
    if inside.all():
        view = np.lib.stride_tricks.sliding_window_view(gray, (span_h, span_w))
        return view[top, left, ::step, ::step].reshape(len(rows), -1)
    grid_rows = np.clip(top[:, None] + step * np.arange(2 * half[0] + 1), 0, gray.shape[0] - 1)
    grid_cols = np.clip(left[:, None] + step * np.arange(2 * half[1] + 1), 0, gray.shape[1] - 1)
    return gray[grid_rows[:, :, None], grid_cols[:, None, :]].reshape(len(rows), -1)


def _paper_level(sample: np.ndarray) -> np.ndarray:
    """Paper level (float32, at least 1) of each row of a window sample."""
    return np.maximum(_row_quantile(sample, PAPER_QUANTILE), 1.0).astype(np.float32)


def _row_quantile(rows: np.ndarray, percent: float) -> np.ndarray:
    """`np.percentile(rows, percent, axis=1)` (linear interpolation), by partial sorting."""
    position = (rows.shape[1] - 1) * percent / 100.0
    below = int(np.floor(position))
    above = min(below + 1, rows.shape[1] - 1)
    parted = np.partition(rows, [below, above], axis=1)
    low, high = parted[:, below].astype(np.float64), parted[:, above].astype(np.float64)
    return low + (high - low) * (position - below)


def _fills(crop: np.ndarray, masks: np.ndarray,
           paper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best-shift fill and solid fraction of inner-area grids (n, samples)."""
    darkness = _darkness(crop, paper)
    fills = darkness @ masks.T
    best = np.argmax(fills, axis=1)
    solid_all = (darkness >= SOLID_DARKNESS).astype(np.float32) @ masks.T
    rows = np.arange(len(crop))
    return fills[rows, best], solid_all[rows, best]


def _ray_points(key: tuple[int, int]) -> tuple[tuple[np.ndarray, np.ndarray],
                                               tuple[np.ndarray, np.ndarray]]:
    """(dy, dx) points (4 directions, samples) just outside a bubble of box `key`.

    Diagonal directions sample an arc of ±20° around 45° + k·90°, straight ones ±10°
    around k·90°, each at 0.68–0.84 of the bubble's size from its centre.
    """
    points = []
    for diagonal in (True, False):
        bases = 45 + 90 * np.arange(4) if diagonal else 90 * np.arange(4)
        spread = np.arange(-20, 21, 5) if diagonal else np.arange(-10, 11, 5)
        angles = np.radians(bases[:, None, None] + spread[None, :, None])
        radii = np.array([0.68, 0.76, 0.84])[None, None, :]
        dx = np.rint(np.cos(angles) * radii * key[0]).astype(np.int64).reshape(4, -1)
        dy = np.rint(np.sin(angles) * radii * key[1]).astype(np.int64).reshape(4, -1)
        points.append((dy, dx))
    return points[0], points[1]


def _cross_scores(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray, probe: _Probe,
                  paper: np.ndarray) -> np.ndarray:
    """Cross score of each bubble (see `BubbleMeasures.cross`)."""
    diagonal = _darkness(_points(gray, rows, cols, probe.diagonal), paper)
    straight = _darkness(_points(gray, rows, cols, probe.straight), paper)
    count = len(rows)
    diagonal_strength = _top_mean(diagonal.reshape(count, 4, -1)).min(axis=1)
    straight_strength = _top_mean(straight.reshape(count, 4, -1)).max(axis=1)
    return (diagonal_strength - straight_strength).astype(np.float32)


def _points(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray,
            offsets: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Pixels (n, points) at (dy, dx) `offsets` from each centre, clipped to the image."""
    dy, dx = offsets
    point_rows = np.clip(rows[:, None] + dy.ravel(), 0, gray.shape[0] - 1)
    point_cols = np.clip(cols[:, None] + dx.ravel(), 0, gray.shape[1] - 1)
    return gray[point_rows, point_cols]


def _top_mean(samples: np.ndarray, count: int = 3) -> np.ndarray:
    """Mean of the `count` darkest samples along the last axis (a speck is not a stroke)."""
    return np.partition(samples, -count, axis=-1)[..., -count:].mean(axis=-1)


def _darkness(pixels: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Per-pixel darkness 0..1 of `pixels` (n, m) against each row's paper level (n,)."""
    darkness = pixels.astype(np.float32)
    np.subtract((WHITE_POINT * paper)[:, None], darkness, out=darkness)
    darkness *= (1.0 / ((WHITE_POINT - BLACK_POINT) * paper))[:, None]
    np.maximum(darkness, 0.0, out=darkness)
    np.minimum(darkness, 1.0, out=darkness)
    return darkness


def _correct_paper_outliers(gray: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                            keys: np.ndarray, ellipse: bool, fill: np.ndarray,
                            solid: np.ndarray, paper: np.ndarray) -> None:
    """Re-measure bubbles whose window is mostly ink (a blot) against the page's paper.

    A window covered in ink has a dark 90th percentile, which would make its bubble look
    empty; such windows are measured again against the median paper level of the page.
    """
    known = np.isfinite(paper)
    if known.sum() < 3:
        return
    typical = float(np.median(paper[known]))
    for index in np.flatnonzero(known & (paper < 0.7 * typical)):
        probe = _probe((int(keys[index, 0]), int(keys[index, 1])), ellipse)
        crop = _grid(gray, rows[index:index + 1], cols[index:index + 1], probe.crop_half,
                     probe.step)
        level = np.array([typical], dtype=np.float32)
        index_fill, index_solid = _fills(crop, probe.masks, level)
        fill[index], solid[index], paper[index] = index_fill[0], index_solid[0], typical
