"""Choosing each student's practice: weakest knowledge points first, at the right difficulty.

For one student, from the school's item bank:

1. wrong items due for a retry on the Leitner schedule come first (up to a share);
2. the other items are scored by how weak the student is on their knowledge points
   (1 − mastery) and by how close their predicted success is to the target band
   (0.6–0.8: hard enough to learn from, easy enough to succeed — desirable difficulty);
   items seen in the last N days are left out;
3. items are then picked one by one by maximal marginal relevance (MMR), trading
   relevance against overlap with the knowledge points already picked, so the practice
   spreads over the weak points instead of drilling one.

Predicted success uses the DINA form with the item's slip and guess and the student's
mastery, knowledge points taken as independent: P = (1 − s)·Πm + g·(1 − Πm). For a
class, `class_weak_points` gives the teacher the knowledge points most students lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TARGET_BAND = (0.6, 0.8)
"""Predicted success of the items worth practising."""


@dataclass(frozen=True)
class ItemBank:
    """The school's practice items: ids, item × KP membership (0/1), slip and guess."""

    item_ids: np.ndarray
    q_matrix: np.ndarray
    slip: np.ndarray
    guess: np.ndarray

    def __post_init__(self) -> None:
        count = len(self.item_ids)
        if self.q_matrix.shape[0] != count or len(self.slip) != count or len(
                self.guess) != count:
            raise ValueError("item ids, Q-matrix rows, slip and guess must match in length")


@dataclass(frozen=True, slots=True)
class PracticeSettings:
    """How many items, the success band, what counts as recent, the MMR trade-off."""

    count: int = 10
    band: tuple[float, float] = TARGET_BAND
    recent_days: float = 14.0
    due_share: float = 0.3
    diversity: float = 0.3
    use_band: bool = True
    use_diversity: bool = True


@dataclass(frozen=True, slots=True)
class PracticeItem:
    """One recommended item: why (a due retry or a weak point), for which KP, how likely right."""

    item_id: int
    knowledge_point: int | None
    predicted_success: float
    reason: str


@dataclass(frozen=True, slots=True)
class WeakPoint:
    """A knowledge point a class is weak on: its column, mean mastery and share below 0.5."""

    knowledge_point: int
    mean_mastery: float
    share_not_mastered: float


def predicted_success(mastery: np.ndarray, bank: ItemBank) -> np.ndarray:
    """P(right) of every bank item for a student with `mastery` (per KP, 0..1)."""
    required = bank.q_matrix.astype(bool)
    logs = np.where(required, np.log(np.clip(mastery, 1e-9, 1.0))[None, :], 0.0)
    knows_all = np.exp(logs.sum(axis=1))
    return (1 - bank.slip) * knows_all + bank.guess * (1 - knows_all)


def band_fit(success: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    """1 inside the band, falling off smoothly (0.1 wide) outside it."""
    low, high = band
    distance = np.maximum(low - success, 0) + np.maximum(success - high, 0)
    return np.exp(-distance / 0.1)


def recommend_practice(mastery: np.ndarray, bank: ItemBank, days_since_seen: np.ndarray,
                       due_items: Sequence[int] = (),
                       settings: PracticeSettings | None = None) -> list[PracticeItem]:
    """The student's practice list (see the module docstring); at most `settings.count` items."""
    settings = settings or PracticeSettings()
    mastery = np.asarray(mastery, dtype=float)
    success = predicted_success(mastery, bank)
    weakness = _weakness(mastery, bank)
    position = {int(item): index for index, item in enumerate(bank.item_ids)}
    picked: list[int] = []
    result: list[PracticeItem] = []
    for item in list(due_items)[: round(settings.count * settings.due_share)]:
        index = position.get(int(item))
        if index is not None and index not in picked:
            picked.append(index)
            result.append(_practice_item(index, bank, mastery, success, "due_retry"))
    relevance = weakness * (band_fit(success, settings.band) if settings.use_band else 1.0)
    open_items = (np.asarray(days_since_seen, dtype=float) >= settings.recent_days) & (
        bank.q_matrix.sum(axis=1) > 0)
    open_items[picked] = False
    for index in _mmr(relevance, bank.q_matrix, open_items, picked,
                      settings.count - len(result),
                      settings.diversity if settings.use_diversity else 0.0):
        result.append(_practice_item(index, bank, mastery, success, "weak_point"))
    return result


def class_weak_points(mastery: np.ndarray, limit: int = 5) -> list[WeakPoint]:
    """The knowledge points most of a class lacks (students × KPs posterior mastery)."""
    mastery = np.asarray(mastery, dtype=float)
    if mastery.size == 0:
        return []
    mean = np.nanmean(mastery, axis=0)
    lacking = np.nanmean(mastery < 0.5, axis=0)
    order = np.lexsort((mean, -lacking))
    return [WeakPoint(int(k), float(mean[k]), float(lacking[k])) for k in order[:limit]]


def _weakness(mastery: np.ndarray, bank: ItemBank) -> np.ndarray:
    """How much practising each item could teach: its weakest KP's 1 − mastery."""
    gaps = np.where(bank.q_matrix.astype(bool), 1 - mastery[None, :], 0.0)
    return gaps.max(axis=1)


def _mmr(relevance: np.ndarray, q_matrix: np.ndarray, open_items: np.ndarray,
         already: list[int], count: int, diversity: float) -> list[int]:
    """Pick `count` open items by maximal marginal relevance over KP overlap (Jaccard)."""
    sets = q_matrix.astype(bool)
    sizes = sets.sum(axis=1)
    chosen: list[int] = []
    overlap = np.zeros(len(relevance))
    for index in already:
        overlap = np.maximum(overlap, _jaccard(sets, sizes, index))
    available = open_items.copy()
    for _ in range(max(0, count)):
        if not available.any():
            break
        score = np.where(available, (1 - diversity) * relevance - diversity * overlap, -np.inf)
        best = int(np.argmax(score))
        chosen.append(best)
        available[best] = False
        overlap = np.maximum(overlap, _jaccard(sets, sizes, best))
    return chosen


def _jaccard(sets: np.ndarray, sizes: np.ndarray, index: int) -> np.ndarray:
    shared = (sets & sets[index]).sum(axis=1)
    union = sizes + sizes[index] - shared
    return np.where(union > 0, shared / np.maximum(union, 1), 0.0)


def _practice_item(index: int, bank: ItemBank, mastery: np.ndarray, success: np.ndarray,
                   reason: str) -> PracticeItem:
    kps = np.flatnonzero(bank.q_matrix[index])
    weakest = int(kps[np.argmin(mastery[kps])]) if len(kps) else None
    return PracticeItem(int(bank.item_ids[index]), weakest, float(success[index]), reason)


__all__ = ["TARGET_BAND", "ItemBank", "PracticeItem", "PracticeSettings", "WeakPoint",
           "band_fit", "class_weak_points", "predicted_success", "recommend_practice"]
