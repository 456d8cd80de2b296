"""Attribute-profile priors for the DINA model: the higher-order (HO-DINA) structure.

The higher-order model (de la Torre & Douglas 2004) ties the knowledge points to one
continuous ability θ ~ N(0, 1): P(α_k = 1 | θ) = σ(a_k·θ + b_k), attributes independent
given θ. Over the 2^K profiles this is

    π_HO(α) = Σ_g w_g Π_k σ(a_k θ_g + b_k)^α_k (1 − σ(a_k θ_g + b_k))^(1 − α_k)

with θ on a fixed quadrature grid (weights w_g from the normal density). It captures the
strong positive correlation between knowledge points with 2K parameters, where the
saturated distribution needs 2^K − 1. `fit_higher_order` fits (a, b) to expected profile
counts by EM over the grid with a few Newton steps per KP (a two-parameter weighted
logistic regression of α_k on θ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID = np.linspace(-4.0, 4.0, 25)
"""Quadrature points for the ability θ."""

RIDGE = 1e-3
"""Added to the Newton Hessian so a KP everyone (or no one) masters stays finite."""


@dataclass(frozen=True, slots=True, eq=False)
class HigherOrder:
    """Slopes `a` (K,) and intercepts `b` (K,) of P(α_k = 1 | θ) = σ(a_k θ + b_k)."""

    a: np.ndarray
    b: np.ndarray

    @staticmethod
    def start(k: int) -> HigherOrder:
        """Moderate positive slopes, 50 % mastery: the starting point of EM."""
        return HigherOrder(np.ones(k), np.zeros(k))


def grid_log_weights(grid: np.ndarray) -> np.ndarray:
    """Normalised standard-normal log weights of the points of a θ grid."""
    log_w = -(grid**2) / 2
    return log_w - np.log(np.exp(log_w).sum())


def _joint_log(ho: HigherOrder, profiles: np.ndarray, grid: np.ndarray = GRID
               ) -> np.ndarray:
    """log w_g + log P(α_l | θ_g), shape (G × L)."""
    z = grid[:, None] * ho.a[None, :] + ho.b[None, :]
    log_p1, log_p0 = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
    return grid_log_weights(grid)[:, None] + log_p1 @ profiles.T + log_p0 @ (1 - profiles).T


def _log_sum_columns(a: np.ndarray) -> np.ndarray:
    """log Σ_g exp(a_gl) for each column, computed stably."""
    top = a.max(axis=0, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=0, keepdims=True)))[0]


def higher_order_distribution(ho: HigherOrder, profiles: np.ndarray) -> np.ndarray:
    """π_HO over the profiles (sums to 1)."""
    log_pi = _log_sum_columns(_joint_log(ho, profiles))
    pi = np.exp(log_pi - log_pi.max())
    return pi / pi.sum()


def _newton_step(ho: HigherOrder, weight: np.ndarray, mastered: np.ndarray,
                 grid: np.ndarray = GRID) -> HigherOrder:
    """One Newton step of the binomial logistic regressions (all KPs at once).

    `weight` (G,) is the expected number of students at each θ_g, `mastered` (G × K)
    how many of them master each KP.
    """
    z = grid[:, None] * ho.a[None, :] + ho.b[None, :]
    p = 1.0 / (1.0 + np.exp(-z))
    resid = mastered - weight[:, None] * p
    grad_a, grad_b = (resid * grid[:, None]).sum(0), resid.sum(0)
    v = weight[:, None] * p * (1 - p)
    h_aa = (v * grid[:, None] ** 2).sum(0) + RIDGE
    h_ab = (v * grid[:, None]).sum(0)
    h_bb = v.sum(0) + RIDGE
    det = h_aa * h_bb - h_ab**2
    a = ho.a + (h_bb * grad_a - h_ab * grad_b) / det
    b = ho.b + (h_aa * grad_b - h_ab * grad_a) / det
    return HigherOrder(np.clip(a, 0.05, 6.0), np.clip(b, -8.0, 8.0))


def fit_higher_order(counts: np.ndarray, profiles: np.ndarray, ho: HigherOrder,
                     steps: int = 3) -> HigherOrder:
    """Move (a, b) towards the maximum of Σ_l counts_l · log π_HO(l) (a few EM steps)."""
    for _ in range(steps):
        joint = _joint_log(ho, profiles)
        resp = np.exp(joint - _log_sum_columns(joint)[None, :]) * counts[None, :]
        ho = _newton_step(ho, resp.sum(axis=1), resp @ profiles)
    return ho


def theta_given_profile(ho: HigherOrder, profiles: np.ndarray, grid: np.ndarray
                        ) -> np.ndarray:
    """log p_HO(θ_g | α_l) (L × G) on `grid`: the posterior of θ for each profile."""
    joint = _joint_log(ho, profiles, grid)
    return (joint - _log_sum_columns(joint)[None, :]).T


def fit_higher_order_joint(counts: np.ndarray, profiles: np.ndarray, ho: HigherOrder,
                           grid: np.ndarray, steps: int = 1) -> HigherOrder:
    """Newton steps for (a, b) given expected counts over (profile × `grid`) cells (L × G).

    Used when θ is part of the latent state (`analytics.dina_ability`), so the counts
    are already complete-data statistics and no inner EM over the grid is needed.
    """
    weight, mastered = counts.sum(axis=0), counts.T @ profiles
    for _ in range(steps):
        ho = _newton_step(ho, weight, mastered, grid)
    return ho


__all__ = [
    "GRID",
    "HigherOrder",
    "fit_higher_order",
    "fit_higher_order_joint",
    "higher_order_distribution",
    "theta_given_profile",
]
