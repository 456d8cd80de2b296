"""Practice recommendation: weakest points first, the right difficulty, spread, due retries."""

import numpy as np
import pytest

from analytics.practice_recommendation import (
    ItemBank,
    PracticeSettings,
    class_weak_points,
    predicted_success,
    recommend_practice,
)
from bench import recommend_sim


def _bank() -> ItemBank:
    q = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
    return ItemBank(np.arange(100, 106), q, np.full(6, 0.1), np.full(6, 0.2))


def test_predicted_success_follows_the_dina_form() -> None:
    success = predicted_success(np.array([1.0, 0.0, 0.5]), _bank())
    assert success[0] == pytest.approx(0.9) and success[2] == pytest.approx(0.2)
    assert success[4] == pytest.approx(0.9 * 0.5 + 0.2 * 0.5)
    assert success[5] == pytest.approx(0.2)


def test_weak_points_come_first_spread_over_kps_and_recent_items_wait() -> None:
    bank = _bank()
    mastery = np.array([0.9, 0.62, 0.7])
    never = np.full(6, np.inf)
    picks = recommend_practice(mastery, bank, never, settings=PracticeSettings(count=3))
    assert picks[0].knowledge_point == 1 and picks[0].reason == "weak_point"
    chosen = {p.item_id for p in picks}
    assert 104 in chosen and not {102, 103} <= chosen  # spread over KPs, not drilling KP 1
    seen = never.copy()
    seen[[2, 3]] = 1.0  # both KP-1 items seen yesterday
    later = recommend_practice(mastery, bank, seen, settings=PracticeSettings(count=3))
    assert {p.item_id for p in later}.isdisjoint({102, 103})


def test_due_retries_are_taken_first_up_to_their_share() -> None:
    picks = recommend_practice(np.array([0.5, 0.5, 0.5]), _bank(), np.full(6, np.inf),
                               due_items=[104, 101, 999],
                               settings=PracticeSettings(count=4, due_share=0.5))
    assert [p.reason for p in picks[:2]] == ["due_retry", "due_retry"]
    assert [p.item_id for p in picks[:2]] == [104, 101] and len(picks) == 4


def test_class_weak_points_are_what_most_students_lack() -> None:
    mastery = np.array([[0.9, 0.2, 0.6], [0.8, 0.3, 0.4], [0.95, 0.6, 0.3]])
    weak = class_weak_points(mastery, limit=2)
    assert [w.knowledge_point for w in weak] == [1, 2]
    assert weak[0].share_not_mastered == pytest.approx(2 / 3)
    assert class_weak_points(np.empty((0, 3))) == []


def test_recommendations_teach_simulated_students_more_than_random_weak_point_practice() -> None:
    figures = recommend_sim.run(students=24, sessions=4, per_session=6, seed=3)
    assert figures["recommend_nlg"] > figures["baseline_nlg"] > 0
