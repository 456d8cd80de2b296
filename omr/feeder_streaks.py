"""Removing the vertical lines that dust on a feeder's scan glass draws down every page.

Dust on an ADF's glass darkens the same few pixel columns from the top of the page to
the bottom. Nothing printed on an answer sheet runs the full height of the page, so a
narrow run of columns that is dark in (nearly) every row is a streak: it is repaired by
interpolating across it from the clean columns on either side. Without this, a streak
through the QR code makes it unreadable and one through a column of bubbles reads as
marks.
"""

from __future__ import annotations

import numpy as np

ROW_STEP = 16
"""Rows sampled to find streak columns (a streak is in every row)."""

DARK_SHARE = 0.92
"""Share of sampled rows a column must be dark in to be a streak."""

MAX_STREAK_PX = 8
"""Widest run of dark columns taken for a streak; wider ones are left alone."""


def streak_columns(gray: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) column runs that are dark from top to bottom, narrow enough to be dust."""
    sample = gray[::ROW_STEP]
    spread = sample[:, :: max(1, gray.shape[1] // 128)]
    middle = spread.shape[1] * 3 // 5  # a row's paper: its 60th percentile
    paper = np.partition(spread, middle, axis=1)[:, middle].astype(np.int16)
    dark = sample < np.clip(paper - 25, 0, 255).astype(np.uint8)[:, None]
    columns = np.flatnonzero(np.count_nonzero(dark, axis=0) >= DARK_SHARE * len(sample))
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and column == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], int(column))
        else:
            runs.append((int(column), int(column)))
    width = gray.shape[1]
    return [(a, b) for a, b in runs if b - a < MAX_STREAK_PX and a > 0 and b < width - 1]


def remove_streaks(gray: np.ndarray) -> np.ndarray:
    """`gray` with every streak interpolated away (the same array when there is none)."""
    runs = streak_columns(gray)
    if not runs:
        return gray
    repaired = gray.copy()
    for first, last in runs:
        left = repaired[:, first - 1].astype(np.float32)
        right = repaired[:, last + 1].astype(np.float32)
        span = last - first + 2
        for offset, column in enumerate(range(first, last + 1), start=1):
            weight = offset / span
            repaired[:, column] = np.round(left * (1 - weight) + right * weight).astype(np.uint8)
    return repaired


__all__ = ["remove_streaks", "streak_columns"]
