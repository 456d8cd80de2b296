"""Deciding which bubbles are marked, from their fills, with flags for a human to review.

Levels are adaptive per sheet (`estimate_baseline`): the empty level and its noise (a
robust spread) come from the bulk of the (mostly empty) bubbles, the marked level from
the clearly dark ones. A bubble is marked when its fill passes a boundary set part of
the way from the empty to the marked level: a quarter of the way for solid ink strokes
(a tick, a half-filled bubble: ink an eraser never leaves), three eighths for a grey fill
without solid ink (light pencil and erasure residue look alike, so only the level tells
them apart), in between for a fill partly solid.

Confidence is the distance of the fills from their boundary in units of the sheet's own
noise (a few robust spreads of the empty bubbles, at least a small share of the
contrast): a lone half-dark bubble among clean empties is certain, a fill at the boundary
is not. Fills near a boundary, two marks on a single-choice field and crossed-out
bubbles go to review; a clearly marked light or ticked bubble (LIGHT) and an eraser's
faint trace well below the boundary (TRACE) are only noted.
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
"""With `from_sheet`: upper bound of the threshold (a sheet of dark empties must not hide
marks)."""

CONFIDENCE_BAND = 0.2
"""With `from_sheet`, or a baseline without its own (`SheetBaseline.certain` 0): certain
distance from the threshold, as a fraction of marked − empty."""

SPLIT_MIN_CONTRAST = 0.2
"""With `from_sheet`: least distance between the two groups' medians."""

SPLIT_GAP_MARGIN = 0.25
"""With `from_sheet`: the threshold keeps this fraction of the gap from either group."""

SPLIT_SEPARATION = 2.0
"""With `from_sheet`: group medians must be this many spreads apart to count as two levels."""

SOLID_TICK_RATIO = 0.6
"""A fill whose solid-ink share is at least this is made of strokes (pen or firm pencil)."""

LIGHT_LEVEL = 0.6
"""A mark below this share of the way from empty to marked is noted LIGHT."""

CROSS_MIN_SCORE = 0.45
"""Cross score (see `bubble_fill.BubbleMeasures.cross`) from which a bubble is crossed out."""

RESIDUE_MARGIN = 0.06
"""Least rise above the empty level that counts as a trace (erasure residue)."""

RESIDUE_SPREADS = 6.0
"""The residue level lies at least this many robust spreads of the empty fills above them."""

MAD_TO_SD = 1.4826
"""Scales a median absolute deviation to a standard deviation (normal noise)."""


class MarkFlag(enum.StrEnum):
    """Why a field reading may need a person to look at it, or what was noticed on it."""

    BLANK = "blank"
    MULTIPLE = "multiple"
    AMBIGUOUS = "ambiguous"
    LIGHT = "light"
    ERASED = "erased"
    TRACE = "trace"
    UNREADABLE = "unreadable"


REVIEW_FLAGS = frozenset({MarkFlag.AMBIGUOUS, MarkFlag.ERASED, MarkFlag.UNREADABLE})
"""Flags that always send a reading to review (MULTIPLE does for single-choice fields);
LIGHT and TRACE only describe a reading that is certain."""


@dataclass(frozen=True)
class SheetBaseline:
    """Fill levels of one sheet and the mark boundaries derived from them.

    `threshold` is the boundary for grey fills, `stroke_threshold` (None: the same) the
    one for fills of solid ink; `light` is the lowest fill that may still count as a
    mark; `residue` is where a trace starts: an unmarked fill below it is consistent
    with an empty bubble, never doubtful (1.0: no traces); `spread`
    is the robust noise of the empty fills and `certain` the distance from a boundary at
    which a fill is fully certain (0: `CONFIDENCE_BAND` of the contrast).
    """

    empty: float
    marked: float
    threshold: float
    light: float
    residue: float = 1.0
    stroke_threshold: float | None = None
    spread: float = 0.0
    certain: float = 0.0

    @property
    def certain_distance(self) -> float:
        """Distance from a boundary at which a fill is fully certain (never 0)."""
        if self.certain > 0:
            return self.certain
        return max(CONFIDENCE_BAND * (self.marked - self.empty), 1e-6)

    @property
    def stroke_boundary(self) -> float:
        """The boundary for fills of solid ink."""
        return self.threshold if self.stroke_threshold is None else self.stroke_threshold


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
    empty = _empty_level(values, thresholds)
    spread = _spread(values, empty)
    strong = values[values >= max(thresholds.marked_fill, empty + MIN_MARK_CONTRAST)]
    marked = float(np.median(strong)) if len(strong) else empty + DEFAULT_MARK_CONTRAST
    marked = min(max(marked, empty + MIN_MARK_CONTRAST), 1.0)
    contrast = marked - empty
    threshold = max(empty + thresholds.grey_mark_level * contrast, thresholds.light_fill)
    stroke = max(empty + thresholds.stroke_mark_level * contrast, thresholds.light_fill)
    certain = max(thresholds.certain_spreads * spread, thresholds.certain_contrast * contrast)
    return _baseline(empty, marked, threshold, stroke, spread, certain)


