"""Painting a student's marks onto a rendered blank answer sheet, with the truth kept.

Marks look like what teachers scan: 2B pencil (grey, grainy) or pen (near black), filled
40–100 %, light marks, ticks, crosses, erasures that leave residue, stray marks, marks
spilling over the bubble's edge. Each painted field records the value a careful person
would read (`truth`) so benches and tests can tell a right answer from a silent error.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from omr.layout import Bubble, BubbleField, FieldKind, PageLayout


class MarkStyle(enum.StrEnum):
    """How one bubble is marked."""

    FILLED = "filled"
    PARTIAL = "partial"
    LIGHT = "light"
    TICK = "tick"
    SPILL = "spill"
    ERASED = "erased"
    CROSSED_OUT = "crossed_out"


MARKING_STYLES = (MarkStyle.FILLED, MarkStyle.PARTIAL, MarkStyle.LIGHT, MarkStyle.TICK,
                  MarkStyle.SPILL)
"""Styles that mean "this bubble is chosen"."""


@dataclass(frozen=True, slots=True)
class PaintedField:
    """What was painted on one field and what it means."""

    name: str
    truth: str
    styles: tuple[tuple[str, MarkStyle], ...]


@dataclass(frozen=True, slots=True)
class Pen:
    """Ink of a mark: darkness (0 = black) and grain (pencil texture)."""

    level: int
    grain: float


PENCIL = Pen(level=70, grain=28.0)
PEN = Pen(level=25, grain=6.0)


def mm_to_px(value: float, dpi: float) -> float:
    """Millimetres to pixels at `dpi`."""
    return value * dpi / 25.4


@dataclass(frozen=True, slots=True)
class _Mask:
    """Where to ink: a boolean window of the page and the page position of its top left.

    Masks are drawn in a small window around the mark, not over the whole page, so
    painting a sheet stays fast; the pixels are exactly those of a page-sized mask.
    """

    window: np.ndarray
    top: int
    left: int


def _ink(canvas: np.ndarray, mask: _Mask, pen: Pen, rng: np.random.Generator,
         strength: float = 1.0) -> None:
    """Darken `canvas` where `mask` is set, like graphite or ink laid over paper."""
    ys, xs = np.nonzero(mask.window)
    if len(ys) == 0:
        return
    ys, xs = ys + mask.top, xs + mask.left
    grain = rng.normal(0, pen.grain, len(ys))
    target = np.clip(pen.level + grain, 0, 255)
    current = canvas[ys, xs].astype(np.float32)
    canvas[ys, xs] = np.minimum(current, current + (target - current) * strength).astype(
        np.uint8)


def _window(shape: tuple[int, int], xs: Sequence[float], ys: Sequence[float],
            reach: int) -> tuple[int, int, int, int]:
    """Page rows/columns (top, bottom, left, right) covering the points `reach` px around."""
    top = max(0, int(min(ys)) - reach)
    left = max(0, int(min(xs)) - reach)
    bottom = min(shape[0], int(max(ys)) + reach + 1)
    right = min(shape[1], int(max(xs)) + reach + 1)
    return top, max(top, bottom), left, max(left, right)


def _bubble_mask(shape: tuple[int, int], bubble: Bubble, dpi: float, scale: float,
                 offset: tuple[float, float] = (0.0, 0.0)) -> _Mask:
    centre = (round(mm_to_px(bubble.cx + offset[0], dpi)),
              round(mm_to_px(bubble.cy + offset[1], dpi)))
    radius = max(1, round(mm_to_px(bubble.r, dpi) * scale))
    top, bottom, left, right = _window(shape, [centre[0]], [centre[1]], radius + 2)
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.circle(mask, (centre[0] - left, centre[1] - top), radius, 1, -1)
    return _Mask(mask.astype(bool), top, left)


def _stroke_mask(shape: tuple[int, int], points: Sequence[tuple[float, float]], dpi: float,
                 width_mm: float) -> _Mask:
    pixels = np.array([[mm_to_px(x, dpi), mm_to_px(y, dpi)] for x, y in points], np.int32)
    thickness = max(1, round(mm_to_px(width_mm, dpi)))
    top, bottom, left, right = _window(shape, pixels[:, 0], pixels[:, 1], thickness + 2)
    mask = np.zeros((bottom - top, right - left), np.uint8)
    cv2.polylines(mask, [pixels - np.array([left, top], np.int32)], False, 1, thickness)
    return _Mask(mask.astype(bool), top, left)


def paint_bubble(canvas: np.ndarray, bubble: Bubble, style: MarkStyle, dpi: float,
                 pen: Pen, rng: np.random.Generator) -> None:
    """Paint one bubble in `style` (in place)."""
    shape = canvas.shape[:2]
    r = bubble.r
    if style is MarkStyle.FILLED:
        _ink(canvas, _bubble_mask(shape, bubble, dpi, rng.uniform(0.85, 1.05)), pen, rng)
    elif style is MarkStyle.PARTIAL:
        mask = _bubble_mask(shape, bubble, dpi, 1.0)
        cut = mm_to_px(bubble.cy + r * rng.uniform(-0.4, 0.2), dpi)
        mask.window[: max(0, int(cut) - mask.top), :] = False  # lower 40–70 % of the height
        _ink(canvas, mask, pen, rng)
    elif style is MarkStyle.LIGHT:
        _ink(canvas, _bubble_mask(shape, bubble, dpi, 0.95), Pen(150, 20.0), rng)
    elif style is MarkStyle.TICK:
        points = [(bubble.cx - r * 0.7, bubble.cy), (bubble.cx - r * 0.1, bubble.cy + r * 0.7),
                  (bubble.cx + r * 0.8, bubble.cy - r * 0.8)]
        _ink(canvas, _stroke_mask(shape, points, dpi, r * 0.45), pen, rng)
    elif style is MarkStyle.SPILL:
        offset = (rng.uniform(-0.35, 0.35) * r, rng.uniform(-0.35, 0.35) * r)
        _ink(canvas, _bubble_mask(shape, bubble, dpi, 1.15, offset), pen, rng)
    elif style is MarkStyle.ERASED:
        _ink(canvas, _bubble_mask(shape, bubble, dpi, 0.95), Pen(205, 12.0), rng, 0.8)
    elif style is MarkStyle.CROSSED_OUT:
        _ink(canvas, _bubble_mask(shape, bubble, dpi, 0.95), pen, rng)
        for sign in (1, -1):
            points = [(bubble.cx - r * 1.6, bubble.cy - sign * r * 1.6),
                      (bubble.cx + r * 1.6, bubble.cy + sign * r * 1.6)]
            _ink(canvas, _stroke_mask(shape, points, dpi, 0.5), PEN, rng)


def paint_stray_mark(canvas: np.ndarray, page: PageLayout, dpi: float,
                     rng: np.random.Generator) -> None:
    """A short pencil scribble somewhere between the fields (not on a bubble)."""
    x = rng.uniform(0.15, 0.85) * page.width
    y = rng.uniform(0.15, 0.85) * page.height
    angle = rng.uniform(0, math.pi)
    length = rng.uniform(3, 12)
    points = [(x, y), (x + length * math.cos(angle), y + length * math.sin(angle))]
    bubbles = [b for f in page.fields for b in f.bubbles]
    if any(math.dist((b.cx, b.cy), p) < b.r * 3 for b in bubbles for p in points):
        return
    _ink(canvas, _stroke_mask(canvas.shape[:2], points, dpi, 0.4), PENCIL, rng)


def choose_answer(field: BubbleField, rng: np.random.Generator, blank_rate: float = 0.04
                  ) -> tuple[str, ...]:
    """A plausible answer for `field`: one value, several for multiple choice, or none."""
    if rng.random() < blank_rate and field.kind is not FieldKind.ID_DIGIT:
        return ()
    values = list(field.values)
    if field.kind is FieldKind.MULTIPLE_CHOICE:
        count = int(rng.integers(1, min(4, len(values)) + 1))
        return tuple(sorted(rng.choice(values, count, replace=False)))
    if field.kind is FieldKind.ABSENT:
        return ()
    return (str(rng.choice(values)),)


def paint_page(canvas: np.ndarray, page: PageLayout, dpi: float, rng: np.random.Generator,
               answers: Mapping[str, tuple[str, ...]] | None = None,
               style_weights: Mapping[MarkStyle, float] | None = None,
               erasure_rate: float = 0.02, stray_marks: int = 2) -> list[PaintedField]:
    """Paint answers on every field of `page` (in place) and return the truth per field."""
    weights = dict(style_weights or {MarkStyle.FILLED: 0.8, MarkStyle.PARTIAL: 0.08,
                                     MarkStyle.SPILL: 0.07, MarkStyle.TICK: 0.03,
                                     MarkStyle.LIGHT: 0.02})
    names, probabilities = list(weights), np.array(list(weights.values()), float)
    probabilities /= probabilities.sum()
    pen = PEN if rng.random() < 0.2 else PENCIL
    painted = []
    for field in page.fields:
        chosen = answers[field.name] if answers and field.name in answers else choose_answer(
            field, rng)
        styles: list[tuple[str, MarkStyle]] = []
        for bubble in field.bubbles:
            if bubble.value in chosen:
                style = MarkStyle(names[rng.choice(len(names), p=probabilities)])
            elif rng.random() < erasure_rate:
                style = MarkStyle.ERASED
            else:
                continue
            paint_bubble(canvas, bubble, style, dpi, pen, rng)
            styles.append((bubble.value, style))
        truth = "".join(v for v in field.values if v in chosen)
        painted.append(PaintedField(field.name, truth, tuple(styles)))
    for _ in range(stray_marks):
        paint_stray_mark(canvas, page, dpi, rng)
    return painted
