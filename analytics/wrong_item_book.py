"""The wrong-item book (错题本): every item a student got wrong, retried on a Leitner schedule.

An entry is made for each response scored below full marks, in any exam or homework. A
retry that is right moves the entry up one Leitner box (it comes back after a longer
interval); a wrong retry sends it back to box 1. After `retire_after` right retries in a
row the entry is retired: the student has learnt it. Entries are queried by student,
knowledge point and date range. Pure data in, data out: the database lives in workflow/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LEITNER_INTERVALS_DAYS = (1, 2, 4, 8, 16, 32)
"""Days until the next retry for an entry in box 1, 2, …; the last repeats."""

RETIRE_AFTER = 3
"""Right retries in a row that retire an entry."""


@dataclass(frozen=True, slots=True)
class ReviewState:
    """Where an entry is on the Leitner schedule."""

    box: int
    due: dt.date
    right_in_a_row: int = 0
    retired: bool = False


@dataclass(frozen=True, slots=True)
class WrongItem:
    """One item a student got wrong or partly wrong, with what is needed to practise it."""

    student_id: int
    item_id: int
    assessment_id: int | None
    knowledge_points: tuple[int, ...]
    answer: str | None
    right_answer: str
    score: float
    full_marks: float
    answered_on: dt.date
    picture: str | None = None
    review: ReviewState | None = None

    @property
    def partly_right(self) -> bool:
        """Some points were earned."""
        return self.score > 0

    @property
    def schedule(self) -> ReviewState:
        """Its review state; an entry never reviewed is on the first schedule."""
        return self.review or first_review(self.answered_on)


@dataclass(frozen=True, slots=True)
class AnsweredItem:
    """A scored response as the book needs it (from any exam or homework)."""

    student_id: int
    item_id: int
    assessment_id: int | None
    knowledge_points: tuple[int, ...]
    answer: str | None
    right_answer: str
    score: float | None
    full_marks: float
    answered_on: dt.date
    picture: str | None = None


@dataclass(frozen=True, slots=True)
class WrongItemQuery:
    """Which entries to show: one student (or all), some knowledge points, a date range."""

    student_id: int | None = None
    knowledge_points: frozenset[int] = frozenset()
    since: dt.date | None = None
    until: dt.date | None = None
    include_retired: bool = False


def interval_days(box: int) -> int:
    """Days between retries for an entry in `box` (1-based)."""
    return LEITNER_INTERVALS_DAYS[min(max(box, 1), len(LEITNER_INTERVALS_DAYS)) - 1]


def first_review(answered_on: dt.date) -> ReviewState:
    """The schedule of a new entry: box 1, due the next day."""
    return ReviewState(1, answered_on + dt.timedelta(days=interval_days(1)))


def after_retry(state: ReviewState, right: bool, on: dt.date,
                retire_after: int = RETIRE_AFTER) -> ReviewState:
    """The schedule after a retry on `on`: up a box when right, back to box 1 when wrong."""
    if state.retired:
        return state
    if not right:
        return ReviewState(1, on + dt.timedelta(days=interval_days(1)))
    streak = state.right_in_a_row + 1
    box = state.box + 1
    return ReviewState(box, on + dt.timedelta(days=interval_days(box)), streak,
                       retired=streak >= retire_after)


def is_due(item: WrongItem, today: dt.date) -> bool:
    """Whether the entry should be practised today (retired entries never are)."""
    review = item.schedule
    return not review.retired and review.due <= today


def wrong_items(answers: Iterable[AnsweredItem]) -> list[WrongItem]:
    """An entry for every scored answer below full marks (unscored answers are skipped).

    When a student got the same item wrong more than once, the latest answer is kept.
    """
    latest: dict[tuple[int, int], WrongItem] = {}
    for answer in answers:
        if answer.score is None or answer.score >= answer.full_marks:
            continue
        entry = WrongItem(answer.student_id, answer.item_id, answer.assessment_id,
                          answer.knowledge_points, answer.answer, answer.right_answer,
                          answer.score, answer.full_marks, answer.answered_on, answer.picture,
                          first_review(answer.answered_on))
        key = (answer.student_id, answer.item_id)
        if key not in latest or latest[key].answered_on <= answer.answered_on:
            latest[key] = entry
    return sorted(latest.values(), key=lambda e: (e.student_id, e.answered_on, e.item_id))


def record_retry(item: WrongItem, right: bool, on: dt.date,
                 retire_after: int = RETIRE_AFTER) -> WrongItem:
    """The entry after the student retried it on `on`."""
    return dataclasses.replace(item, review=after_retry(item.schedule, right, on, retire_after))


def select_entries(entries: Sequence[WrongItem], query: WrongItemQuery) -> list[WrongItem]:
    """The entries matching `query`, newest first."""
    chosen = [e for e in entries
              if (query.student_id is None or e.student_id == query.student_id)
              and (not query.knowledge_points
                   or query.knowledge_points.intersection(e.knowledge_points))
              and (query.since is None or e.answered_on >= query.since)
              and (query.until is None or e.answered_on <= query.until)
              and (query.include_retired or not (e.review and e.review.retired))]
    return sorted(chosen, key=lambda e: (e.answered_on, e.item_id), reverse=True)


def by_student(entries: Iterable[WrongItem]) -> dict[int, list[WrongItem]]:
    """The entries grouped by student, for looking up many students' books at once."""
    grouped: dict[int, list[WrongItem]] = {}
    for entry in entries:
        grouped.setdefault(entry.student_id, []).append(entry)
    return grouped


def due_entries(entries: Sequence[WrongItem], student_id: int, today: dt.date) -> list[WrongItem]:
    """A student's entries due for practice today, most overdue first."""
    due = [e for e in entries if e.student_id == student_id and is_due(e, today)]
    return sorted(due, key=lambda e: (e.schedule.due, e.item_id))


__all__ = ["LEITNER_INTERVALS_DAYS", "RETIRE_AFTER", "AnsweredItem", "ReviewState",
           "WrongItem", "WrongItemQuery", "after_retry", "by_student", "due_entries",
           "first_review", "interval_days", "is_due", "record_retry", "select_entries",
           "wrong_items"]
