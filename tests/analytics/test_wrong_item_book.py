"""The wrong-item book: entries from wrong answers, the Leitner schedule, queries."""

import datetime as dt

from analytics.wrong_item_book import (
    AnsweredItem,
    ReviewState,
    WrongItemQuery,
    after_retry,
    due_entries,
    first_review,
    record_retry,
    select_entries,
    wrong_items,
)

DAY = dt.date(2026, 9, 1)


def _answer(student: int, item: int, score: float | None, *, kps: tuple[int, ...] = (1,),
            on: dt.date = DAY, full: float = 4.0) -> AnsweredItem:
    return AnsweredItem(student, item, 7, kps, "B", "C", score, full, on)


def test_wrong_and_partly_wrong_answers_make_entries_right_and_unscored_do_not() -> None:
    entries = wrong_items([_answer(1, 10, 0), _answer(1, 11, 2), _answer(1, 12, 4),
                           _answer(1, 13, None), _answer(2, 10, 0)])
    assert [(e.student_id, e.item_id, e.partly_right) for e in entries] == [
        (1, 10, False), (1, 11, True), (2, 10, False)]
    assert all(e.review == ReviewState(1, DAY + dt.timedelta(days=1)) for e in entries)


def test_the_latest_wrong_answer_to_the_same_item_is_kept() -> None:
    later = DAY + dt.timedelta(days=20)
    [entry] = wrong_items([_answer(1, 10, 0, on=later), _answer(1, 10, 1, on=DAY)])
    assert entry.answered_on == later and entry.score == 0


def test_right_retries_climb_the_boxes_and_retire_a_wrong_one_starts_over() -> None:
    state = first_review(DAY)
    state = after_retry(state, True, DAY + dt.timedelta(days=1))
    assert (state.box, state.due, state.right_in_a_row) == (2, DAY + dt.timedelta(days=3), 1)
    state = after_retry(state, False, DAY + dt.timedelta(days=3))
    assert (state.box, state.right_in_a_row, state.retired) == (1, 0, False)
    for day in (4, 5, 7):
        state = after_retry(state, True, DAY + dt.timedelta(days=day))
    assert state.retired and state.right_in_a_row == 3
    assert after_retry(state, False, DAY + dt.timedelta(days=30)) == state


def test_queries_by_student_knowledge_point_and_dates() -> None:
    entries = wrong_items([_answer(1, 10, 0, kps=(1,)), _answer(1, 11, 0, kps=(2, 3),
                                                                on=DAY + dt.timedelta(days=5)),
                           _answer(2, 12, 0, kps=(3,))])
    assert [e.item_id for e in select_entries(entries, WrongItemQuery(student_id=1))] == [11, 10]
    by_kp = select_entries(entries, WrongItemQuery(knowledge_points=frozenset({3})))
    assert sorted(e.item_id for e in by_kp) == [11, 12]
    recent = select_entries(entries, WrongItemQuery(since=DAY + dt.timedelta(days=1)))
    assert [e.item_id for e in recent] == [11]
    retired = record_retry(entries[0], True, DAY, retire_after=1)
    assert select_entries([retired], WrongItemQuery()) == []
    assert select_entries([retired], WrongItemQuery(include_retired=True)) == [retired]


def test_due_entries_are_the_overdue_ones_first() -> None:
    entries = wrong_items([_answer(1, 10, 0), _answer(1, 11, 0, on=DAY - dt.timedelta(days=3)),
                           _answer(1, 12, 0, on=DAY + dt.timedelta(days=9))])
    due = due_entries(entries, 1, DAY + dt.timedelta(days=1))
    assert [e.item_id for e in due] == [11, 10]


def test_books_are_grouped_by_student() -> None:
    from analytics.wrong_item_book import by_student

    entries = wrong_items([_answer(1, 10, 0), _answer(2, 11, 0), _answer(1, 12, 1)])
    grouped = by_student(entries)
    assert {k: [e.item_id for e in v] for k, v in grouped.items()} == {1: [10, 12], 2: [11]}
