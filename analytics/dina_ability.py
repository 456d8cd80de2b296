"""DINA with a continuous ability: the exact-block model behind `analytics.mastery`.

Plain DINA says every student who masters the KPs of an item answers it with the same
probability 1 − s_j, and every student who does not with the same g_j. On real tests
(FrcSub) stronger students slip less and guess more often, within the same attribute
profile. This module keeps the DINA and-gate and lets slip and guess depend on one
continuous ability θ, the same θ that drives the attribute profile in the higher-order
(HO-DINA) prior (de la Torre & Douglas 2004; the logistic response is the DINA special
case of the log-linear CDM of Henson, Templin & Willse 2009 with an added ability term):

    P(x_ij = 1 | α, θ) = σ(β_j + δ_j·η_j(α) + (λ_j + κ_j·η_j(α))·θ),
    δ_j ≥ 0, λ_j ≥ 0, λ_j + κ_j ≥ 0 (ability never hurts)

    p(α, θ) = π(α) · p_HO(θ | α),   p_HO(θ | α) ∝ φ(θ) Π_k P_HO(α_k | θ)

so σ(β_j) is the guess and 1 − σ(β_j + δ_j) the slip of an average-ability student
(κ_j lets the ability matter differently with and without the KPs). π(α) is the profile
prior of `analytics.dina_model` (⅓ saturated + ⅔ higher-order), and p_HO(θ | α) the
higher-order model's own conditional, so λ_j = κ_j = 0 gives back DINA with that prior
exactly. θ lives on the 9-point grid `GRID`. The reported slip and guess are the class
averages over the students' θ within each η group.

Fitting is MAP-EM over the (profile × θ) grid. The E-step is exact; the item M-step is
one Newton step per iteration of a weighted four-parameter logistic regression on the
expected counts (cells: η ∈ {0, 1} × θ grid), with independent normal priors on β, δ, λ
and κ (`AbilityHyper`). KP mastery is the posterior marginal of α; the predictive
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
    HigherOrder,
    fit_higher_order_joint,
    higher_order_distribution,
    theta_given_profile,
)

GRID = np.linspace(-3.0, 3.0, 9)
"""θ grid of the response model: 9 points (25 gave the same dev-seed figures, 3× slower)."""


@dataclass(frozen=True, slots=True)
class AbilityHyper:
    """Normal priors (mean, sd) on β, δ, λ and κ (see the module docstring)."""

    intercept: tuple[float, float] = (-1.5, 1.5)
    effect: tuple[float, float] = (3.0, 1.5)
    slope: tuple[float, float] = (0.0, 1.0)
    gate_slope: tuple[float, float] = (0.0, 0.5)

    def means(self) -> np.ndarray:
        """Prior means as a (4,) array in (β, δ, λ, κ) order."""
        return np.array([p[0] for p in self.pairs()])

    def precisions(self) -> np.ndarray:
        """Prior precisions 1 / sd² as a (4,) array."""
        return np.array([1.0 / p[1] ** 2 for p in self.pairs()])

    def pairs(self) -> tuple[tuple[float, float], ...]:
        """The four (mean, sd) pairs in (β, δ, λ, κ) order."""
        return (self.intercept, self.effect, self.slope, self.gate_slope)


def cell_design() -> np.ndarray:
    """Features (2 × G × 4) of the cells η ∈ {0, 1} × θ grid: (1, η, θ, η·θ)."""
    e = np.array([0.0, 1.0])[:, None] * np.ones_like(GRID)[None, :]
    t = np.broadcast_to(GRID, e.shape)
    return np.stack([np.ones_like(e), e, t, e * t], axis=-1)


def cell_logits(coef: np.ndarray) -> np.ndarray:
    """z (J × 2 × G) = β + δ·η + (λ + κ·η)·θ for η = 0, 1."""
    return np.einsum("egc,jc->jeg", cell_design(), coef)


def log_sigmoids(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log σ(z) and log(1 − σ(z)), stably."""
    return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)


