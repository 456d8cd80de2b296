"""Classical item statistics: FrcSub reference values, distractors and undefined cases."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from analytics.item_statistics import (
    AlphaLabel,
    DifficultyLabel,
    DiscriminationLabel,
    OptionFlag,
    TestStatistics,
    alpha_label,
    analyse,
    discrimination_label,
    format_value,
    kelley_group_size,
    label_text,
)
from core.errors import BadInputError
from core.i18n import Language
from tests.conftest import DATASETS

FRCSUB = DATASETS / "frcsub" / "data.txt"


def _no_nan(value: object) -> bool:
    """True when no float anywhere inside `value` is NaN."""
    if isinstance(value, float):
        return not math.isnan(value)
    if dataclasses.is_dataclass(value):
        return all(_no_nan(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return all(_no_nan(v) for v in value)
    return True


@pytest.fixture(scope="module")
def frcsub() -> np.ndarray:
    if not FRCSUB.exists():
        pytest.skip(f"FrcSub data not found at {FRCSUB}")
    return np.loadtxt(FRCSUB)


def test_frcsub_reference_values(frcsub: np.ndarray) -> None:
    assert frcsub.shape == (536, 20)
    result = analyse(frcsub, np.ones(20))
    assert result.alpha == pytest.approx(0.9388, abs=5e-5)
    item = result.items[0]
    assert round(item.difficulty, 3) == 0.532
    assert round(item.discrimination, 3) == 0.876
    assert round(item.point_biserial, 3) == 0.730
    assert round(item.corrected_item_total, 3) == 0.690
    assert result.group_size == 145
    assert result.alpha_label is AlphaLabel.EXCELLENT
    assert item.discrimination_label is DiscriminationLabel.VERY_GOOD
    assert result.sem == pytest.approx(result.sd_total * math.sqrt(1 - result.alpha))
    assert _no_nan(result)


def test_alpha_equals_kr20_for_binary_items(frcsub: np.ndarray) -> None:
    p = frcsub.mean(axis=0)
    total_var = frcsub.sum(axis=1).var()
    kr20 = 20 / 19 * (1 - (p * (1 - p)).sum() / total_var)
    assert analyse(frcsub, np.ones(20)).alpha == pytest.approx(kr20, rel=1e-12)


def test_group_size_is_27_percent_rounded_half_up() -> None:
    assert [kelley_group_size(n) for n in (536, 100, 10, 2, 1, 0)] == [145, 27, 3, 1, 0, 0]


def test_ties_at_the_cut_go_to_the_earlier_row_upper_and_the_later_row_lower() -> None:
    # 4 students → groups of 1. Rows 1–3 tie on total 1: the lower group is row 3.
    scores = np.array([[1, 1], [1, 0], [0, 1], [0, 1]], dtype=float)
    result = analyse(scores, [1, 1])
    assert [i.discrimination for i in result.items] == [1.0, 0.0]
    # Rows 0–2 tie on total 1: the upper group is row 0.
    scores = np.array([[1, 0], [0, 1], [0, 1], [0, 0]], dtype=float)
    assert [i.discrimination for i in analyse(scores, [1, 1]).items] == [1.0, 0.0]


def test_partial_credit_difficulty_is_the_score_rate() -> None:
    scores = np.array([[4, 1], [2, 1], [0, 0], [2, 0]], dtype=float)
    result = analyse(scores, [4, 1])
    assert result.items[0].difficulty == pytest.approx(0.5)
    assert result.items[0].mean == pytest.approx(2.0)
    assert result.full_marks == 5.0


def test_every_student_full_marks_gives_undefined_not_nan() -> None:
    result = analyse(np.full((6, 3), 2.0), [2, 2, 2])
    assert result.alpha is None and result.sem is None
    assert result.alpha_label is AlphaLabel.UNDEFINED
    assert result.sd_total == 0.0
    for item in result.items:
        assert item.difficulty == 1.0
        assert item.difficulty_label is DifficultyLabel.EASY
        assert item.discrimination is None
        assert item.discrimination_label is DiscriminationLabel.UNDEFINED
        assert item.point_biserial is None and item.corrected_item_total is None
        assert format_value(item.point_biserial) == "—"
    assert format_value(result.alpha) == "—"
    assert label_text(result.alpha_label).in_language(Language.EN) == "undefined"
    assert _no_nan(result)


def test_constant_item_among_varying_ones() -> None:
    scores = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    result = analyse(scores, [1, 1, 1])
    constant = result.items[0]
    assert constant.difficulty == 1.0
    assert constant.point_biserial is None and constant.corrected_item_total is None
    assert constant.discrimination == 0.0
    assert constant.discrimination_label is DiscriminationLabel.POOR
    assert result.alpha is not None
    assert _no_nan(result)


def test_student_with_every_response_missing_is_left_out_and_counted() -> None:
    rng = np.random.default_rng(3)
    scores = (rng.random((30, 5)) < 0.6).astype(float)
    with_absent = np.insert(scores, 7, np.nan, axis=0)
    result = analyse(with_absent, np.ones(5))
    reference = analyse(scores, np.ones(5))
    assert result.n_absent == 1 and result.absent_rows == (7,)
    assert result.n_students == 30
    assert result.alpha == pytest.approx(reference.alpha)
    assert [i.discrimination for i in result.items] == [i.discrimination for i in reference.items]
    assert [i.missing for i in result.items] == [0] * 5


def test_a_missing_response_of_a_present_student_scores_zero_and_is_counted() -> None:
    scores = np.array([[1, np.nan], [1, 1], [0, 0], [0, 1]])
    result = analyse(scores, [1, 1])
    assert result.items[1].missing == 1
    assert result.items[1].difficulty == pytest.approx(0.5)


def test_an_item_nobody_has_a_score_for_has_no_difficulty() -> None:
    result = analyse(np.array([[1, np.nan], [0, np.nan], [1, np.nan]]), [1, 1])
    assert result.items[1].difficulty is None and result.items[1].discrimination is None
    assert result.items[1].missing == 3


def test_two_items_hand_computed() -> None:
    # Item variances .25 and .25, totals 0,2,2,0 with variance 1: α = 2 (1 − .5/1) = 1.
    parallel = analyse(np.array([[0, 0], [1, 1], [1, 1], [0, 0]], dtype=float), [1, 1])
    assert parallel.alpha == pytest.approx(1.0)
    assert parallel.sem == pytest.approx(0.0)
    assert parallel.items[0].corrected_item_total == pytest.approx(1.0)
    assert parallel.items[0].point_biserial == pytest.approx(1.0)
    # Totals 0,1,2,1 with variance .5: α = 2 (1 − .5/.5) = 0; the items are uncorrelated.
    independent = analyse(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float), [1, 1])
    assert independent.alpha == pytest.approx(0.0)
    assert independent.items[0].corrected_item_total == pytest.approx(0.0)
    assert independent.items[0].point_biserial == pytest.approx(math.sqrt(0.5))


def test_one_item_or_one_student_leaves_alpha_undefined() -> None:
    one_item = analyse(np.array([[1.0], [0.0], [1.0]]), [1])
    assert one_item.alpha is None and one_item.items[0].corrected_item_total is None
    assert one_item.items[0].point_biserial == pytest.approx(1.0)
    one_student = analyse(np.array([[1.0, 0.0]]), [1, 1])
    assert one_student.alpha is None and one_student.group_size == 0
    assert one_student.items[0].difficulty == 1.0
    assert one_student.items[0].discrimination is None
    nobody = analyse(np.full((2, 2), np.nan), [1, 1])
    assert nobody.n_students == 0 and nobody.n_absent == 2 and nobody.mean_total is None
    assert _no_nan(nobody)


def _distractor_case(key: str) -> TestStatistics:
    # Item 1 orders the students: row 0 highest … row 9 lowest; groups of 3 (27 % of 10).
    answers = ["B", "C", "B", "A", "B", "A", None, "A", "b", "A"]
    choice = np.array([1.0 if a and a.upper() == key else 0.0 for a in answers])
    ordering = np.arange(20, 0, -2, dtype=float)
    scores = np.column_stack([choice, ordering])
    options = np.array([[a, ""] for a in answers], dtype=object)
    return analyse(scores, [1, 20], options=options, keys=[key, ""])


def test_distractor_analysis_shares_and_flags() -> None:
    result = _distractor_case("B")
    assert result.group_size == 3
    table = {o.option: o for o in result.items[0].options}
    assert list(table) == ["A", "B", "C", "D", ""]
    a, b, c, d, blank = (table[x] for x in ["A", "B", "C", "D", ""])
    assert (a.share, a.upper_share, a.lower_share, a.flag) == (0.4, 0.0, pytest.approx(2 / 3), None)
    assert b.is_key and b.flag is None
    assert (b.share, b.upper_share, b.lower_share) == (
        0.4, pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert (c.share, c.upper_share, c.lower_share) == (0.1, pytest.approx(1 / 3), 0.0)
    assert c.flag is OptionFlag.ATTRACTS_UPPER
    assert d.share == 0.0 and d.flag is OptionFlag.UNUSED
    assert blank.share == pytest.approx(0.1) and blank.flag is None
    assert result.items[1].options is None


def test_a_wrong_key_is_flagged() -> None:
    table = {o.option: o for o in _distractor_case("A").items[0].options}
    assert table["A"].flag is OptionFlag.KEY_ATTRACTS_LOWER
    assert table["B"].flag is OptionFlag.ATTRACTS_UPPER


def test_multiple_select_counts_each_letter_chosen() -> None:
    options = np.array([["A, c"], ["AC"], ["a"], ["BD"]], dtype=object)
    scores = np.array([[2.0], [2.0], [1.0], [0.0]])
    result = analyse(scores, [2], options=options, keys=["CA"])
    table = {o.option: o for o in result.items[0].options}
    assert table["A"].is_key and table["C"].is_key and not table["B"].is_key
    assert table["A"].share == 0.75 and table["C"].share == 0.5 and table["B"].share == 0.25


def test_option_flags_need_groups_when_totals_are_equal() -> None:
    options = np.array([["A"], ["B"]], dtype=object)
    table = analyse(np.array([[1.0], [1.0]]), [1], options=options, keys=["A"]).items[0].options
    by_option = {o.option: o for o in table}
    assert by_option["B"].upper_share is None and by_option["B"].flag is None
    assert by_option["C"].flag is OptionFlag.UNUSED


@pytest.mark.parametrize(("d", "label"), [
    (0.40, DiscriminationLabel.VERY_GOOD), (0.3 + 0.1, DiscriminationLabel.VERY_GOOD),
    (0.39, DiscriminationLabel.GOOD), (0.30, DiscriminationLabel.GOOD),
    (0.29, DiscriminationLabel.MARGINAL), (0.20, DiscriminationLabel.MARGINAL),
    (0.19, DiscriminationLabel.POOR), (-0.3, DiscriminationLabel.POOR),
    (None, DiscriminationLabel.UNDEFINED),
])
def test_discrimination_labels(d: float | None, label: DiscriminationLabel) -> None:
    assert discrimination_label(d) is label


def test_alpha_labels_and_bilingual_text() -> None:
    assert alpha_label(0.70) is AlphaLabel.ACCEPTABLE
    assert alpha_label(0.69) is AlphaLabel.QUESTIONABLE
    assert alpha_label(0.95) is AlphaLabel.EXCELLENT
    assert alpha_label(0.3) is AlphaLabel.POOR
    text = label_text(AlphaLabel.ACCEPTABLE)
    assert text.in_language(Language.ZH_CN) == "信度可接受"
    assert text.in_language(Language.EN) == "acceptable reliability"
    for label in [*AlphaLabel, *DiscriminationLabel, *DifficultyLabel, *OptionFlag]:
        assert label_text(label).zh and label_text(label).en
    assert format_value(0.87654) == "0.877" and format_value(0.5, digits=2) == "0.50"


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(BadInputError):
        analyse(np.ones((3, 2)), [1, 1, 1])
    with pytest.raises(BadInputError):
        analyse(np.ones((3, 2)), [1, 0])
    with pytest.raises(BadInputError):
        analyse(np.ones(3), [1, 1, 1])
    with pytest.raises(BadInputError):
        analyse(np.ones((3, 2)), [1, 1], options=np.full((2, 2), "A", dtype=object),
                keys=["A", "B"])