def _empty_level(values: np.ndarray, thresholds: RecognitionThresholds) -> float:
    """The fill of an empty bubble: median of the fills below a clear mark (capped)."""
    ceiling = 0.5 * thresholds.marked_fill
    if len(values) == 0:
        return 0.0
    below = values[values < thresholds.marked_fill]
    return min(float(np.median(below)) if len(below) else ceiling, ceiling)


def _baseline(empty: float, marked: float, threshold: float, stroke: float, spread: float,
              certain: float) -> SheetBaseline:
    """A baseline whose light and residue levels follow from the boundaries and noise."""
    light = max(min(threshold, stroke) - certain, empty)
    residue = min(empty + max(RESIDUE_MARGIN, RESIDUE_SPREADS * spread), threshold, stroke)
    return SheetBaseline(empty=empty, marked=marked, threshold=threshold, light=light,
                         residue=residue, stroke_threshold=stroke, spread=spread,
                         certain=certain)


def _spread(values: np.ndarray, empty: float) -> float:
    """Robust spread (scaled median absolute deviation) of the fills near the empty level."""
    near = values[np.abs(values - empty) < MIN_MARK_CONTRAST / 2]
    if len(near) < 5:
        return 0.0
    return float(MAD_TO_SD * np.median(np.abs(near - empty)))


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
    certain = CONFIDENCE_BAND * contrast  # the empties vary with their printed letters
    return _baseline(empty, marked, threshold, threshold, _spread(values, empty), certain)


def read_field(values: Sequence[str], fills: np.ndarray, multiple_allowed: bool,
               baseline: SheetBaseline, *, solid: np.ndarray | None = None,
               cross: np.ndarray | None = None) -> FieldReading:
    """Read one field from its bubbles' fills (in the order of `values`).

    `solid` (optional, from `bubble_fill.measure_bubbles`) tells strokes from grey: the
    more of a fill is solid ink, the lower its boundary (see the module). `cross`
    (optional, the measured cross scores; pass it when a cross means "erased") takes
    bubbles struck through with a cross ✗ out of the reading and flags the field ERASED.
    """
    levels = np.asarray(fills, dtype=np.float64).ravel()
    if len(levels) != len(values):
        raise ValueError(f"{len(values)} values but {len(levels)} fills")
    fill_tuple = tuple(round(float(level), 4) for level in levels)
    if len(levels) == 0 or not np.all(np.isfinite(levels)):
        return FieldReading("", (), fill_tuple, 0.0, frozenset({MarkFlag.UNREADABLE}))
    bounds = _boundaries(levels, solid, baseline)
    crossed = _crossed(levels, cross, baseline)
    is_marked = (levels >= bounds) & ~crossed
    certainty = np.clip(np.abs(levels - bounds) / baseline.certain_distance, 0.0, 1.0)
    certainty[crossed] = 1.0
    flags = _flags(levels, is_marked, certainty, crossed, baseline)
    marked = tuple(value for value, hit in zip(values, is_marked, strict=True) if hit)
    if len(marked) > 1 and not multiple_allowed:
        flags.add(MarkFlag.MULTIPLE)
    confidence = float(certainty.min())
    return FieldReading("".join(marked), marked, fill_tuple, confidence, frozenset(flags))


