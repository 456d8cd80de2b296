"""How much of each bubble is filled with ink, measured on a grey page image.

A bubble's fill is the mean darkness of its inner area (an ellipse or rectangle about
70 % of the bubble's size, so the printed outline is left out). Darkness is measured
against the paper level around that bubble, so uneven light and the grey background of
a photocopy do not read as marks: a pixel as bright as the local paper counts 0, one at
a third of the paper's brightness (or darker) counts 1, linearly in between. To tolerate
a small misalignment the inner area is tried at a few small shifts (±12 % of the size)
and the darkest placement is kept.

Only small windows around the bubbles are read (fancy indexing, one matrix product for
all shifts), so a page of a few hundred bubbles is measured in a few milliseconds.
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
    overflowing fill or scribble on all sides).
    """

    fill: np.ndarray
    solid: np.ndarray
    paper: np.ndarray
    cross: np.ndarray | None = None


def measure_fills(gray: np.ndarray, boxes: BubbleBoxes) -> np.ndarray:
    """Fill of every bubble, (N,) float32 in 0..1; NaN for a bubble outside the image."""
    return measure_bubbles(gray, boxes).fill


def measure_bubbles(gray: np.ndarray, boxes: BubbleBoxes) -> BubbleMeasures:
    """Fill, solid-ink fraction and paper level of every bubble (see `BubbleMeasures`)."""
    centres = np.asarray(boxes.centres, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(boxes.sizes, dtype=np.float64).reshape(-1, 2)
    count = len(centres)
    fill = np.full(count, np.nan, dtype=np.float32)
    solid = np.full(count, np.nan, dtype=np.float32)
    paper = np.full(count, np.nan, dtype=np.float32)
    cross = np.full(count, np.nan, dtype=np.float32)
    if count == 0:
        return BubbleMeasures(fill, solid, paper, cross)
    if gray.ndim != 2:
        raise ValueError("measure_bubbles needs a single-channel (grey) image")
    inside = _inside_image(gray.shape, centres, sizes)
    keys = np.round(np.maximum(sizes, 2.0)).astype(np.int64)
    for key in np.unique(keys[inside], axis=0):
        group = np.flatnonzero(inside & np.all(keys == key, axis=1))
        windows = _windows(gray, centres[group], key)
        group_fill, group_solid, group_paper = _measure_group(windows, key, boxes.ellipse)
        fill[group], solid[group], paper[group] = group_fill, group_solid, group_paper
        cross[group] = _cross_scores(windows, key, group_paper)
    _correct_paper_outliers(gray, centres, sizes, fill, solid, paper, boxes.ellipse)
    return BubbleMeasures(fill, solid, paper, cross)


def _inside_image(shape: tuple[int, ...], centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Which bubbles lie wholly inside the image (their box, not their window)."""
    height, width = shape[:2]
    half = sizes / 2
    finite = np.all(np.isfinite(centres), axis=1) & np.all(np.isfinite(sizes), axis=1)
    with np.errstate(invalid="ignore"):
        return (finite & (centres[:, 0] - half[:, 0] >= 0) & (centres[:, 1] - half[:, 1] >= 0)
                & (centres[:, 0] + half[:, 0] <= width - 1)
                & (centres[:, 1] + half[:, 1] <= height - 1))


def _window_side(key: np.ndarray) -> tuple[int, int]:
    """Window (height, width) in px read around a bubble whose box is `key` = (w, h)."""
    reach = INNER_FRACTION / 2 + SHIFT_FRACTION
    height = max(np.ceil(key[1] * WINDOW_FRACTION), np.ceil(2 * reach * key[1]) + 5)
    width = max(np.ceil(key[0] * WINDOW_FRACTION), np.ceil(2 * reach * key[0]) + 5)
    return int(height) | 1, int(width) | 1


def _windows(gray: np.ndarray, centres: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Windows (n, h, w) around the centres, edge pixels repeated past the image border."""
    win_h, win_w = _window_side(key)
    top = np.rint(centres[:, 1]).astype(np.int64) - win_h // 2
    left = np.rint(centres[:, 0]).astype(np.int64) - win_w // 2
    inside = ((top >= 0) & (left >= 0) & (top + win_h <= gray.shape[0])
              & (left + win_w <= gray.shape[1]))
    if inside.all():
        view = np.lib.stride_tricks.sliding_window_view(gray, (win_h, win_w))
        return view[top, left]
    rows = np.clip(top[:, None] + np.arange(win_h), 0, gray.shape[0] - 1)
    cols = np.clip(left[:, None] + np.arange(win_w), 0, gray.shape[1] - 1)
    return gray[rows[:, :, None], cols[:, None, :]]


@functools.lru_cache(maxsize=64)
def _inner_masks(key: tuple[int, int], ellipse: bool) -> tuple[int, int, np.ndarray]:
    """The inner-area crop (height, width) and its masks (shifts, h*w), each summing to 1."""
    reach = INNER_FRACTION / 2 + SHIFT_FRACTION
    crop_h = int(np.ceil(2 * reach * key[1])) + 3
    crop_w = int(np.ceil(2 * reach * key[0])) + 3
    ys = np.arange(crop_h, dtype=np.float32) - crop_h // 2
    xs = np.arange(crop_w, dtype=np.float32) - crop_w // 2
    half_w = key[0] * INNER_FRACTION / 2
    half_h = key[1] * INNER_FRACTION / 2
    masks = []
    for dy in (-SHIFT_FRACTION, 0.0, SHIFT_FRACTION):
        for dx in (-SHIFT_FRACTION, 0.0, SHIFT_FRACTION):
            u = (xs[None, :] - dx * key[0]) / half_w
            v = (ys[:, None] - dy * key[1]) / half_h
            mask = (u * u + v * v <= 1.0) if ellipse else ((np.abs(u) <= 1) & (np.abs(v) <= 1))
            masks.append(mask.astype(np.float32).ravel() / max(mask.sum(), 1))
    stacked = np.stack(masks)
    stacked.flags.writeable = False
    return crop_h, crop_w, stacked


def _measure_group(windows: np.ndarray, key: np.ndarray,
                   ellipse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fill, solid fraction and paper level of bubbles of one size from their windows."""
    count = len(windows)
    sample = windows[:, ::3, ::3].reshape(count, -1)
    paper = _row_quantile(sample, PAPER_QUANTILE).astype(np.float32)
    paper = np.maximum(paper, 1.0)
    fills, solid = _fills_in_windows(windows, key, ellipse, paper)
    return fills, solid, paper


def _row_quantile(rows: np.ndarray, percent: float) -> np.ndarray:
    """`np.percentile(rows, percent, axis=1)` (linear interpolation), by partial sorting."""
    position = (rows.shape[1] - 1) * percent / 100.0
    below = int(np.floor(position))
    above = min(below + 1, rows.shape[1] - 1)
    parted = np.partition(rows, [below, above], axis=1)
    low, high = parted[:, below].astype(np.float64), parted[:, above].astype(np.float64)
    return low + (high - low) * (position - below)


def _fills_in_windows(windows: np.ndarray, key: np.ndarray, ellipse: bool,
                      paper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best-shift fill and solid fraction of the inner area of each window."""
    count, win_h, win_w = windows.shape
    crop_h, crop_w, masks = _inner_masks((int(key[0]), int(key[1])), ellipse)
    crop_h, crop_w = min(crop_h, win_h), min(crop_w, win_w)
    top, left = win_h // 2 - crop_h // 2, win_w // 2 - crop_w // 2
    crop = windows[:, top:top + crop_h, left:left + crop_w].reshape(count, -1)
    if masks.shape[1] != crop.shape[1]:
        raise ValueError("bubble window smaller than its inner area")
    darkness = _darkness(crop, paper)
    fills = darkness @ masks.T
    best = np.argmax(fills, axis=1)
    solid_all = (darkness >= SOLID_DARKNESS).astype(np.float32) @ masks.T
    rows = np.arange(count)
    return fills[rows, best], solid_all[rows, best]


@functools.lru_cache(maxsize=64)
def _ray_offsets(key: tuple[int, int], window: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Flat window indices (8 directions, samples) just outside a bubble of box `key`.

    Directions 0..3 are the diagonals, 4..7 the straight ones; each samples an arc of
    ±20° (±10° straight) at 0.68–0.84 of the bubble's size from its centre.
    """
    win_h, win_w = window
    indices = []
    for direction in range(8):
        diagonal = direction < 4
        base = 45 + 90 * direction if diagonal else 90 * (direction - 4)
        spread = np.arange(-20, 21, 5) if diagonal else np.arange(-10, 11, 5)
        angles = np.radians(base + spread)[:, None]
        radii = np.array([0.68, 0.76, 0.84])[None, :]
        xs = np.rint(np.cos(angles) * radii * key[0]).astype(np.int64) + win_w // 2
        ys = np.rint(np.sin(angles) * radii * key[1]).astype(np.int64) + win_h // 2
        xs, ys = np.clip(xs, 0, win_w - 1), np.clip(ys, 0, win_h - 1)
        indices.append((ys * win_w + xs).ravel())
    diagonal_rays = np.stack(indices[:4])
    straight_rays = np.stack(indices[4:])
    diagonal_rays.flags.writeable = straight_rays.flags.writeable = False
    return diagonal_rays, straight_rays


def _cross_scores(windows: np.ndarray, key: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Cross score of each window (see `BubbleMeasures.cross`)."""
    count, win_h, win_w = windows.shape
    diagonal_rays, straight_rays = _ray_offsets((int(key[0]), int(key[1])), (win_h, win_w))
    flat = windows.reshape(count, -1)
    diagonal = _darkness(flat[:, diagonal_rays.ravel()], paper).reshape(count, 4, -1)
    straight = _darkness(flat[:, straight_rays.ravel()], paper).reshape(count, 4, -1)
    return (_top_mean(diagonal).min(axis=1) - _top_mean(straight).max(axis=1)).astype(
        np.float32)


def _top_mean(samples: np.ndarray, count: int = 3) -> np.ndarray:
    """Mean of the `count` darkest samples along the last axis (a speck is not a stroke)."""
    return np.partition(samples, -count, axis=-1)[..., -count:].mean(axis=-1)


def _darkness(pixels: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """Per-pixel darkness 0..1 of `pixels` (n, m) against each row's paper level (n,)."""
    white = (WHITE_POINT * paper)[:, None]
    scale = ((WHITE_POINT - BLACK_POINT) * paper)[:, None]
    return np.clip((white - pixels.astype(np.float32)) / scale, 0.0, 1.0)


def _correct_paper_outliers(gray: np.ndarray, centres: np.ndarray, sizes: np.ndarray,
                            fill: np.ndarray, solid: np.ndarray, paper: np.ndarray,
                            ellipse: bool) -> None:
    """Re-measure bubbles whose window is mostly ink (a blot) against the page's paper.

    A window covered in ink has a dark 90th percentile, which would make its bubble look
    empty; such windows are measured again against the median paper level of the page.
    """
    known = np.isfinite(paper)
    if known.sum() < 3:
        return
    typical = float(np.median(paper[known]))
    dark = np.flatnonzero(known & (paper < 0.7 * typical))
    if len(dark) == 0:
        return
    keys = np.round(np.maximum(sizes, 2.0)).astype(np.int64)
    for index in dark:
        window = _windows(gray, centres[index:index + 1], keys[index])
        level = np.array([typical], dtype=np.float32)
        index_fill, index_solid = _fills_in_windows(window, keys[index], ellipse, level)
        fill[index], solid[index], paper[index] = index_fill[0], index_solid[0], typical
