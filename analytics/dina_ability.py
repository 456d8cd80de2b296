"""DINA with a continuous ability: the exact-block model behind `analytics.mastery`.

Plain DINA says every student who masters the KPs of an item answers it with the same
probability 1 − s_j, and every student who does not with the same g_j. On real tests
(FrcSub) stronger students slip less and guess more often, within the same attribute
profile. This module keeps the DINA and-gate and lets slip and guess depend on one
continuous ability θ, the same θ that drives the attribute profile in the higher-order
(HO-DINA) prior (de la Torre & Douglas 2004; the logistic response is the DINA special
case of the log-linear CDM of Henson, Templin & Willse 2009 with an added ability term):

    P(x_ij = 1 | α, θ) = σ(β_j + δ_j·η_j(α) + λ_j·θ),   δ_j ≥ 0, λ_j ≥ 0

    p(α, θ) = π(α) · p_HO(θ | α),   p_HO(θ | α) ∝ φ(θ) Π_k P_HO(α_k | θ)

so σ(β_j) is the guess and 1 − σ(β_j + δ_j) the slip of an average-ability student. π(α)
is the profile prior of `analytics.dina_model` (⅓ saturated + ⅔ higher-order), and
p_HO(θ | α) the higher-order model's own conditional, so λ_j = 0 gives back DINA
with that prior exactly. θ lives on the fixed grid of `analytics.dina_prior`.

Fitting is MAP-EM over the (profile × θ) grid. The E-step is exact; the item M-step is
one Newton step per iteration of a weighted three-parameter logistic regression on the
expected counts (cells: η ∈ {0, 1} × θ grid), with independent normal priors on β, δ and
λ (`AbilityHyper`). KP mastery is the posterior marginal of α; the predictive
probability of a response averages over α and θ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.dina_model import (
    DinaData,
    DinaFit,
    DinaHyper,
    all_profiles,
    ideal_responses,
    logsumexp_rows,
)
from analytics.dina_prior import (
    GRID,
    HigherOrder,
    fit_higher_order_joint,
    higher_order_distribution,
    theta_given_profile,
)


@dataclass(frozen=True, slots=True)
class AbilityHyper:
    """Normal priors (mean, sd): intercept β, and-gate δ, main effects γ, slope λ."""

    intercept: tuple[float, float] = (-1.5, 1.5)
    effect: tuple[float, float] = (3.0, 1.5)
    main: tuple[float, float] = (0.0, 0.5)
    slope: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True, slots=True, eq=False)
class ItemDesign:
    """Per-item features over profiles and their priors.

    `features` (J × L × P): column 0 the intercept, 1 the and-gate η, then one main
    effect per KP of the item (items asking for one KP have none: η is that KP), the
    last column (zero here) stands for θ. `mean`, `precision` (J × P) are the priors.
    """

    features: np.ndarray
    mean: np.ndarray
    precision: np.ndarray


def item_design(q: np.ndarray, profiles: np.ndarray, eta: np.ndarray, prior: AbilityHyper
                ) -> ItemDesign:
    """Features and priors of every item (see `ItemDesign`)."""
    j, width = q.shape[0], int(q.sum(axis=1).max()) + 3
    features = np.zeros((j, len(profiles), width))
    mean, sd = np.zeros((j, width)), np.ones((j, width))
    features[:, :, 0], features[:, :, 1] = 1.0, eta.T
    mean[:, 0], sd[:, 0] = prior.intercept
    mean[:, 1], sd[:, 1] = prior.effect
    mean[:, -1], sd[:, -1] = prior.slope
    for item in range(j):
        kps = np.flatnonzero(q[item])
        if len(kps) > 1:
            features[item, :, 2:2 + len(kps)] = profiles[:, kps]
            mean[item, 2:2 + len(kps)], sd[item, 2:2 + len(kps)] = prior.main
    return ItemDesign(features, mean, 1.0 / sd**2)


def item_logits(design: ItemDesign, coef: np.ndarray) -> np.ndarray:
    """z (J × L × G) = features·coef + λ_j·θ_g."""
    base = np.einsum("jlp,jp->jl", design.features[:, :, :-1], coef[:, :-1])
    return base[:, :, None] + coef[:, -1, None, None] * GRID[None, None, :]


def log_sigmoids(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log σ(z) and log(1 − σ(z)), stably."""
    return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)


