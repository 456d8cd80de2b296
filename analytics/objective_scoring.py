"""Scoring objective answers against the key, with the rules Chinese exams use.

- 全对得分 (EXACT): full points for exactly the key, else 0.
- 少选得半 (PARTIAL_HALF, the usual 多选 rule): full points for exactly the key, half for
  a non-empty subset of it (some right options, none wrong), 0 with any wrong option.
- 按选项给分 (PER_OPTION): points shared equally among the key's options, one share per
  right option chosen; any wrong option gives 0.
- 人工 (MANUAL): not scored by machine (None).

Answers are strings of option letters ("ACD", "T"); order and case do not matter. A
blank answer scores 0. Nothing here touches the database.
"""

from __future__ import annotations

from core.enums import ScoringRule


def options_of(answer: str) -> frozenset[str]:
    """The set of options in an answer string ("a c,D" → {"A", "C", "D"})."""
    return frozenset(ch for ch in answer.upper() if ch.isalnum())


def score_single_choice(answer: str, key: str, points: float) -> float:
    """Full points when the one chosen option is the key, else 0."""
    return points if options_of(answer) == options_of(key) and answer.strip() else 0.0


def score_multi_select(answer: str, key: str, points: float, rule: ScoringRule) -> float:
    """Points for a multiple-choice answer under `rule` (see the module docstring)."""
    chosen, right = options_of(answer), options_of(key)
    if not chosen or not right or chosen - right:
        return 0.0
    if chosen == right:
        return points
    if rule is ScoringRule.PARTIAL_HALF:
        return points / 2
    if rule is ScoringRule.PER_OPTION:
        return points * len(chosen) / len(right)
    return 0.0


def score_objective(answer: str | None, key: str, points: float, rule: ScoringRule,
                    multiple: bool) -> float | None:
    """The machine score of an objective answer, or None when a person must score it.

    `answer` None means nothing usable was read (the field is under review).
    """
    if rule is ScoringRule.MANUAL or answer is None or not key.strip():
        return None
    if multiple:
        return score_multi_select(answer, key, points, rule)
    return score_single_choice(answer, key, points)


__all__ = ["options_of", "score_multi_select", "score_objective", "score_single_choice"]
