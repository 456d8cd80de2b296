import numpy as np
import pytest

from core.settings import RecognitionThresholds
from omr.mark_decision import (
    FieldReading,
    MarkFlag,
    SheetBaseline,
    estimate_baseline,
    needs_review,
    read_field,
)

SETTINGS = RecognitionThresholds()
ABCD = ("A", "B", "C", "D")


def _sheet(marks: int, empties: int = 200, seed: int = 0) -> np.ndarray:
    """Fills of a scanned sheet: empties with scanner noise, dark marks."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0.04, 0.008, empties).clip(0, 1),
                           rng.uniform(0.85, 1.0, marks)])


def _baseline() -> SheetBaseline:
    return estimate_baseline(_sheet(40), SETTINGS)


@pytest.mark.parametrize("marks", [0, 1, 40, 150])
def test_baseline_separates_empty_from_marked(marks: int) -> None:
    baseline = estimate_baseline(_sheet(marks), SETTINGS)
    assert baseline.empty < 0.1
    assert baseline.empty < baseline.light < baseline.stroke_boundary < baseline.threshold
    assert 0.25 < baseline.threshold < 0.5  # three eighths of the way to the marked level
    if marks:
        assert baseline.marked > 0.85


def test_baseline_of_a_sheet_with_grey_background_rises_with_the_empty_level() -> None:
    fills = np.concatenate([np.full(200, 0.15), np.full(30, 0.95)])
    baseline = estimate_baseline(fills, SETTINGS)
    assert baseline.empty == pytest.approx(0.15)
    assert baseline.threshold == pytest.approx(0.15 + 0.375 * 0.8)
    assert baseline.stroke_boundary == pytest.approx(0.15 + 0.25 * 0.8)
    assert baseline.light > 0.15


def test_baseline_of_nothing_is_still_usable() -> None:
    baseline = estimate_baseline(np.array([]), SETTINGS)
    assert baseline.empty < baseline.light < baseline.threshold < baseline.marked


def test_single_choice_reads_the_one_mark_confidently() -> None:
    reading = read_field(ABCD, np.array([0.03, 0.05, 0.93, 0.04]), False, _baseline())
    assert reading.value == "C" and reading.marked == ("C",)
    assert reading.flags == frozenset()
    assert reading.confidence >= SETTINGS.min_confidence
    assert not needs_review(reading, SETTINGS, False)


def test_blank_single_choice_is_blank_not_review() -> None:
    reading = read_field(ABCD, np.array([0.03, 0.05, 0.02, 0.04]), False, _baseline())
    assert reading.value == "" and MarkFlag.BLANK in reading.flags
    assert not needs_review(reading, SETTINGS, False)


def test_two_marks_on_single_choice_are_flagged_multiple() -> None:
    reading = read_field(ABCD, np.array([0.9, 0.05, 0.93, 0.04]), False, _baseline())
    assert reading.value == "AC" and MarkFlag.MULTIPLE in reading.flags
    assert needs_review(reading, SETTINGS, False)


def test_multiple_choice_joins_marks_without_flag() -> None:
    reading = read_field(ABCD, np.array([0.9, 0.05, 0.93, 0.94]), True, _baseline())
    assert reading.value == "ACD" and reading.flags == frozenset()
    assert not needs_review(reading, SETTINGS, True)


@pytest.mark.parametrize("offset", [-0.03, -0.01, 0.01, 0.03])
def test_grey_fill_at_the_boundary_is_ambiguous(offset: float) -> None:
    baseline = _baseline()
    fill = baseline.threshold + offset
    reading = read_field(ABCD, np.array([0.03, fill, 0.02, 0.04]), False, baseline)
    assert reading.value == ("B" if offset > 0 else "")
    assert MarkFlag.AMBIGUOUS in reading.flags
    assert needs_review(reading, SETTINGS, False)


def test_lone_half_dark_grey_bubble_is_a_clear_light_mark() -> None:
    """Light pencil halfway to a full fill, among clean empties: read, noted, not reviewed."""
    reading = read_field(ABCD, np.array([0.03, 0.52, 0.02, 0.04]), False, _baseline())
    assert reading.value == "B" and reading.flags == frozenset({MarkFlag.LIGHT})
    assert reading.confidence == 1.0
    assert not needs_review(reading, SETTINGS, False)


def test_review_band_widens_with_the_sheet_noise() -> None:
    rng = np.random.default_rng(7)
    quiet = estimate_baseline(np.concatenate([rng.normal(0.05, 0.005, 300), [0.95] * 40]),
                              SETTINGS)
    noisy = estimate_baseline(np.concatenate([rng.normal(0.05, 0.03, 300), [0.95] * 40]),
                              SETTINGS)
    assert noisy.certain > 2 * quiet.certain
    fill = np.array([0.03, quiet.threshold + 1.5 * quiet.certain, 0.02, 0.04])
    assert not needs_review(read_field(ABCD, fill, False, quiet), SETTINGS, False)
    assert needs_review(read_field(ABCD, fill, False, noisy), SETTINGS, False)


def test_heavy_residue_beside_a_real_mark_is_flagged_erased() -> None:
    baseline = _baseline()
    fill = baseline.threshold - baseline.certain / 2
    reading = read_field(ABCD, np.array([fill, 0.03, 0.95, 0.04]), False, baseline)
    assert reading.value == "C" and MarkFlag.ERASED in reading.flags
    assert needs_review(reading, SETTINGS, False)


def test_faint_residue_beside_a_real_mark_is_only_noted() -> None:
    reading = read_field(ABCD, np.array([0.15, 0.03, 0.95, 0.04]), False, _baseline())
    assert reading.value == "C" and reading.flags == frozenset({MarkFlag.TRACE})
    assert not needs_review(reading, SETTINGS, False)


def test_solid_strokes_count_from_a_lower_fill_than_grey() -> None:
    fills = np.array([0.03, 0.34, 0.02, 0.04])
    tick = read_field(ABCD, fills, False, _baseline(), solid=np.array([0, 0.3, 0, 0]))
    grey = read_field(ABCD, fills, False, _baseline(), solid=np.array([0, 0.0, 0, 0]))
    assert tick.value == "B" and MarkFlag.LIGHT in tick.flags
    assert not needs_review(tick, SETTINGS, False)
    assert grey.value == "" and needs_review(grey, SETTINGS, False)


def test_fill_just_over_threshold_counts_with_low_confidence() -> None:
    baseline = _baseline()
    reading = read_field(ABCD, np.array([0.03, baseline.threshold + 0.02, 0.02, 0.04]),
                         False, baseline)
    assert reading.value == "B"
    assert reading.confidence < SETTINGS.min_confidence
    assert needs_review(reading, SETTINGS, False)


def test_missing_fill_is_unreadable() -> None:
    reading = read_field(ABCD, np.array([0.03, np.nan, 0.02, 0.04]), False, _baseline())
    assert reading == FieldReading("", (), reading.fills, 0.0, frozenset({MarkFlag.UNREADABLE}))


def test_value_and_fill_counts_must_agree() -> None:
    with pytest.raises(ValueError):
        read_field(ABCD, np.array([0.1, 0.2]), False, _baseline())


def test_faint_trace_alone_is_blank_with_a_trace_noted() -> None:
    fills = np.concatenate([np.random.default_rng(3).normal(0.03, 0.003, 200), [0.95] * 30])
    baseline = estimate_baseline(fills, SETTINGS)
    assert baseline.empty < baseline.residue < baseline.light
    reading = read_field(ABCD, np.array([0.03, 0.15, 0.03, 0.03]), False, baseline)
    assert reading.value == "" and reading.flags == frozenset({MarkFlag.TRACE, MarkFlag.BLANK})
    assert not needs_review(reading, SETTINGS, False)


def test_noisy_empties_do_not_read_as_traces() -> None:
    rng = np.random.default_rng(4)
    fills = np.concatenate([rng.uniform(0.0, 0.1, 300), rng.uniform(0.85, 1.0, 40)])
    baseline = estimate_baseline(fills, SETTINGS)
    for start in range(0, 300, 4):
        reading = read_field(ABCD, fills[start:start + 4], False, baseline)
        assert reading.flags == frozenset({MarkFlag.BLANK})


def test_crossed_bubbles_are_taken_out_and_flagged_erased() -> None:
    fills = np.array([0.95, 0.03, 0.94, 0.45])
    cross = np.array([0.9, 0.0, 0.0, 0.8])
    reading = read_field(ABCD, fills, True, _baseline(), cross=cross)
    assert reading.value == "C" and reading.flags == frozenset({MarkFlag.ERASED})
    assert needs_review(reading, SETTINGS, True)
    without = read_field(ABCD, fills, True, _baseline())
    assert "A" in without.value and "C" in without.value


def test_cross_score_on_an_empty_bubble_is_ignored() -> None:
    reading = read_field(ABCD, np.array([0.03, 0.02, 0.95, 0.03]), False, _baseline(),
                         cross=np.array([0.9, 0.0, 0.0, 0.0]))
    assert reading.value == "C" and reading.flags == frozenset()


@pytest.mark.parametrize("seed", range(12))
def test_reading_a_whole_page_at_once_equals_reading_field_by_field(seed: int) -> None:
    from omr.mark_decision import read_fields

    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 11, 60)
    total = int(sizes.sum())
    fills = np.clip(rng.normal(0.08, 0.03, total), 0, 1)
    marked = rng.random(total) < 0.25
    fills[marked] = rng.uniform(0.15, 1.0, marked.sum())  # light, partial and full marks
    fills[rng.random(total) < 0.01] = np.nan
    solid = fills * rng.uniform(0, 1, total)
    cross = rng.uniform(-0.5, 1.0, total)
    baseline = estimate_baseline(fills[np.isfinite(fills)], RecognitionThresholds())
    values = [tuple("ABCDEFGHIJ"[:n]) for n in sizes]
    multiple = [bool(rng.random() < 0.3) for _ in sizes]
    together = read_fields(values, fills, multiple, baseline, solid=solid, cross=cross)
    start = 0
    for field_values, allowed, reading in zip(values, multiple, together, strict=True):
        stop = start + len(field_values)
        alone = read_field(field_values, fills[start:stop], allowed, baseline,
                           solid=solid[start:stop], cross=cross[start:stop])
        assert (reading.value, reading.marked, reading.confidence, reading.flags) == (
            alone.value, alone.marked, alone.confidence, alone.flags)
        np.testing.assert_array_equal(reading.fills, alone.fills)  # NaN equals NaN here
        start = stop