def read_fields(values: Sequence[Sequence[str]], fills: np.ndarray,
                multiple_allowed: Sequence[bool], baseline: SheetBaseline, *,
                solid: np.ndarray | None = None,
                cross: np.ndarray | None = None) -> list[FieldReading]:
    """Read every field of a page at once: `read_field` for each, vectorised over the page.

    `fills` (and `solid`, `cross`) hold the bubbles of all fields one after the other, in
    field order, `values[f]` naming field f's bubbles. The decisions are taken for all
    bubbles together and gathered per field, which is what makes a page fast to read.
    """
    sizes = np.array([len(v) for v in values], dtype=np.int64)
    levels = np.asarray(fills, dtype=np.float64).ravel()
    if int(sizes.sum()) != len(levels):
        raise ValueError(f"{int(sizes.sum())} values but {len(levels)} fills")
    owners = np.repeat(np.arange(len(values)), sizes)
    finite = np.isfinite(levels)
    safe = np.where(finite, levels, 0.0)
    bounds = _boundaries(safe, solid, baseline)
    crossed = _crossed(safe, cross, baseline) & finite
    is_marked = (safe >= bounds) & ~crossed & finite
    certainty = np.clip(np.abs(safe - bounds) / baseline.certain_distance, 0.0, 1.0)
    certainty[crossed] = 1.0
    doubtful = (certainty < 1.0) & ~crossed & (safe >= baseline.residue)
    light_level = baseline.empty + LIGHT_LEVEL * (baseline.marked - baseline.empty)

    def per_field(mask: np.ndarray) -> np.ndarray:
        return np.bincount(owners, weights=mask, minlength=len(values)) > 0

    unreadable = per_field(~finite) | (sizes == 0)
    any_marked = per_field(is_marked)
    flags_of = {
        MarkFlag.ERASED: per_field(crossed)
        | (per_field(doubtful & ~is_marked) & any_marked),
        MarkFlag.AMBIGUOUS: per_field(doubtful & is_marked)
        | (per_field(doubtful & ~is_marked) & ~any_marked),
        MarkFlag.TRACE: per_field(~is_marked & ~crossed & ~doubtful
                                  & (safe >= baseline.residue)),
        MarkFlag.LIGHT: per_field(is_marked & (safe < light_level)),
        MarkFlag.BLANK: ~any_marked & ~per_field(doubtful) & ~per_field(crossed),
    }
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    confidence = np.full(len(values), 0.0)
    present = sizes > 0
    confidence[present] = np.minimum.reduceat(certainty, starts[present])
    rounded = [round(level, 4) for level in levels.tolist()]
    readings = []
    for f, field_values in enumerate(values):
        start, stop = int(starts[f]), int(starts[f] + sizes[f])
        fill_tuple = tuple(rounded[start:stop])
        if unreadable[f]:
            readings.append(FieldReading("", (), fill_tuple, 0.0,
                                         frozenset({MarkFlag.UNREADABLE})))
            continue
        hits = is_marked[start:stop]
        marked = tuple(value for value, hit in zip(field_values, hits, strict=True) if hit)
        flags = {flag for flag, on in flags_of.items() if on[f]}
        if len(marked) > 1 and not multiple_allowed[f]:
            flags.add(MarkFlag.MULTIPLE)
        readings.append(FieldReading("".join(marked), marked, fill_tuple,
                                     float(confidence[f]), frozenset(flags)))
    return readings


def _boundaries(levels: np.ndarray, solid: np.ndarray | None,
                baseline: SheetBaseline) -> np.ndarray:
    """Each bubble's mark boundary: from the grey one down to the stroke one as the share
    of solid ink in its fill rises to `SOLID_TICK_RATIO`."""
    grey, stroke = baseline.threshold, baseline.stroke_boundary
    if solid is None or stroke == grey:
        return np.full(len(levels), grey)
    share = np.asarray(solid, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(levels > 0, share / levels, 0.0)
    weight = np.clip(np.nan_to_num(share) / SOLID_TICK_RATIO, 0.0, 1.0)
    return grey - weight * (grey - stroke)


def _flags(levels: np.ndarray, is_marked: np.ndarray, certainty: np.ndarray,
           crossed: np.ndarray, baseline: SheetBaseline) -> set[MarkFlag]:
    """Flags of a field from its bubbles' decisions (MULTIPLE is added by the caller).

    A fill less than `certain_distance` from its boundary is doubtful: AMBIGUOUS, or
    ERASED when it is an unmarked bubble beside a mark (the trace of a changed answer).
    """
    flags: set[MarkFlag] = set()
    if crossed.any():
        flags.add(MarkFlag.ERASED)
    doubtful = (certainty < 1.0) & ~crossed & (levels >= baseline.residue)
    unmarked_doubt = (doubtful & ~is_marked).any()
    if (doubtful & is_marked).any() or (unmarked_doubt and not is_marked.any()):
        flags.add(MarkFlag.AMBIGUOUS)
    if unmarked_doubt and is_marked.any():
        flags.add(MarkFlag.ERASED)
    traces = ~is_marked & ~crossed & ~doubtful & (levels >= baseline.residue)
    if traces.any():
        flags.add(MarkFlag.TRACE)
    light_level = baseline.empty + LIGHT_LEVEL * (baseline.marked - baseline.empty)
    if (is_marked & (levels < light_level)).any():
        flags.add(MarkFlag.LIGHT)
    if not is_marked.any() and not doubtful.any() and not crossed.any():
        flags.add(MarkFlag.BLANK)
    return flags


def _crossed(levels: np.ndarray, cross: np.ndarray | None,
             baseline: SheetBaseline) -> np.ndarray:
    """Bubbles struck through by a cross: strokes on the diagonals and ink inside."""
    if cross is None:
        return np.zeros(len(levels), dtype=bool)
    scores = np.asarray(cross, dtype=np.float64).ravel()
    inked = levels >= crossing_floor(baseline)
    with np.errstate(invalid="ignore"):
        return np.isfinite(scores) & (scores >= CROSS_MIN_SCORE) & inked


def crossing_floor(baseline: SheetBaseline) -> float:
    """Least fill of a bubble that can be crossed out (a cross leaves some ink inside)."""
    return min(baseline.residue, baseline.light)


def needs_review(reading: FieldReading, thresholds: RecognitionThresholds,
                 multiple_allowed: bool) -> bool:
    """Whether a person should check this reading (flags or too little confidence)."""
    review = set(REVIEW_FLAGS)
    if not multiple_allowed:
        review.add(MarkFlag.MULTIPLE)
    return bool(reading.flags & review) or reading.confidence < thresholds.min_confidence
