"""Scores for predicted probabilities of correct answers: AUC, accuracy, RMSE."""

from __future__ import annotations

import numpy as np


def auc(outcome: np.ndarray, predicted: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney, ties count one half); np.nan if one class."""
    y = np.asarray(outcome, dtype=float).ravel() > 0.5
    p = np.asarray(predicted, dtype=float).ravel()
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    mid_rank = upper - (counts - 1) / 2.0
    rank_sum = float(mid_rank[inverse][y].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def accuracy(outcome: np.ndarray, predicted: np.ndarray, threshold: float = 0.5) -> float:
    """Share of responses on the right side of `threshold`."""
    y = np.asarray(outcome, dtype=float).ravel() > 0.5
    return float(np.mean((np.asarray(predicted, dtype=float).ravel() > threshold) == y))


def rmse(outcome: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error of the probabilities against the 0/1 outcomes."""
    diff = np.asarray(predicted, dtype=float) - np.asarray(outcome, dtype=float)
    return float(np.sqrt(np.mean(diff**2)))


__all__ = ["accuracy", "auc", "rmse"]
