"""Deciding which bubbles are marked, from their fills, with flags for a human to review.

Levels are adaptive per sheet (`estimate_baseline`): the empty level comes from the bulk
of the (mostly empty) bubbles, the marked level from the clearly dark ones, and the
threshold lies between them, kept within the bounds the settings give. Fills between the
light level and the threshold are never counted or dropped silently: they flag the field
LIGHT or AMBIGUOUS (or ERASED when the field also has a real mark, the usual trace of a
changed answer).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.settings import RecognitionThresholds

DEFAULT_MARK_CONTRAST = 0.8
"""Marked level above the empty level assumed on a sheet without any clear mark."""

MIN_MARK_CONTRAST = 0.3
"""A fill must exceed the empty level by this much to help estimate the marked level."""

MAX_THRESHOLD = 0.75
"""Upper bound of the adaptive threshold (a sheet of dark empties must not hide marks)."""

LIGHT_MARGIN = 0.12
"""The light level lies at least this far above the empty level."""

CONFIDENCE_BAND = 0.2
"""A fill this far (as a fraction of marked − empty) from the threshold is fully certain."""

SPLIT_MIN_CONTRAST = 0.2
"""With `from_sheet`: least distance between the two groups' medians."""

SPLIT_GAP_MARGIN = 0.25
"""With `from_sheet`: the threshold keeps this fraction of the gap from either group."""

SPLIT_SEPARATION = 2.0
"""With `from_sheet`: group medians must be this many spreads apart to count as two levels."""

SOLID_TICK_RATIO = 0.6
"""A light fill whose solid-ink share is at least this is a tick/stroke, not residue."""

CROSS_MIN_SCORE = 0.45
"""Cross score (see `bubble_fill.BubbleMeasures.cross`) from which a bubble is crossed out."""

RESIDUE_MARGIN = 0.06
"""Least rise above the empty level that counts as a trace (erasure residue)."""

RESIDUE_SPREADS = 6.0
"""The residue level lies at least this many robust spreads of the empty fills above them."""


class MarkFlag(enum.StrEnum):
    """Why a field reading may need a person to look at it."""

    BLANK = "blank"
    MULTIPLE = "multiple"
    AMBIGUOUS = "ambiguous"
    LIGHT = "light"
    ERASED = "erased"
    UNREADABLE = "unreadable"


REVIEW_FLAGS = frozenset({MarkFlag.AMBIGUOUS, MarkFlag.LIGHT, MarkFlag.ERASED,
                          MarkFlag.UNREADABLE})
"""Flags that always send a reading to review (MULTIPLE does for single-choice fields)."""


@dataclass(frozen=True)
class SheetBaseline:
    """Fill levels of one sheet: empty, marked, the mark threshold and the light level.

    `residue` (below `light`) is where a trace starts: a fill between it and `light` is
    what an eraser leaves, flagged ERASED; 1.0 means no such zone.
    """

    empty: float
    marked: float
    threshold: float
    light: float
    residue: float = 1.0


@dataclass(frozen=True)
class FieldReading:
    """What one field reads: value, marked bubble values, fills, confidence 0..1 and flags."""

    value: str
    marked: tuple[str, ...]
    fills: tuple[float, ...]
    confidence: float
    flags: frozenset[MarkFlag]