def joint_log_posterior(data: DinaData, eta: np.ndarray, coef: np.ndarray,
                        log_prior: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """Unnormalised log posterior (n × L·G) of every (profile, θ) cell per student.

    `log_prior` (L × G) is log p(α, θ); the carried tilt shifts profiles per student.
    The response log-likelihood is base(η = 0) plus Σ_j η_lj·gain_ij(θ), one product.
    """
    log_p1, log_p0 = log_sigmoids(cell_logits(coef))  # J × 2 × G
    base = data.x1 @ log_p1[:, 0] + data.x0 @ log_p0[:, 0]  # n × G
    gain = (data.x1[:, :, None] * (log_p1[:, 1] - log_p1[:, 0])
            + data.x0[:, :, None] * (log_p0[:, 1] - log_p0[:, 0]))  # n × J × G
    loglik = np.matmul(eta[None, :, :], gain)  # n × L × G
    loglik += base[:, None, :]
    loglik += log_prior[None, :, :]
    if data.tilt.any():
        loglik += (data.tilt @ profiles.T)[:, :, None]
    return loglik.reshape(len(base), -1)


def cell_counts(post: np.ndarray, data: DinaData, eta: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Expected correct and answered counts per item and cell η × θ: (J × 2 × G) each."""
    theta_post = post.sum(axis=1)  # n × G
    eta1 = np.matmul(post.transpose(0, 2, 1), eta)  # n × G × J
    counts = []
    for x in (data.x1, data.x1 + data.x0):
        on = np.einsum("ij,igj->jg", x, eta1)
        counts.append(np.stack([x.T @ theta_post - on, on], axis=1))
    return counts[0], counts[1]


def newton_items(coef: np.ndarray, right: np.ndarray, total: np.ndarray,
                 prior: AbilityHyper) -> np.ndarray:
    """One MAP Newton step of every item's logistic regression on the cell counts."""
    design = cell_design()
    p = 1.0 / (1.0 + np.exp(-cell_logits(coef)))
    resid, weight = right - total * p, total * p * (1 - p)
    prec = prior.precisions()
    grad = np.einsum("jeg,egc->jc", resid, design) - prec * (coef - prior.means())
    hess = np.einsum("jeg,egc,egd->jcd", weight, design, design) + np.diag(prec)
    coef = coef + np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
    coef[:, 1:3] = np.maximum(coef[:, 1:3], 0.0)
    coef[:, 3] = np.maximum(coef[:, 3], -coef[:, 2])
    return coef


def joint_prior(alpha_prior: np.ndarray, ho: HigherOrder, profiles: np.ndarray
                ) -> np.ndarray:
    """log p(α, θ) (L × G) = log π(α) + log p_HO(θ | α)."""
    return np.log(alpha_prior)[:, None] + theta_given_profile(ho, profiles, GRID)


def update_prior(post: np.ndarray, profiles: np.ndarray, ho: HigherOrder, weight: float
                 ) -> tuple[np.ndarray, HigherOrder]:
    """M-step for π(α) and the higher-order (a, b) from the expected (α, θ) counts."""
    counts = post.sum(axis=0)  # L × G
    ho = fit_higher_order_joint(counts, profiles, ho, GRID)
    alpha = counts.sum(axis=1)
    prior = (1 - weight) * alpha / alpha.sum() + weight * higher_order_distribution(
        ho, profiles)
    return np.maximum(prior / prior.sum(), 1e-300), ho


def start_items(j: int, prior: AbilityHyper) -> np.ndarray:
    """Prior-mean items with a small ability slope: the EM starting point (J × 4)."""
    coef = np.tile(prior.means(), (j, 1))
    coef[:, 2] = np.maximum(coef[:, 2], 0.2)
    return coef


def posterior(data: DinaData, eta: np.ndarray, coef: np.ndarray, log_prior: np.ndarray,
              profiles: np.ndarray) -> tuple[np.ndarray, float]:
    """Posterior over cells (n × L × G) and the summed log marginal likelihood."""
    logpost = joint_log_posterior(data, eta, coef, log_prior, profiles)
    norm = logsumexp_rows(logpost)
    logpost -= norm[:, None]
    return np.exp(logpost, out=logpost).reshape(len(norm), *log_prior.shape), float(
        norm.sum())


def item_log_prior(coef: np.ndarray, prior: AbilityHyper) -> float:
    """Log normal prior density of the item parameters (up to a constant)."""
    return float(-0.5 * (prior.precisions() * (coef - prior.means()) ** 2).sum())


def fit_exact_ability(data: DinaData, hyper: DinaHyper, prior: AbilityHyper) -> DinaFit:
    """MAP-EM of DINA with ability-dependent slip and guess over all 2^K profiles."""
    profiles = all_profiles(data.q.shape[1])
    eta = ideal_responses(profiles, data.q)
    coef = start_items(data.x1.shape[1], prior)
    ho = HigherOrder.start(data.q.shape[1])
    alpha_prior = np.full(len(profiles), 1.0 / len(profiles))
    previous, converged, it, objective = -np.inf, False, 0, -np.inf
    for it in range(1, hyper.max_iter + 1):  # noqa: B007 - `it` is reported
        post, loglik = posterior(data, eta, coef, joint_prior(alpha_prior, ho, profiles),
                                 profiles)
        objective = loglik + item_log_prior(coef, prior)
        coef = newton_items(coef, *cell_counts(post, data, eta), prior)
        alpha_prior, ho = update_prior(post, profiles, ho, hyper.higher_order_weight)
        if abs(objective - previous) < hyper.tol * max(1.0, abs(objective)):
            converged = True
            break
        previous = objective
    post, _ = posterior(data, eta, coef, joint_prior(alpha_prior, ho, profiles), profiles)
    return summarise(post, coef, eta, profiles, alpha_prior, (objective, it, converged))


def summarise(post: np.ndarray, coef: np.ndarray, eta: np.ndarray, profiles: np.ndarray,
              alpha_prior: np.ndarray, run: tuple[float, int, bool]) -> DinaFit:
    """Mastery, predictions and the class's effective slip / guess of a fitted block.

    Slip and guess are averaged over the θ of the students in each η group (posterior
    weights), the plain-DINA reading a teacher expects.
    """
    p = 1.0 / (1.0 + np.exp(-cell_logits(coef)))  # J × 2 × G
    theta_post = post.sum(axis=1)  # n × G
    on = np.einsum("ilg,lj->ijg", post, eta)
    p_correct = (theta_post[:, None, :] - on) * p[None, :, 0] + on * p[None, :, 1]
    mastery = np.clip(post.sum(axis=2) @ profiles, 0.0, 1.0)
    population = np.clip(alpha_prior @ profiles, 0.0, 1.0)
    off = theta_post[:, None, :] - on
    guess = group_mean(off, p[:, 0])
    slip = 1.0 - group_mean(on, p[:, 1])
    return DinaFit(slip, guess, mastery, population, p_correct.sum(axis=2), alpha_prior,
                   run[0], run[1], run[2], "exact", "dina_ability")


def group_mean(weight: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per item, Σ_ig weight·p / Σ_ig weight for weight (n × J × G), p (J × G); 0.5 if empty."""
    total = weight.sum(axis=(0, 2))
    mean = np.einsum("ijg,jg->j", weight, p)
    return np.where(total > 1e-12, mean / np.maximum(total, 1e-12), 0.5)


__all__ = ["GRID", "AbilityHyper", "fit_exact_ability"]
