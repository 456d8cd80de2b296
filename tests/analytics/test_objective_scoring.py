"""Objective answers are scored by the rules schools use."""

import pytest

from analytics.objective_scoring import (
    options_of,
    score_multi_select,
    score_objective,
    score_single_choice,
)
from core.enums import ScoringRule


def test_options_ignore_order_case_and_separators() -> None:
    assert options_of("d, a c") == frozenset("ACD")


@pytest.mark.parametrize(("answer", "expected"), [("B", 3.0), ("b", 3.0), ("A", 0.0),
                                                  ("", 0.0), ("AB", 0.0)])
def test_single_choice(answer: str, expected: float) -> None:
    assert score_single_choice(answer, "B", 3) == expected


@pytest.mark.parametrize(("rule", "answer", "expected"), [
    (ScoringRule.PARTIAL_HALF, "ACD", 6.0), (ScoringRule.PARTIAL_HALF, "AC", 3.0),
    (ScoringRule.PARTIAL_HALF, "A", 3.0), (ScoringRule.PARTIAL_HALF, "AB", 0.0),
    (ScoringRule.PARTIAL_HALF, "", 0.0), (ScoringRule.EXACT, "AC", 0.0),
    (ScoringRule.EXACT, "CDA", 6.0), (ScoringRule.PER_OPTION, "AC", 4.0),
    (ScoringRule.PER_OPTION, "A", 2.0), (ScoringRule.PER_OPTION, "ACDB", 0.0),
])
def test_multi_select(rule: ScoringRule, answer: str, expected: float) -> None:
    assert score_multi_select(answer, "ACD", 6, rule) == pytest.approx(expected)


def test_manual_rule_unread_answer_and_missing_key_are_left_to_a_person() -> None:
    assert score_objective("A", "A", 2, ScoringRule.MANUAL, False) is None
    assert score_objective(None, "A", 2, ScoringRule.EXACT, False) is None
    assert score_objective("A", " ", 2, ScoringRule.EXACT, False) is None
    assert score_objective("T", "T", 2, ScoringRule.EXACT, False) == 2
    assert score_objective("AB", "ABC", 5, ScoringRule.PARTIAL_HALF, True) == 2.5
