"""Does the practice recommender teach more than practice picked at random from weak points?

`python -m bench.recommend_sim [--students 180 --sessions 6 --items 8 --seed 1]` simulates
classes and prints one JSON line, last: `recommend_nlg`, `baseline_nlg` (normalised
learning gain, (post − pre) / (1 − pre) of the expected score on the whole bank, mean
over students), `improvement` (recommend / baseline − 1), and the gains of the recommender
without its difficulty band and without its knowledge-point spread, to show what helps.

The simulated students, stated plainly because the result depends on it:
- mastery is DINA's: each student has a continuous skill per knowledge point (KP),
  correlated across KPs, and masters a KP when that skill is above 0; an item needs all
  its KPs (1 or 2), with slip and guess: P(right) = g + (1 − s − g)·σ(1.7·(min skill − b));
- practice teaches: answering an item raises the skill of each of its KPs by η·e^(−((p −
  0.7)/0.2)²), p its chance of success beforehand. Items far too hard or too easy teach
  little (the desirable-difficulty effect, e.g. Wilson et al. 2019, "the eighty-five
  percent rule"); an item seen in the last week teaches a third as much.
Both strategies see only what a school sees: the Q-matrix, each item's slip and guess
(calibrated on the population), and mastery estimated from the student's answers (a
pre-test, then every practice answer), updated the same way for both. The baseline picks
a random item from one of the student's three weakest (estimated) KPs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass, replace

import numpy as np

from analytics.practice_recommendation import ItemBank, PracticeSettings, recommend_practice
from analytics.wrong_item_book import AnsweredItem, due_entries, record_retry, wrong_items

KPS = 8
BANK_ITEMS = 240
PRETEST_ITEMS = 24
LEARNING_RATE = 0.25
DAYS_BETWEEN_SESSIONS = 2


@dataclass(frozen=True)
class World:
    """The true item parameters and the calibrated view a school has of them."""

    kps: np.ndarray          # items × KPs, 0/1
    difficulty: np.ndarray
    slip: np.ndarray
    guess: np.ndarray
    bank: ItemBank           # calibrated slip/guess for the strategies


def make_world(rng: np.random.Generator) -> World:
    """A bank of 1- and 2-KP items with difficulties, slips and guesses; calibrated view."""
    kps = np.zeros((BANK_ITEMS, KPS), dtype=int)
    for item in range(BANK_ITEMS):
        count = 2 if rng.random() < 0.3 else 1
        kps[item, rng.choice(KPS, count, replace=False)] = 1
    difficulty = rng.normal(0.0, 1.0, BANK_ITEMS)
    slip, guess = rng.uniform(0.05, 0.2, BANK_ITEMS), rng.uniform(0.05, 0.25, BANK_ITEMS)
    population = make_skills(rng, 4000)
    p = success_chance(population, kps, difficulty, slip, guess)
    masters = np.all((population[:, None, :] > 0) | (kps[None, :, :] == 0), axis=2)
    calibrated_slip = 1 - _masked_mean(p, masters)
    calibrated_guess = _masked_mean(p, ~masters)
    bank = ItemBank(np.arange(BANK_ITEMS), kps, np.clip(calibrated_slip, 0.02, 0.5),
                    np.clip(calibrated_guess, 0.02, 0.5))
    return World(kps, difficulty, slip, guess, bank)


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    counts = mask.sum(axis=0)
    return np.where(counts > 0, (values * mask).sum(axis=0) / np.maximum(counts, 1), 0.5)


def make_skills(rng: np.random.Generator, students: int) -> np.ndarray:
    """Skills per KP, correlated through a general ability; about 40 % of KPs mastered."""
    general = rng.normal(0, 1, (students, 1))
    return 0.6 * general + 0.8 * rng.normal(0, 1, (students, KPS)) - 0.25


def success_chance(skills: np.ndarray, kps: np.ndarray, difficulty: np.ndarray,
                   slip: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """Students × items chance of a right answer under the conjunctive model."""
    weakest = np.where(kps[None, :, :] == 1, skills[:, None, :], np.inf).min(axis=2)
    return guess + (1 - slip - guess) / (1 + np.exp(-1.7 * (weakest - difficulty)))


def update_mastery(mastery: np.ndarray, bank: ItemBank, item: int, right: bool) -> np.ndarray:
    """Bayes update of each of the item's KPs, the others taken at their current estimate."""
    updated = mastery.copy()
    required = np.flatnonzero(bank.q_matrix[item])
    for kp in required:
        others = np.prod([mastery[j] for j in required if j != kp]) if len(required) > 1 else 1.0
        if_master = (1 - bank.slip[item]) * others + bank.guess[item] * (1 - others)
        if_not = bank.guess[item]
        like_master = if_master if right else 1 - if_master
        like_not = if_not if right else 1 - if_not
        prior = np.clip(mastery[kp], 1e-4, 1 - 1e-4)
        updated[kp] = prior * like_master / (prior * like_master + (1 - prior) * like_not)
    return updated