def estimate_baseline(fills: np.ndarray, thresholds: RecognitionThresholds, *,
                      from_sheet: bool = False) -> SheetBaseline:
    """Sheet levels from all fills of one sheet (works with no marks and with many).

    With `from_sheet` (for sheets printed by others: letters or digits inside the
    bubbles, light pencil on a phone photo), a sheet whose fills fall clearly into two
    groups takes its levels from those groups alone, without the absolute bounds the
    settings put on our own sheets; any other sheet is read as without it.
    """
    values = np.asarray(fills, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if from_sheet:
        split = _two_levels(values)
        if split is not None:
            return split
    ceiling = 0.5 * thresholds.marked_fill
    if len(values) == 0:
        empty = 0.0
    else:
        below = values[values < thresholds.marked_fill]
        empty = float(np.median(below)) if len(below) else ceiling
    empty = min(empty, ceiling)
    strong = values[values >= max(thresholds.marked_fill, empty + MIN_MARK_CONTRAST)]
    marked = float(np.median(strong)) if len(strong) else empty + DEFAULT_MARK_CONTRAST
    marked = min(max(marked, empty + MIN_MARK_CONTRAST), 1.0)
    threshold = (empty + marked) / 2
    threshold = min(max(threshold, thresholds.marked_fill),
                    max(thresholds.marked_fill, MAX_THRESHOLD))
    light = max(thresholds.light_fill, empty + LIGHT_MARGIN)
    light = min(light, threshold - 0.05)
    residue = min(empty + max(RESIDUE_MARGIN, RESIDUE_SPREADS * _spread(values, empty)), light)
    return SheetBaseline(empty=empty, marked=marked, threshold=threshold, light=light,
                         residue=residue)


def _spread(values: np.ndarray, empty: float) -> float:
    """Robust spread (scaled median absolute deviation) of the fills near the empty level."""
    near = values[np.abs(values - empty) < MIN_MARK_CONTRAST / 2]
    if len(near) < 5:
        return 0.0
    return float(1.4826 * np.median(np.abs(near - empty)))


def _two_levels(values: np.ndarray) -> SheetBaseline | None:
    """Levels from a clear two-group split of the fills (Otsu), or None when not clear.

    Clear means the groups' medians are at least SPLIT_MIN_CONTRAST apart and
    SPLIT_SEPARATION times their spreads (sum of standard deviations). The threshold is
    halfway between the medians, kept inside the middle half of the gap between the groups
    (a spread-out marked group must not put the threshold against its lightest mark).
    """
    if len(values) < 2:
        return None
    ordered = np.sort(values)
    count = len(ordered)
    sizes = np.arange(1, count)
    sums = np.cumsum(ordered)[:-1]
    low_means = sums / sizes
    high_means = (ordered.sum() - sums) / (count - sizes)
    cut = int(np.argmax(sizes * (count - sizes) * (high_means - low_means) ** 2)) + 1
    low, high = ordered[:cut], ordered[cut:]
    empty, marked = float(np.median(low)), float(np.median(high))
    contrast = marked - empty
    if contrast < SPLIT_MIN_CONTRAST or contrast < SPLIT_SEPARATION * (low.std() + high.std()):
        return None
    gap_margin = SPLIT_GAP_MARGIN * (high[0] - low[-1])
    threshold = min((empty + marked) / 2, MAX_THRESHOLD)
    threshold = float(np.clip(threshold, low[-1] + gap_margin, high[0] - gap_margin))
    light = min(empty + LIGHT_MARGIN, threshold - 0.05)
    residue = min(empty + max(RESIDUE_MARGIN, RESIDUE_SPREADS * _spread(values, empty)), light)
    return SheetBaseline(empty=empty, marked=marked, threshold=threshold, light=light,
                         residue=residue)


def read_field(values: Sequence[str], fills: np.ndarray, multiple_allowed: bool,
               baseline: SheetBaseline, *, solid: np.ndarray | None = None,
               cross: np.ndarray | None = None) -> FieldReading:
    """Read one field from its bubbles' fills (in the order of `values`).

    `solid` (optional, from `bubble_fill.measure_bubbles`) tells strokes from residue:
    a light fill made of solid ink (a tick) is read as a mark flagged LIGHT, while a
    light grey fill (faint pencil, erasure residue) is only flagged. `cross` (optional,
    the measured cross scores; pass it when a cross means "erased") takes bubbles struck
    through with a cross ✗ out of the reading and flags the field ERASED.
    """
    levels = np.asarray(fills, dtype=np.float64).ravel()
    if len(levels) != len(values):
        raise ValueError(f"{len(values)} values but {len(levels)} fills")
    fill_tuple = tuple(round(float(level), 4) for level in levels)
    if len(levels) == 0 or not np.all(np.isfinite(levels)):
        return FieldReading("", (), fill_tuple, 0.0, frozenset({MarkFlag.UNREADABLE}))
    is_marked = levels >= baseline.threshold
    in_light_zone = (levels >= baseline.light) & ~is_marked
    flags: set[MarkFlag] = set()
    crossed = _crossed(levels, cross, baseline)
    if crossed.any():
        flags.add(MarkFlag.ERASED)
        is_marked, in_light_zone = is_marked & ~crossed, in_light_zone & ~crossed
    ticks = _tick_like(levels, solid) & in_light_zone
    if ticks.any():
        is_marked = is_marked | ticks
        in_light_zone = in_light_zone & ~ticks
        flags.add(MarkFlag.LIGHT)
    flags |= _light_zone_flags(levels, in_light_zone, is_marked.any(), baseline)
    traces = (levels >= baseline.residue) & (levels < baseline.light) & ~is_marked & ~crossed
    if traces.any():
        flags.add(MarkFlag.ERASED)
    marked = tuple(value for value, hit in zip(values, is_marked, strict=True) if hit)
    if len(marked) > 1 and not multiple_allowed:
        flags.add(MarkFlag.MULTIPLE)
    if not marked and not (in_light_zone.any() or traces.any() or crossed.any()):
        flags.add(MarkFlag.BLANK)
    confidence = _confidence(levels, baseline)
    return FieldReading("".join(marked), marked, fill_tuple, confidence, frozenset(flags))


def _crossed(levels: np.ndarray, cross: np.ndarray | None,
             baseline: SheetBaseline) -> np.ndarray:
    """Bubbles struck through by a cross: strokes on the diagonals and ink inside."""
    if cross is None:
        return np.zeros(len(levels), dtype=bool)
    scores = np.asarray(cross, dtype=np.float64).ravel()
    inked = levels >= min(baseline.residue, baseline.light)
    return np.isfinite(scores) & (scores >= CROSS_MIN_SCORE) & inked


def needs_review(reading: FieldReading, thresholds: RecognitionThresholds,
                 multiple_allowed: bool) -> bool:
    """Whether a person should check this reading (flags or too little confidence)."""
    review = set(REVIEW_FLAGS)
    if not multiple_allowed:
        review.add(MarkFlag.MULTIPLE)
    return bool(reading.flags & review) or reading.confidence < thresholds.min_confidence


def _tick_like(levels: np.ndarray, solid: np.ndarray | None) -> np.ndarray:
    """Bubbles whose fill is mostly solid ink (strokes), when solid fractions are known."""
    if solid is None:
        return np.zeros(len(levels), dtype=bool)
    solid = np.asarray(solid, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.isfinite(solid) & (solid >= SOLID_TICK_RATIO * levels) & (levels > 0)


def _light_zone_flags(levels: np.ndarray, in_light_zone: np.ndarray, any_marked: bool,
                      baseline: SheetBaseline) -> set[MarkFlag]:
    """Flags for fills between the light level and the threshold."""
    if not in_light_zone.any():
        return set()
    if any_marked:
        return {MarkFlag.ERASED}
    middle = (baseline.light + baseline.threshold) / 2
    if (levels[in_light_zone] >= middle).any():
        return {MarkFlag.AMBIGUOUS}
    return {MarkFlag.LIGHT}


def _confidence(levels: np.ndarray, baseline: SheetBaseline) -> float:
    """Least certainty over the bubbles: distance to the threshold relative to the contrast."""
    contrast = max(baseline.marked - baseline.empty, 1e-6)
    margins = np.abs(levels - baseline.threshold) / (CONFIDENCE_BAND * contrast)
    return float(np.clip(margins.min(), 0.0, 1.0))
