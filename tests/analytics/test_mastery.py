"""The DINA mastery model: FrcSub sanity, simulation recovery, carry-over, bad input."""

from pathlib import Path

import numpy as np
import pytest

from analytics.mastery import (
    MasteryConfig,
    carry_forward,
    fit_mastery,
    score_rate_by_kp,
)
from analytics.prediction_metrics import accuracy, auc, rmse
from bench.mastery_frcsub import (
    agreement,
    dina_responses,
    evaluate_split,
    holdout_mask,
    load_frcsub,
    simulate_class,
    simulation_agreement,
)

FRCSUB = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "frcsub"


@pytest.fixture(scope="module")
def frcsub() -> tuple[np.ndarray, np.ndarray]:
    return load_frcsub(FRCSUB)


def test_frcsub_fit_is_sane(frcsub: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = frcsub
    result = fit_mastery(x, q)
    assert np.all((result.slip > 0) & (result.slip < 0.5))
    assert np.all((result.guess > 0) & (result.guess < 0.5))
    assert result.mastery.shape == (536, 8)
    assert np.all((result.mastery >= 0) & (result.mastery <= 1))
    assert np.all((result.population > 0) & (result.population < 1))
    assert [b.method for b in result.blocks] == ["exact"]
    assert result.warnings == ()


def test_bench_split_beats_score_rate_baseline(frcsub: tuple[np.ndarray, np.ndarray]) -> None:
    row = evaluate_split(*frcsub, seed=0)
    assert row["dina_auc"] >= row["baseline_auc"]
    assert row["dina_acc"] >= row["baseline_acc"]
    assert row["dina_rmse"] <= row["baseline_rmse"]
    assert row["dina_auc"] > 0.89


def test_simulated_classes_are_recovered() -> None:
    assert simulation_agreement(classes=4, seed=11) >= 0.90


def test_mean_field_method_recovers_simulated_mastery() -> None:
    x, q, truth = simulate_class(np.random.default_rng(3), n=200)
    result = fit_mastery(x, q, config=MasteryConfig(max_exact_kps=0))
    assert [b.method for b in result.blocks] == ["mean_field"]
    assert agreement(truth, result.mastery) >= 0.88


def test_ability_model_on_small_blocks_and_plain_dina_over_budget() -> None:
    x, q, truth = simulate_class(np.random.default_rng(4), n=120)
    default = fit_mastery(x, q)
    assert [(b.method, b.model) for b in default.blocks] == [("exact", "dina_ability")]
    assert agreement(truth, default.mastery) >= 0.88
    assert np.all((default.slip > 0) & (default.slip < 0.5))
    assert np.all((default.guess > 0) & (default.guess < 0.5))
    for config in (MasteryConfig(max_ability_cells=0), MasteryConfig(ability=None)):
        plain = fit_mastery(x, q, config=config)
        assert [(b.method, b.model) for b in plain.blocks] == [("exact", "dina")]


def test_ability_model_beats_plain_dina_on_a_dev_split(
        frcsub: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = frcsub
    held = holdout_mask(*x.shape, 100)
    train = np.where(held, np.nan, x)
    ability = fit_mastery(train, q).p_correct[held]
    plain = fit_mastery(train, q, config=MasteryConfig(ability=None)).p_correct[held]
    assert auc(x[held], ability) > auc(x[held], plain)
    assert rmse(x[held], ability) < rmse(x[held], plain)


def two_exams() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(21)
    first, q, truth = simulate_class(rng)
    return first, dina_responses(rng, truth, q), q, truth


def test_carry_over_moves_posteriors_and_full_forgetting_is_the_population_prior() -> None:
    first, second, q, truth = two_exams()
    ids = tuple(f"s{i}" for i in range(len(first)))
    kps = tuple(f"kp{k}" for k in range(q.shape[1]))
    exam1 = fit_mastery(first, q, kp_ids=kps, student_ids=ids)
    alone = fit_mastery(second, q, kp_ids=kps, student_ids=ids)
    carried = fit_mastery(second, q, prior=carry_forward(exam1, 0.0), kp_ids=kps,
                          student_ids=ids)
    assert not np.allclose(carried.mastery, exam1.mastery, atol=1e-3)
    assert not np.allclose(carried.mastery, alone.mastery, atol=1e-3)
    assert agreement(truth, carried.mastery) >= agreement(truth, alone.mastery)
    forgotten = fit_mastery(second, q, prior=carry_forward(exam1, 1.0), kp_ids=kps,
                            student_ids=ids)
    assert np.allclose(forgotten.mastery, alone.mastery, atol=1e-9)


def test_carried_prior_is_matched_by_student_id() -> None:
    first, second, q, _ = two_exams()
    ids = tuple(range(len(first)))
    prior = carry_forward(fit_mastery(first, q, student_ids=ids), 0.2)
    order = np.random.default_rng(0).permutation(len(first))
    straight = fit_mastery(second, q, prior=prior, student_ids=ids)
    shuffled = fit_mastery(second[order], q, prior=prior,
                           student_ids=tuple(ids[i] for i in order))
    assert np.allclose(shuffled.mastery, straight.mastery[order], atol=1e-6)


def test_item_without_kp_is_left_out_and_reported() -> None:
    x, q, _ = simulate_class(np.random.default_rng(5))
    q[4] = 0
    result = fit_mastery(x, q)
    assert [(w.code, w.index) for w in result.warnings] == [("item_without_kp", 4)]
    assert "第 5 题" in result.warnings[0].text.zh
    assert not result.items_used[4] and np.isnan(result.slip[4])
    assert np.isnan(result.p_correct[:, 4]).all()
    assert np.isfinite(np.delete(result.p_correct, 4, axis=1)).all()


def test_student_with_every_response_missing_gets_the_prior() -> None:
    x, q, _ = simulate_class(np.random.default_rng(6))
    x[3] = np.nan
    result = fit_mastery(x, q)
    assert np.allclose(result.mastery[3], result.population)
    assert ("student_no_response", 3) in [(w.code, w.index) for w in result.warnings]
    mean_field = fit_mastery(x, q, config=MasteryConfig(max_exact_kps=0))
    assert np.allclose(mean_field.mastery[3], mean_field.population)


def test_kp_with_one_item_and_kp_without_item_are_reported() -> None:
    x, q, _ = simulate_class(np.random.default_rng(8))
    q = np.hstack([q, np.zeros((q.shape[0], 2))])
    q[0, 6] = 1
    result = fit_mastery(x, q)
    codes = [(w.code, w.index) for w in result.warnings]
    assert ("kp_single_item", 6) in codes and ("kp_without_item", 7) in codes
    assert np.allclose(result.mastery[:, 7], result.population[7])


def test_all_students_correct_gives_no_degenerate_parameters() -> None:
    q = np.eye(4).repeat(3, axis=0)
    result = fit_mastery(np.ones((30, 12)), q)
    assert np.all(result.slip > 0.01) and np.all(result.guess < 0.99)
    assert np.all(result.mastery > 0.9)


def test_polytomous_scores_are_fractional_responses() -> None:
    rng = np.random.default_rng(9)
    x, q, truth = simulate_class(rng)
    full = np.full(q.shape[0], 5.0)
    partial = np.clip(x * 5 + rng.integers(-1, 2, size=x.shape), 0, 5)
    partial[rng.random(x.shape) < 0.05] = np.nan
    result = fit_mastery(partial, q, full_marks=full)
    assert np.all((result.mastery >= 0) & (result.mastery <= 1))
    assert agreement(truth, result.mastery) >= 0.85


def test_score_rate_by_kp_weights_points_and_skips_missing() -> None:
    scores = np.array([[2.0, 1.0, np.nan], [np.nan, np.nan, 4.0]])
    q = np.array([[1, 0], [1, 0], [0, 1]])
    rate = score_rate_by_kp(scores, q, full_marks=[2.0, 4.0, 4.0])
    assert rate[0, 0] == pytest.approx(3 / 6)
    assert np.isnan(rate[0, 1]) and np.isnan(rate[1, 0]) and rate[1, 1] == 1.0


def test_prediction_metrics() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4])
    assert auc(y, p) == pytest.approx(6 / 9)
    assert accuracy(y, p) == pytest.approx(4 / 6)
    assert rmse(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