@dataclass
class Student:
    """One simulated student: true skills, estimated mastery, what they saw and got wrong."""

    skills: np.ndarray
    mastery: np.ndarray
    last_seen: np.ndarray
    answers: list[AnsweredItem]


def _answer(student: Student, world: World, item: int, day: int, rng: np.random.Generator,
            learn: bool) -> None:
    p = float(success_chance(student.skills[None, :], world.kps[item:item + 1],
                             world.difficulty[item:item + 1], world.slip[item:item + 1],
                             world.guess[item:item + 1])[0, 0])
    right = bool(rng.random() < p)
    if learn:
        recent = day - student.last_seen[item] < 7
        gain = LEARNING_RATE * np.exp(-(((p - 0.7) / 0.2) ** 2)) * (1 / 3 if recent else 1)
        student.skills = student.skills + gain * world.kps[item]
    student.last_seen[item] = day
    student.mastery = update_mastery(student.mastery, world.bank, item, right)
    student.answers.append(AnsweredItem(0, item, None, tuple(np.flatnonzero(world.kps[item])),
                                        None, "", 1.0 if right else 0.0, 1.0,
                                        dt.date(2026, 9, 1) + dt.timedelta(days=day)))


def _baseline_items(student: Student, world: World, count: int,
                    rng: np.random.Generator) -> list[int]:
    weakest = np.argsort(student.mastery)[:3]
    chosen = []
    for _ in range(count):
        kp = int(rng.choice(weakest))
        chosen.append(int(rng.choice(np.flatnonzero(world.kps[:, kp]))))
    return chosen


def _recommended_items(student: Student, world: World, count: int, day: int,
                       settings: PracticeSettings) -> list[int]:
    today = dt.date(2026, 9, 1) + dt.timedelta(days=day)
    book = wrong_items(student.answers)
    for answer in student.answers:  # replay retries so the Leitner boxes are current
        book = [record_retry(e, answer.score == 1.0, answer.answered_on)
                if e.item_id == answer.item_id and answer.answered_on > e.answered_on else e
                for e in book]
    due = [e.item_id for e in due_entries(book, 0, today)]
    since = day - student.last_seen
    picks = recommend_practice(student.mastery, world.bank, since, due,
                               replace(settings, count=count))
    return [p.item_id for p in picks]


def expected_score(skills: np.ndarray, world: World) -> float:
    """Mean chance of a right answer over the whole bank: the post-test."""
    return float(success_chance(skills[None, :], world.kps, world.difficulty, world.slip,
                                world.guess).mean())


def simulate(strategy: str, world: World, skills: np.ndarray, sessions: int, per_session: int,
             seed: int) -> float:
    """Mean normalised learning gain of the students under `strategy`."""
    rng = np.random.default_rng(seed)
    prior = np.full(KPS, float((make_skills(np.random.default_rng(0), 2000) > 0).mean()))
    pretest = np.random.default_rng(seed + 99).choice(BANK_ITEMS, PRETEST_ITEMS, replace=False)
    settings = {"recommend": PracticeSettings(),
                "no_band": PracticeSettings(use_band=False),
                "no_diversity": PracticeSettings(use_diversity=False)}.get(strategy)
    gains = []
    for row in skills:
        student = Student(row.copy(), prior.copy(), np.full(BANK_ITEMS, -1e9), [])
        for item in pretest:
            _answer(student, world, int(item), 0, rng, learn=False)
        before = expected_score(student.skills, world)
        for session in range(1, sessions + 1):
            day = session * DAYS_BETWEEN_SESSIONS
            items = (_baseline_items(student, world, per_session, rng) if settings is None
                     else _recommended_items(student, world, per_session, day, settings))
            for item in items:
                _answer(student, world, item, day, rng, learn=True)
        after = expected_score(student.skills, world)
        gains.append((after - before) / max(1e-9, 1 - before))
    return float(np.mean(gains))


def run(students: int, sessions: int, per_session: int, seed: int) -> dict[str, float | int]:
    """Every strategy on the same students; the figures of the JSON line."""
    rng = np.random.default_rng(seed)
    world = make_world(rng)
    skills = make_skills(rng, students)
    gains = {name: simulate(name, world, skills, sessions, per_session, seed + 1)
             for name in ("baseline", "recommend", "no_band", "no_diversity")}
    return {
        "students": students, "sessions": sessions, "items_per_session": per_session,
        "seed": seed,
        "recommend_nlg": round(gains["recommend"], 4),
        "baseline_nlg": round(gains["baseline"], 4),
        "improvement": round(gains["recommend"] / gains["baseline"] - 1, 4),
        "ratio_to_baseline": round(gains["recommend"] / gains["baseline"], 4),
        "no_band_nlg": round(gains["no_band"], 4),
        "no_diversity_nlg": round(gains["no_diversity"], 4),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.recommend_sim", description=__doc__)
    parser.add_argument("--students", type=int, default=180)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--items", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.students, args.sessions, args.items, args.seed)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
