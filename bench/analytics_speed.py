"""How long the whole analysis of one exam takes: 1 000 students × 50 items × 30 KPs, one core.

`python -m bench.analytics_speed` times, on one thread, the five steps `ptw analyse` runs:
item and test statistics (with option analysis), the Chinese report metrics (20 classes,
ranks, Z/T, knowledge-point rates), DINA mastery, the wrong-item book and a practice list
for every student from a 400-item bank. Responses are simulated with DINA. It prints one
JSON line, last: `seconds` (all five) and each step's seconds. Goal: under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from analytics.item_statistics import analyse
from analytics.mastery import fit_mastery
from analytics.practice_recommendation import ItemBank, recommend_practice
from analytics.report_metrics import knowledge_point_rates, summarise_exam
from analytics.wrong_item_book import AnsweredItem, by_student, due_entries, wrong_items


def simulated_exam(students: int, items: int, kps: int, seed: int) -> dict[str, Any]:
    """DINA responses, a Q-matrix with 1–3 KPs per item, chosen options, 20 classes."""
    rng = np.random.default_rng(seed)
    q = np.zeros((items, kps), dtype=int)
    for j in range(items):
        q[j, rng.choice(kps, rng.integers(1, 4), replace=False)] = 1
    ability = rng.normal(0, 1, (students, 1))
    mastery = (0.7 * ability + 0.7 * rng.normal(0, 1, (students, kps))) > 0
    knows = np.all(mastery[:, None, :] | (q[None, :, :] == 0), axis=2)
    slip, guess = rng.uniform(0.05, 0.2, items), rng.uniform(0.1, 0.25, items)
    right = rng.random((students, items)) < np.where(knows, 1 - slip, guess)
    full = np.where(np.arange(items) < 40, 3.0, 10.0)
    scores = np.where(right, full, 0.0)
    keys = rng.choice(list("ABCD"), items)
    wrong_choice = rng.choice(list("ABCD"), (students, items))
    options = np.where(right, keys[None, :], wrong_choice).astype(object)
    classes = [f"{7}({1 + i % 20})班" for i in range(students)]
    return {"q": q, "scores": scores, "full": full, "keys": list(keys), "options": options,
            "classes": classes}


def _timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started


def run(students: int = 1000, items: int = 50, kps: int = 30, seed: int = 1
        ) -> dict[str, float | int]:
    """Time the five steps on one thread; the figures of the JSON line."""
    exam = simulated_exam(students, items, kps, seed)
    with threadpool_limits(1):
        _, statistics_s = _timed(lambda: analyse(exam["scores"], exam["full"],
                                                 options=exam["options"], keys=exam["keys"]))
        _, report_s = _timed(lambda: (
            summarise_exam(exam["scores"].sum(axis=1), float(exam["full"].sum()),
                           classes=exam["classes"]),
            knowledge_point_rates(exam["scores"], exam["full"], exam["q"],
                                  classes=exam["classes"])))
        mastery, mastery_s = _timed(lambda: fit_mastery(exam["scores"], exam["q"],
                                                        exam["full"]))
        book, book_s = _timed(lambda: _wrong_item_book(exam))
        _, practice_s = _timed(lambda: _practice(exam, mastery, book, seed))
    total = statistics_s + report_s + mastery_s + book_s + practice_s
    return {"students": students, "items": items, "kps": kps,
            "seconds": round(total, 3), "statistics_s": round(statistics_s, 3),
            "report_s": round(report_s, 3), "mastery_s": round(mastery_s, 3),
            "wrong_items_s": round(book_s, 3), "practice_s": round(practice_s, 3),
            "goal_s": 10.0}


def _wrong_item_book(exam: dict[str, Any]) -> list:
    day = dt.date(2026, 11, 1)
    kps_of = [tuple(np.flatnonzero(row)) for row in exam["q"]]
    answers = [AnsweredItem(i, j, 1, kps_of[j], exam["options"][i, j], exam["keys"][j],
                            float(exam["scores"][i, j]), float(exam["full"][j]), day)
               for i in range(exam["scores"].shape[0]) for j in range(exam["scores"].shape[1])]
    return wrong_items(answers)


def _practice(exam: dict[str, Any], mastery: Any, book: list, seed: int) -> int:
    rng = np.random.default_rng(seed + 1)
    kps = exam["q"].shape[1]
    bank_q = np.zeros((400, kps), dtype=int)
    for j in range(400):
        bank_q[j, rng.choice(kps, rng.integers(1, 3), replace=False)] = 1
    bank = ItemBank(np.arange(400), bank_q, np.full(400, 0.15), np.full(400, 0.2))
    seen = np.full(400, np.inf)
    today = dt.date(2026, 11, 5)
    count = 0
    books = by_student(book)
    for i in range(mastery.mastery.shape[0]):
        due = [e.item_id for e in due_entries(books.get(i, []), i, today)]
        count += len(recommend_practice(mastery.mastery[i], bank, seen, due))
    return count


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_speed", description=__doc__)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--kps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.students, args.items, args.kps, args.seed)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
