"""The DINA model fitted by MAP-EM: the numerical core behind `analytics.mastery`.

DINA ("deterministic input, noisy and-gate"): student i answers item j correctly with
probability 1 − s_j (slip) when they master every knowledge point (KP) the item's
Q-matrix row asks for (η_ij = 1), and with probability g_j (guess) otherwise.

Responses enter as two weight matrices so that partial credit and missing answers need
no special case: `x1 = m·x` and `x0 = m·(1 − x)`, where x ∈ [0, 1] is score / full marks
and m ∈ {0, 1} says whether the response was observed. The log-likelihood of one response
is `x1·log P + x0·log(1 − P)`: a fractional response is a "soft" Bernoulli outcome (the
expected-count form of the binomial), and a missing one contributes nothing.

Two fitting methods, both maximum a posteriori (MAP) EM:

- `fit_exact` enumerates all 2^K attribute profiles (K up to about 12). The prior over
  profiles is the unrestricted ("saturated") distribution smoothed towards a
  higher-order (HO-DINA) structure learned in the same EM: (1 − w)·empirical + w·π_HO,
  w = `higher_order_weight` (see `analytics.dina_prior`). Its E-step is exact.
- `fit_mean_field` is for larger K, where 2^K profiles cannot be enumerated. It uses the
  independent-attribute variational approximation q(α_i) = Π_k q_ik (as in Yamaguchi &
  Okada 2020, "Variational Bayes inference for the DINA model", J. Educ. Behav. Stat.):
  under it E[η_ij] = Π_{k ∈ item j} q_ik, the expected log-likelihood is linear in each
  q_ik, and each q_ik has a closed-form coordinate update. The population prior is
  independent per KP (a Beta-smoothed mastery rate). Cost per sweep is O(n·J·K_j).

Both take a per-student log-odds `tilt` (n × K) added to the log prior of every profile
that masters the KP: this is how a previous assessment's posterior becomes this one's
prior (see `analytics.mastery.carry_forward`). Slip and guess have Beta priors, so a
small class or an item everyone answers right does not give a degenerate 0 or 1, and
the constraint g_j < 1 − s_j (mastery helps) is kept by clipping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.dina_prior import HigherOrder, fit_higher_order, higher_order_distribution

EPS = 1e-6
"""Probabilities are kept in [EPS, 1 − EPS] so that no logarithm is infinite."""


@dataclass(frozen=True, slots=True)
class DinaHyper:
    """Hyper-parameters of the MAP-EM fit (Beta priors are (a, b) pairs)."""

    slip_prior: tuple[float, float] = (2.0, 8.0)
    guess_prior: tuple[float, float] = (2.0, 8.0)
    mastery_prior: tuple[float, float] = (2.0, 2.0)
    higher_order_weight: float = 2.0 / 3.0
    max_iter: int = 500
    tol: float = 1e-6


@dataclass(frozen=True, slots=True, eq=False)
class DinaData:
    """Responses of one connected block of items and KPs, ready for fitting.

    `x1`, `x0` (n × J): observed weight of a correct / wrong outcome (see module
    docstring); `q` (J × K) the 0/1 Q-matrix; `tilt` (n × K) per-student prior log-odds
    shift, zero when nothing is carried over.
    """

    x1: np.ndarray
    x0: np.ndarray
    q: np.ndarray
    tilt: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class DinaFit:
    """A fitted DINA block: item parameters, per-student KP mastery and predictions.

    `mastery` (n × K) is each student's posterior probability of mastering each KP,
    `population` (K,) the population mastery rate, `p_correct` (n × J) the posterior
    predictive probability of a correct response to each item, `profile_prior` the
    fitted distribution over the 2^K profiles (None for the mean-field method).
    `method` is the inference ("exact" or "mean_field"), `model` the response model
    ("dina", or "dina_ability" from `analytics.dina_ability`).
    """

    slip: np.ndarray
    guess: np.ndarray
    mastery: np.ndarray
    population: np.ndarray
    p_correct: np.ndarray
    profile_prior: np.ndarray | None
    log_posterior: float
    iterations: int
    converged: bool
    method: str
    model: str = "dina"


def all_profiles(k: int) -> np.ndarray:
    """The 2^k attribute profiles as a (2^k × k) 0/1 float array, row l = binary of l."""
    codes = np.arange(2**k)[:, None]
    return ((codes >> np.arange(k)[None, :]) & 1).astype(float)


def ideal_responses(profiles: np.ndarray, q: np.ndarray) -> np.ndarray:
    """η (L × J): 1 where the profile masters every KP the item requires."""
    needed = q.sum(axis=1)
    return (profiles @ q.T >= needed[None, :] - 0.5).astype(float)


def beta_map(successes: np.ndarray, trials: np.ndarray, prior: tuple[float, float]
             ) -> np.ndarray:
    """The posterior mode of a Beta(a, b)-prior Bernoulli rate, kept inside (EPS, 1-EPS)."""
    a, b = prior
    rate = (successes + a - 1.0) / np.maximum(trials + a + b - 2.0, EPS)
    return np.clip(rate, EPS, 1.0 - EPS)


def update_items(h: np.ndarray, data: DinaData, hyper: DinaHyper
                 ) -> tuple[np.ndarray, np.ndarray]:
    """M-step for slip and guess given E[η] (n × J); keeps guess below 1 − slip."""
    m = data.x1 + data.x0
    slip = beta_map((h * data.x0).sum(0), (h * m).sum(0), hyper.slip_prior)
    guess = beta_map(((1 - h) * data.x1).sum(0), ((1 - h) * m).sum(0), hyper.guess_prior)
    return slip, np.minimum(guess, 1.0 - slip - EPS)


def beta_log_density(p: np.ndarray, prior: tuple[float, float]) -> float:
    """Unnormalised log Beta density summed over `p` (for the MAP objective)."""
    a, b = prior
    return float(((a - 1) * np.log(p) + (b - 1) * np.log1p(-p)).sum())


def item_log_prior(slip: np.ndarray, guess: np.ndarray, hyper: DinaHyper) -> float:
    """Log prior of the item parameters."""
    return beta_log_density(slip, hyper.slip_prior) + beta_log_density(guess,
                                                                       hyper.guess_prior)


def logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """log Σ_l exp(a_il) for each row, computed stably."""
    top = a.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=1, keepdims=True)))[:, 0]


def update_profile_prior(post: np.ndarray, profiles: np.ndarray, ho: HigherOrder,
                         hyper: DinaHyper) -> tuple[np.ndarray, HigherOrder]:
    """M-step for the profile prior: saturated counts blended with the HO-DINA fit.

    The result is (1 − w)·(empirical profile distribution) + w·π_HO with
    w = `higher_order_weight`: a Dirichlet-MAP saturated prior whose pseudo-counts follow
    the higher-order structure (see `analytics.dina_prior`).
    """
    counts = post.sum(axis=0)
    ho = fit_higher_order(counts, profiles, ho)
    w = hyper.higher_order_weight
    prior = (1 - w) * counts / counts.sum() + w * higher_order_distribution(ho, profiles)
    return np.maximum(prior / prior.sum(), 1e-300), ho


def profile_log_posterior(data: DinaData, eta: np.ndarray, profiles: np.ndarray,
                          slip: np.ndarray, guess: np.ndarray, log_prior: np.ndarray
                          ) -> np.ndarray:
    """Unnormalised log posterior (n × L) of every profile for every student."""
    p = eta * (1 - slip) + (1 - eta) * guess
    loglik = data.x1 @ np.log(p).T + data.x0 @ np.log1p(-p).T
    return loglik + log_prior[None, :] + data.tilt @ profiles.T


def fit_exact(data: DinaData, hyper: DinaHyper) -> DinaFit:
    """MAP-EM over all 2^K profiles with a smoothed saturated profile prior."""
    j = data.x1.shape[1]
    profiles = all_profiles(data.q.shape[1])
    eta = ideal_responses(profiles, data.q)
    slip, guess = np.full(j, 0.2), np.full(j, 0.2)
    prior = np.full(len(profiles), 1.0 / len(profiles))
    ho = HigherOrder.start(data.q.shape[1])
    previous, converged, it = -np.inf, False, 0
    for it in range(1, hyper.max_iter + 1):  # noqa: B007 - `it` is reported
        logpost = profile_log_posterior(data, eta, profiles, slip, guess, np.log(prior))
        norm = logsumexp_rows(logpost)
        post = np.exp(logpost - norm[:, None])
        objective = float(norm.sum()) + item_log_prior(slip, guess, hyper)
        slip, guess = update_items(post @ eta, data, hyper)
        prior, ho = update_profile_prior(post, profiles, ho, hyper)
        if abs(objective - previous) < hyper.tol * max(1.0, abs(objective)):
            converged = True
            break
        previous = objective
    logpost = profile_log_posterior(data, eta, profiles, slip, guess, np.log(prior))
    post = np.exp(logpost - logsumexp_rows(logpost)[:, None])
    p_item = eta * (1 - slip) + (1 - eta) * guess
    mastery = np.clip(post @ profiles, 0.0, 1.0)
    population = np.clip(prior @ profiles, 0.0, 1.0)
    return DinaFit(slip, guess, mastery, population, post @ p_item, prior,
                   objective, it, converged, "exact")


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 − p)) of probabilities kept inside (EPS, 1 − EPS)."""
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, clipped away from 0 and 1."""
    return np.clip(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))), EPS, 1 - EPS)


def initial_mastery(data: DinaData) -> np.ndarray:
    """A start for q_ik: the student's score rate on the items asking for KP k."""
    m = data.x1 + data.x0
    rate = (data.x1 @ data.q + 1.0) / (m @ data.q + 2.0)
    return np.clip(rate, 0.05, 0.95)


