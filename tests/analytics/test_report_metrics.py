"""Chinese report metrics, checked against small hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.report_metrics import (
    ScoreLine,
    borderline_students,
    competition_ranks,
    knowledge_point_rates,
    line_text,
    progress,
    score_bands,
    summarise_exam,
    summarise_group,
    t_scores,
    z_scores,
)
from core.errors import BadInputError
from core.i18n import Language
from core.settings import GradingLines

NAN = float("nan")
# Ten scores around the default lines 85/70/60/40 of 100, and one absent student.
SCORES = [100, 90, 85, 84, 70, 69, 60, 59, 40, 39, NAN]


def test_group_summary_hand_computed() -> None:
    summary = summarise_group(np.array(SCORES), 100)
    assert (summary.n_students, summary.n_missing) == (10, 1)
    assert summary.mean == pytest.approx(69.6)
    assert (summary.max, summary.min) == (100.0, 39.0)
    assert summary.median == pytest.approx(69.5)
    # Σ(x − 69.6)² = 3802.4 → population variance 380.24 (not the sample 3802.4 / 9).
    assert summary.sd == pytest.approx(math.sqrt(380.24))
    assert summary.excellent_rate == pytest.approx(0.3)   # 100, 90, 85
    assert summary.good_rate == pytest.approx(0.5)        # … 84, 70
    assert summary.pass_rate == pytest.approx(0.7)        # … 69, 60
    assert summary.low_rate == pytest.approx(0.1)         # 39 (40 is not low)
    assert summary.above_mean_rate is None
    counts = {(b.lower, b.upper): b.count for b in summary.bands}
    assert counts == {(0, 10): 0, (10, 20): 0, (20, 30): 0, (30, 40): 1, (40, 50): 1,
                      (50, 60): 1, (60, 70): 2, (70, 80): 1, (80, 90): 2, (90, 100): 2}


def test_lines_and_band_width_come_from_grading_lines() -> None:
    lines = GradingLines(excellent=0.9, good=0.8, passing=0.5, low=0.3, band_width=25)
    summary = summarise_group(np.array(SCORES), 100, lines=lines)
    assert summary.excellent_rate == pytest.approx(0.2)
    assert summary.good_rate == pytest.approx(0.4)
    assert summary.pass_rate == pytest.approx(0.8)
    assert summary.low_rate == pytest.approx(0.0)
    assert [(b.lower, b.upper, b.count) for b in summary.bands] == [
        (0, 25, 0), (25, 50, 2), (50, 75, 4), (75, 100, 4)]
    assert [b.count for b in summarise_group(np.array(SCORES), 100, band_width=50).bands] == [
        2, 8]


def test_bands_of_a_full_mark_not_a_multiple_of_the_width() -> None:
    bands = score_bands(np.array([0.0, 139.5, 140, 150]), 150, 20)
    assert [(b.lower, b.upper) for b in bands][-2:] == [(120, 140), (140, 150)]
    assert [b.count for b in bands] == [1, 0, 0, 0, 0, 0, 1, 2]


def test_empty_and_all_missing_groups_are_undefined() -> None:
    empty = summarise_group(np.array([]), 100)
    assert empty.n_students == 0 and empty.mean is None and empty.sd is None
    assert empty.excellent_rate is None and empty.low_rate is None and empty.median is None
    assert sum(b.count for b in empty.bands) == 0
    absent = summarise_group(np.array([NAN, NAN]), 100, grade_mean=70)
    assert (absent.n_students, absent.n_missing, absent.above_mean_rate) == (0, 2, None)


def test_competition_ranks_with_ties_and_missing() -> None:
    assert competition_ranks(np.array([90, 80, 80, 70, NAN, 100])).tolist() == [2, 3, 3, 5, 0, 1]
    assert competition_ranks(np.array([0.1 + 0.2, 0.3])).tolist() == [1, 1]


def test_exam_summary_classes_ranks_and_above_mean_rate() -> None:
    totals = [90, 80, 80, NAN, 50, 100]
    classes = ["2班", "1班", "2班", "1班", "1班", "2班"]
    summary = summarise_exam(totals, 100, classes=classes)
    assert summary.grade.mean == pytest.approx(80.0)
    assert [c.label for c in summary.classes] == ["2班", "1班"]     # first appearance
    two, one = summary.classes
    assert two.mean == pytest.approx(90.0) and one.mean == pytest.approx(65.0)
    assert two.above_mean_rate == pytest.approx(0.125)              # (90 − 80) / 80
    assert one.above_mean_rate == pytest.approx(-0.1875)            # (65 − 80) / 80
    assert one.n_missing == 1
    assert [s.grade_rank for s in summary.students] == [2, 3, 3, None, 5, 1]
    assert [s.class_rank for s in summary.students] == [2, 1, 3, None, 2, 1]
    assert [s.group for s in summary.students] == classes


def test_exam_summary_without_classes_has_only_the_grade() -> None:
    summary = summarise_exam([60, 70, 80, 90], 100)
    assert summary.classes == ()
    assert all(s.class_rank is None for s in summary.students)
    # Mean 75, population SD √125: Z(90) = 15 / √125, T = 50 + 10 Z.
    top = summary.students[3]
    assert top.z == pytest.approx(15 / math.sqrt(125))
    assert top.t == pytest.approx(50 + 150 / math.sqrt(125))
    assert summary.students[0].t == pytest.approx(50 - 150 / math.sqrt(125))


def test_all_equal_scores_have_no_z_and_share_rank_one() -> None:
    summary = summarise_exam([75, 75, 75], 100)
    assert summary.grade.sd == 0.0
    assert [s.z for s in summary.students] == [None] * 3
    assert [s.t for s in summary.students] == [None] * 3
    assert [s.grade_rank for s in summary.students] == [1, 1, 1]
    assert z_scores(np.array([75.0, 75.0])) is None and t_scores(None) is None
    assert z_scores(np.array([NAN])) is None


def test_grade_mean_zero_leaves_above_mean_rate_undefined() -> None:
    summary = summarise_exam([0, 0], 100, classes=["a", "b"])
    assert [c.above_mean_rate for c in summary.classes] == [None, None]


def test_borderline_students_just_below_each_line() -> None:
    totals = [84, 80, 79.9, 85, 57, 60, 65, 69.5, NAN]
    groups = {g.line: g for g in borderline_students(totals, 100)}   # margin 5 % = 5 points
    assert groups[ScoreLine.EXCELLENT].rows == (0, 1)     # 85 itself is not below the line
    assert groups[ScoreLine.GOOD].rows == (6, 7)
    assert groups[ScoreLine.PASSING].rows == (4,)
    assert groups[ScoreLine.EXCELLENT].line_score == pytest.approx(85.0)
    narrow = borderline_students(totals, 100, margin=2, which=[ScoreLine.PASSING])
    assert len(narrow) == 1 and narrow[0].rows == () and narrow[0].margin == 2
    wide = borderline_students([120.0, 130.0], 150, which=[ScoreLine.EXCELLENT])
    assert wide[0].margin == pytest.approx(7.5) and wide[0].rows == (0,)   # line 127.5


def test_progress_rank_change_z_and_t() -> None:
    current, previous = [90, 80, NAN, 70], [70, 80, 60, 90]
    rows = progress(current, previous)
    assert [r.previous_rank for r in rows] == [3, 2, 4, 1]
    assert [r.current_rank for r in rows] == [1, 2, None, 3]
    assert [r.rank_change for r in rows] == [2, 0, None, -2]
    # Current: mean 80, SD √(200/3); previous: mean 75, SD √125.
    assert rows[0].current_z == pytest.approx(10 / math.sqrt(200 / 3))
    assert rows[0].previous_z == pytest.approx(-5 / math.sqrt(125))
    assert rows[0].z_change == pytest.approx(rows[0].current_z - rows[0].previous_z)
    assert rows[0].current_t == pytest.approx(50 + 10 * rows[0].current_z)
    assert rows[2].current_z is None and rows[2].z_change is None
    assert rows[2].previous_t == pytest.approx(50 - 150 / math.sqrt(125))


def test_progress_against_an_exam_where_everyone_tied() -> None:
    rows = progress([1, 2], [5, 5])
    assert [r.rank_change for r in rows] == [-1, 0]
    assert all(r.previous_z is None and r.z_change is None for r in rows)
    assert rows[1].current_z == pytest.approx(1.0)


def test_knowledge_point_rates_by_student_class_and_grade() -> None:
    item_scores = np.array([
        [1, 2, NAN, 4],       # the missing item scores 0 for a present student
        [0, 1, 3, 0],
        [NAN, NAN, NAN, NAN],  # absent
        [1, 0, 3, 2],
    ])
    full = [1, 2, 3, 4]
    # KP 0 = items 0, 1 (3 points); KP 1 = items 1, 2 (5 points); KP 2 has no items;
    # item 3 has no knowledge point and counts nowhere.
    q = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    rates = knowledge_point_rates(item_scores, full, q, classes=["a", "b", "a", "a"])
    assert rates.unmapped_items == (3,)
    assert rates.student[0] == pytest.approx((1.0, 0.4, None))
    assert rates.student[1] == pytest.approx((1 / 3, 0.8, None))
    assert rates.student[2] == (None, None, None)
    assert rates.student[3] == pytest.approx((1 / 3, 0.6, None))
    assert list(rates.groups) == ["a", "b"]
    assert rates.groups["a"] == pytest.approx((4 / 6, 5 / 10, None))   # rows 0 and 3
    assert rates.groups["b"] == pytest.approx((1 / 3, 0.8, None))
    assert rates.grade == pytest.approx((5 / 9, 9 / 15, None))
    assert knowledge_point_rates(item_scores, full, q).groups == {}


def test_line_names_are_bilingual() -> None:
    assert line_text(ScoreLine.EXCELLENT).in_language(Language.ZH_CN) == "优秀"
    assert line_text(ScoreLine.PASSING).in_language(Language.EN) == "pass"


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(BadInputError):
        summarise_exam([1, 2], 100, classes=["a"])
    with pytest.raises(BadInputError):
        summarise_exam([1, 2], 0)
    with pytest.raises(BadInputError):
        summarise_exam(np.ones((2, 2)), 100)
    with pytest.raises(BadInputError):
        progress([1, 2], [1])
    with pytest.raises(BadInputError):
        borderline_students([1, 2], 100, margin=-1)
    with pytest.raises(BadInputError):
        knowledge_point_rates(np.ones((2, 3)), [1, 1, 1], np.ones((2, 2)))
    with pytest.raises(BadInputError):
        score_bands(np.array([1.0]), 100, 0)