def joint_log_posterior(data: DinaData, design: ItemDesign, coef: np.ndarray,
                        log_prior: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """Unnormalised log posterior (n × L·G) of every (profile, θ) cell per student.

    `log_prior` (L × G) is log p(α, θ); the carried tilt shifts profiles per student.
    """
    log_p1, log_p0 = log_sigmoids(item_logits(design, coef))
    j, size = log_p1.shape[0], log_p1.shape[1] * log_p1.shape[2]
    loglik = data.x1 @ log_p1.reshape(j, size)
    loglik += data.x0 @ log_p0.reshape(j, size)
    loglik += log_prior.reshape(1, size)
    if data.tilt.any():
        tilt = (data.tilt @ profiles.T)[:, :, None]
        loglik += np.broadcast_to(tilt, (len(loglik), *log_prior.shape)).reshape(
            len(loglik), size)
    return loglik


def cell_counts(post: np.ndarray, data: DinaData) -> tuple[np.ndarray, np.ndarray]:
    """Expected correct and answered counts per item and (profile, θ) cell (J × L × G)."""
    flat = post.reshape(len(post), -1)
    right = (data.x1.T @ flat).reshape(-1, *post.shape[1:])
    total = ((data.x1 + data.x0).T @ flat).reshape(right.shape)
    return right, total


def newton_items(design: ItemDesign, coef: np.ndarray, right: np.ndarray,
                 total: np.ndarray) -> np.ndarray:
    """One MAP Newton step of every item's logistic regression on the cell counts."""
    p = 1.0 / (1.0 + np.exp(-item_logits(design, coef)))
    resid, weight = right - total * p, total * p * (1 - p)
    f = design.features[:, :, :-1]
    r_l, w_l = resid.sum(axis=2), weight.sum(axis=2)
    r_t, w_t, w_tt = resid @ GRID, weight @ GRID, weight @ GRID**2
    grad = np.concatenate([np.einsum("jl,jlp->jp", r_l, f), r_t.sum(1)[:, None]], axis=1)
    hess_ff = np.einsum("jl,jlp,jlq->jpq", w_l, f, f)
    hess_ft = np.einsum("jl,jlp->jp", w_t, f)
    hess = np.zeros((len(coef), coef.shape[1], coef.shape[1]))
    hess[:, :-1, :-1], hess[:, :-1, -1], hess[:, -1, :-1] = hess_ff, hess_ft, hess_ft
    hess[:, -1, -1] = w_tt.sum(axis=1)
    grad -= design.precision * (coef - design.mean)
    hess += design.precision[:, :, None] * np.eye(coef.shape[1])[None]
    coef = coef + np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
    coef[:, 1:] = np.maximum(coef[:, 1:], 0.0)
    return coef


def joint_prior(alpha_prior: np.ndarray, ho: HigherOrder, profiles: np.ndarray
                ) -> np.ndarray:
    """log p(α, θ) (L × G) = log π(α) + log p_HO(θ | α)."""
    return np.log(alpha_prior)[:, None] + theta_given_profile(ho, profiles)


def update_prior(post: np.ndarray, profiles: np.ndarray, ho: HigherOrder, weight: float
                 ) -> tuple[np.ndarray, HigherOrder]:
    """M-step for π(α) and the higher-order (a, b) from the expected (α, θ) counts."""
    counts = post.sum(axis=0)  # L × G
    ho = fit_higher_order_joint(counts, profiles, ho)
    alpha = counts.sum(axis=1)
    prior = (1 - weight) * alpha / alpha.sum() + weight * higher_order_distribution(
        ho, profiles)
    return np.maximum(prior / prior.sum(), 1e-300), ho


def start_items(design: ItemDesign) -> np.ndarray:
    """Prior-mean items with a small ability slope: the EM starting point."""
    coef = design.mean.copy()
    coef[:, -1] = np.maximum(coef[:, -1], 0.2)
    return coef


def posterior(data: DinaData, design: ItemDesign, coef: np.ndarray, log_prior: np.ndarray,
              profiles: np.ndarray) -> tuple[np.ndarray, float]:
    """Posterior over cells (n × L × G) and the summed log marginal likelihood."""
    logpost = joint_log_posterior(data, design, coef, log_prior, profiles)
    norm = logsumexp_rows(logpost)
    logpost -= norm[:, None]
    return np.exp(logpost, out=logpost).reshape(len(norm), *log_prior.shape), float(
        norm.sum())


def item_log_prior(design: ItemDesign, coef: np.ndarray) -> float:
    """Log normal prior density of the item parameters (up to a constant)."""
    return float(-0.5 * (design.precision * (coef - design.mean) ** 2).sum())


def fit_exact_ability(data: DinaData, hyper: DinaHyper, prior: AbilityHyper) -> DinaFit:
    """MAP-EM of DINA with ability-dependent slip and guess over all 2^K profiles."""
    profiles = all_profiles(data.q.shape[1])
    design = item_design(data.q, profiles, ideal_responses(profiles, data.q), prior)
    coef = start_items(design)
    ho = HigherOrder.start(data.q.shape[1])
    alpha_prior = np.full(len(profiles), 1.0 / len(profiles))
    previous, converged, it, objective = -np.inf, False, 0, -np.inf
    for it in range(1, hyper.max_iter + 1):  # noqa: B007 - `it` is reported
        post, loglik = posterior(data, design, coef, joint_prior(alpha_prior, ho, profiles),
                                 profiles)
        objective = loglik + item_log_prior(design, coef)
        coef = newton_items(design, coef, *cell_counts(post, data))
        alpha_prior, ho = update_prior(post, profiles, ho, hyper.higher_order_weight)
        if abs(objective - previous) < hyper.tol * max(1.0, abs(objective)):
            converged = True
            break
        previous = objective
    post, _ = posterior(data, design, coef, joint_prior(alpha_prior, ho, profiles),
                        profiles)
    return summarise(post, design, coef, profiles, alpha_prior, (objective, it, converged))


def summarise(post: np.ndarray, design: ItemDesign, coef: np.ndarray, profiles: np.ndarray,
              alpha_prior: np.ndarray, run: tuple[float, int, bool]) -> DinaFit:
    """Mastery, predictions and average-ability slip / guess of a fitted block."""
    p = 1.0 / (1.0 + np.exp(-item_logits(design, coef)))  # J × L × G
    n, j = post.shape[0], p.shape[0]
    p_correct = post.reshape(n, -1) @ p.reshape(j, -1).T
    mastery = np.clip(post.sum(axis=2) @ profiles, 0.0, 1.0)
    population = np.clip(alpha_prior @ profiles, 0.0, 1.0)
    at_zero = np.einsum("jlp,jp->jl", design.features[:, :, :-1], coef[:, :-1])
    group = post.sum(axis=(0, 2)) / n
    eta = design.features[:, :, 1]
    guess = sigmoid_mean(at_zero, (1 - eta) * group[None, :])
    slip = 1.0 - sigmoid_mean(at_zero, eta * group[None, :])
    return DinaFit(slip, guess, mastery, population, p_correct, alpha_prior, run[0],
                   run[1], run[2], "exact_ability")


def sigmoid_mean(z: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per item, the weight-averaged σ(z) over profiles (0.5 when no weight)."""
    total = weight.sum(axis=1)
    mean = (weight / (1.0 + np.exp(-z))).sum(axis=1)
    return np.where(total > 0, mean / np.maximum(total, 1e-300), 0.5)


__all__ = ["AbilityHyper", "ItemDesign", "fit_exact_ability"]
