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
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(0.0, 0.08, empties), rng.uniform(0.85, 1.0, marks)])


def _baseline() -> SheetBaseline:
    return estimate_baseline(_sheet(40), SETTINGS)


@pytest.mark.parametrize("marks", [0, 1, 40, 150])
def test_baseline_separates_empty_from_marked(marks: int) -> None:
    baseline = estimate_baseline(_sheet(marks), SETTINGS)
    assert baseline.empty < 0.1
    assert baseline.light < baseline.threshold
    assert SETTINGS.marked_fill <= baseline.threshold <= 0.75
    if marks:
        assert baseline.marked > 0.85


def test_baseline_of_a_sheet_with_grey_background_rises_with_the_empty_level() -> None:
    fills = np.concatenate([np.full(200, 0.15), np.full(30, 0.95)])
    baseline = estimate_baseline(fills, SETTINGS)
    assert baseline.empty == pytest.approx(0.15)
    assert baseline.light > 0.15 + 0.1
    assert baseline.threshold == pytest.approx(0.55)


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


@pytest.mark.parametrize("fill", [0.24, 0.3, 0.38, 0.44])
def test_light_fill_alone_is_flagged_not_counted(fill: float) -> None:
    reading = read_field(ABCD, np.array([0.03, fill, 0.02, 0.04]), False, _baseline())
    assert reading.value == ""
    assert reading.flags & {MarkFlag.LIGHT, MarkFlag.AMBIGUOUS}
    assert needs_review(reading, SETTINGS, False)


def test_residue_beside_a_real_mark_is_flagged_erased() -> None:
    reading = read_field(ABCD, np.array([0.28, 0.03, 0.95, 0.04]), False, _baseline())
    assert reading.value == "C" and MarkFlag.ERASED in reading.flags
    assert needs_review(reading, SETTINGS, False)


def test_solid_tick_counts_as_a_light_mark_but_grey_residue_does_not() -> None:
    fills = np.array([0.03, 0.32, 0.02, 0.04])
    tick = read_field(ABCD, fills, False, _baseline(), solid=np.array([0, 0.3, 0, 0]))
    residue = read_field(ABCD, fills, False, _baseline(), solid=np.array([0, 0.0, 0, 0]))
    assert tick.value == "B" and MarkFlag.LIGHT in tick.flags
    assert residue.value == "" and MarkFlag.LIGHT in residue.flags


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


def test_faint_trace_alone_is_flagged_erased_not_blank() -> None:
    fills = np.concatenate([np.random.default_rng(3).normal(0.03, 0.003, 200), [0.95] * 30])
    baseline = estimate_baseline(fills, SETTINGS)
    assert baseline.empty < baseline.residue < baseline.light
    reading = read_field(ABCD, np.array([0.03, 0.15, 0.03, 0.03]), False, baseline)
    assert reading.value == "" and reading.flags == frozenset({MarkFlag.ERASED})
    assert needs_review(reading, SETTINGS, False)


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