def mean_field_sweep(q_ik: np.ndarray, gain: np.ndarray, data: DinaData,
                     prior_logit: np.ndarray) -> np.ndarray:
    """One coordinate-ascent sweep over the KPs; returns the new q (n × K).

    `gain` (n × J) is the log-likelihood gain of η_ij = 1 over η_ij = 0.
    """
    q_ik = q_ik.copy()
    log_q = np.log(q_ik)
    log_eta = log_q @ data.q.T
    for k in range(q_ik.shape[1]):
        items = data.q[:, k] > 0
        if not items.any():
            q_ik[:, k] = sigmoid(prior_logit[k] + data.tilt[:, k])
            continue
        others = np.exp(log_eta[:, items] - log_q[:, k:k + 1])
        field = prior_logit[k] + data.tilt[:, k] + (gain[:, items] * others).sum(axis=1)
        new = sigmoid(field)
        log_new = np.log(new)
        log_eta[:, items] += (log_new - log_q[:, k])[:, None]
        log_q[:, k], q_ik[:, k] = log_new, new
    return q_ik


def response_gain(data: DinaData, slip: np.ndarray, guess: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per-response log-likelihood when η = 0, and its gain when η = 1 (both n × J)."""
    ell1 = data.x1 * np.log1p(-slip) + data.x0 * np.log(slip)
    ell0 = data.x1 * np.log(guess) + data.x0 * np.log1p(-guess)
    return ell0, ell1 - ell0


def expected_eta(q_ik: np.ndarray, q: np.ndarray) -> np.ndarray:
    """E[η_ij] = Π_{k ∈ item j} q_ik under the independent-attribute approximation."""
    return np.exp(np.log(q_ik) @ q.T)


def mean_field_objective(q_ik: np.ndarray, data: DinaData, slip: np.ndarray,
                         guess: np.ndarray, rate: np.ndarray, hyper: DinaHyper) -> float:
    """The variational lower bound on the log posterior (up to a constant)."""
    ell0, gain = response_gain(data, slip, guess)
    fit = float((ell0 + expected_eta(q_ik, data.q) * gain).sum())
    prior_logit = logit(rate)[None, :] + data.tilt
    log_norm = np.logaddexp(0.0, prior_logit)
    prior = float((q_ik * prior_logit - log_norm).sum())
    entropy = -float((q_ik * np.log(q_ik) + (1 - q_ik) * np.log1p(-q_ik)).sum())
    return (fit + prior + entropy + item_log_prior(slip, guess, hyper)
            + beta_log_density(rate, hyper.mastery_prior))


def fit_mean_field(data: DinaData, hyper: DinaHyper) -> DinaFit:
    """MAP-EM under the independent-attribute variational approximation (any K)."""
    n = data.x1.shape[0]
    q_ik = initial_mastery(data)
    slip, guess = update_items(expected_eta(q_ik, data.q), data, hyper)
    rate = beta_map(q_ik.sum(0), np.full(q_ik.shape[1], float(n)), hyper.mastery_prior)
    previous, converged, it, objective = -np.inf, False, 0, -np.inf
    for it in range(1, hyper.max_iter + 1):  # noqa: B007 - `it` is reported
        _, gain = response_gain(data, slip, guess)
        q_ik = mean_field_sweep(q_ik, gain, data, logit(rate))
        slip, guess = update_items(expected_eta(q_ik, data.q), data, hyper)
        rate = beta_map(q_ik.sum(0), np.full(q_ik.shape[1], float(n)), hyper.mastery_prior)
        objective = mean_field_objective(q_ik, data, slip, guess, rate, hyper)
        if abs(objective - previous) < hyper.tol * max(1.0, abs(objective)):
            converged = True
            break
        previous = objective
    q_ik = mean_field_sweep(q_ik, response_gain(data, slip, guess)[1], data, logit(rate))
    h = expected_eta(q_ik, data.q)
    p_correct = h * (1 - slip) + (1 - h) * guess
    return DinaFit(slip, guess, q_ik, rate, p_correct, None, objective, it, converged,
                   "mean_field")


__all__ = [
    "DinaData",
    "DinaFit",
    "DinaHyper",
    "all_profiles",
    "fit_exact",
    "fit_mean_field",
    "ideal_responses",
]
