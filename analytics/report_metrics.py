"""The metrics of a Chinese exam report (成绩分析), for one exam, by class and grade.

Pure functions over numpy arrays; results are frozen dataclasses. Conventions:

- A missing score (``np.nan``, e.g. 缺考) is left out of every statistic and counted
  (`GroupSummary.n_missing`); the student gets no rank, Z or T score.
- SD is the population SD (ddof = 0, Excel's STDEV.P), as Chinese school reports print it.
- Rates are cumulative shares of the students counted: 优秀率 = score ≥ excellent line,
  良好率 = score ≥ good line (so it includes the 优秀), 及格率 = score ≥ passing line,
  低分率 = score < low line. Lines are fractions of full marks (`core.settings.GradingLines`).
- 超均率 = (class mean − grade mean) / grade mean; positive means above the grade.
- Ranks are competition ranks (1, 2, 2, 4): 1 + the number of strictly higher scores.
- Z = (score − mean) / population SD over the students counted; T = 50 + 10 Z. With SD 0
  they are None.
- Knowledge-point score rate = points earned on the point's items / their full marks
  (an item with several points counts in each; an item with none is left out). Within a
  present student a missing item score counts 0, as in `analytics.item_statistics`.
- Groups (classes) are reported in the order they first appear in the roster.
- A value that is undefined (empty group, SD 0, grade mean 0) is None, never NaN.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import BadInputError
from core.i18n import LocalisedText
from core.settings import GradingLines

GRADE_LABEL = ""
"""The group label of the whole grade (all students passed in)."""

DEFAULT_BORDERLINE_FRACTION = 0.05
"""Default 临界生 margin when none is given: 5 % of full marks below a line."""

_EPS = 1e-9


class ScoreLine(enum.StrEnum):
    """A score line of the report (a fraction of full marks in `GradingLines`)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASSING = "passing"
    LOW = "low"


_LINE_TEXT = {
    ScoreLine.EXCELLENT: LocalisedText("优秀", "excellent"),
    ScoreLine.GOOD: LocalisedText("良好", "good"),
    ScoreLine.PASSING: LocalisedText("及格", "pass"),
    ScoreLine.LOW: LocalisedText("低分", "low"),
}


def line_text(line: ScoreLine) -> LocalisedText:
    """The Chinese and English name of a score line."""
    return _LINE_TEXT[line]


def line_score(line: ScoreLine, full_marks: float, lines: GradingLines) -> float:
    """The score of a line in points (fraction of full marks × full marks)."""
    return float(getattr(lines, line.value)) * full_marks


@dataclass(frozen=True, slots=True)
class ScoreBand:
    """One 分数段: scores in [lower, upper), the top band also holding full marks."""

    lower: float
    upper: float
    count: int


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """The summary of one class or of the whole grade (`label` == GRADE_LABEL)."""

    label: str
    n_students: int
    n_missing: int
    mean: float | None
    max: float | None
    min: float | None
    sd: float | None
    median: float | None
    excellent_rate: float | None
    good_rate: float | None
    pass_rate: float | None
    low_rate: float | None
    above_mean_rate: float | None
    bands: tuple[ScoreBand, ...]


@dataclass(frozen=True, slots=True)
class StudentStanding:
    """Where one student (row of the input) stands in the exam."""

    row: int
    group: str
    score: float | None
    grade_rank: int | None
    class_rank: int | None
    z: float | None
    t: float | None


@dataclass(frozen=True, slots=True)
class ExamSummary:
    """Grade summary, class summaries (with 超均率) and every student's standing."""

    full_marks: float
    grade: GroupSummary
    classes: tuple[GroupSummary, ...]
    students: tuple[StudentStanding, ...]


@dataclass(frozen=True, slots=True)
class BorderlineGroup:
    """临界生 of one line: students scoring in [line − margin, line)."""

    line: ScoreLine
    line_score: float
    margin: float
    rows: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StudentProgress:
    """One student's change from a previous exam (positive rank_change = moved up)."""

    row: int
    previous_rank: int | None
    current_rank: int | None
    rank_change: int | None
    previous_z: float | None
    current_z: float | None
    z_change: float | None
    previous_t: float | None
    current_t: float | None


@dataclass(frozen=True, slots=True)
class KnowledgePointRates:
    """Score rate per knowledge point (columns of the item × KP matrix).

    `student[i][m]` is row i's rate on point m (None for an absent student or a point
    with no items); `groups[label][m]` and `grade[m]` pool the group's students.
    `unmapped_items` lists the items with no knowledge point, which count nowhere.
    """

    student: tuple[tuple[float | None, ...], ...]
    groups: dict[str, tuple[float | None, ...]]
    grade: tuple[float | None, ...]
    unmapped_items: tuple[int, ...]


def _bad(zh: str, en: str) -> BadInputError:
    """A bad-input error with a message in both languages."""
    return BadInputError(LocalisedText(zh, en))


def _as_scores(scores: Sequence[float] | np.ndarray, name: str = "scores") -> np.ndarray:
    """A 1-D float array of scores (NaN = missing), or a clear error."""
    array = np.asarray(scores, dtype=float)
    if array.ndim != 1:
        raise _bad(f"{name} 应为一维成绩列表。",
                   f"{name} must be a one-dimensional list of scores.")
    return array


def _optional(value: float, defined: bool = True) -> float | None:
    """A plain float, or None when undefined or not finite."""
    return float(value) if defined and np.isfinite(value) else None


def _group_labels(groups: Sequence[object] | np.ndarray | None, n: int) -> np.ndarray:
    """Group labels as a str array of length n (all GRADE_LABEL when there are none)."""
    if groups is None:
        return np.full(n, GRADE_LABEL, dtype=object)
    labels = np.array(["" if g is None else str(g) for g in groups], dtype=object)
    if labels.shape != (n,):
        raise _bad("班级列表与成绩列表长度不同。",
                   "The class list and the score list differ in length.")
    return labels


def _ordered_groups(labels: np.ndarray) -> list[str]:
    """Distinct labels in order of first appearance."""
    _, first = np.unique(labels.astype(str), return_index=True)
    return [str(labels[i]) for i in np.sort(first)]


def rate_at_least(values: np.ndarray, threshold: float) -> float | None:
    """Share of `values` (no NaN) at or above `threshold`; None for no values."""
    if values.size == 0:
        return None
    return float(np.count_nonzero(values >= threshold - _EPS * max(1.0, abs(threshold)))
                 / values.size)


def score_bands(values: np.ndarray, full_marks: float, band_width: float) -> tuple[ScoreBand, ...]:
    """分数段 counts: [0, w), [w, 2w), …, the top band closed at full marks.

    Scores outside 0..full marks are counted in the nearest end band.
    """
    if band_width <= 0 or full_marks <= 0:
        raise _bad("分数段宽度和满分必须为正数。", "Band width and full marks must be positive.")
    edges = np.append(np.arange(0.0, full_marks, band_width), full_marks)
    counts, _ = np.histogram(np.clip(values, 0.0, full_marks), bins=edges)
    return tuple(ScoreBand(float(lo), float(hi), int(c))
                 for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True))


def summarise_group(scores: np.ndarray, full_marks: float, *, label: str = GRADE_LABEL,
                    lines: GradingLines | None = None, band_width: float | None = None,
                    grade_mean: float | None = None) -> GroupSummary:
    """Mean, max, min, SD, median, the four rates and 分数段 of one group's scores.

    `grade_mean` given, the summary also carries the group's 超均率 against it.
    """
    lines = lines or GradingLines()
    scores = _as_scores(scores)
    present = scores[~np.isnan(scores)]
    n = present.size
    mean = float(present.mean()) if n else None
    above = (None if mean is None or grade_mean is None or abs(grade_mean) <= _EPS
             else (mean - grade_mean) / grade_mean)
    low_line = line_score(ScoreLine.LOW, full_marks, lines)
    low_rate = rate_at_least(present, low_line)
    return GroupSummary(
        label=label, n_students=n, n_missing=int(scores.size - n), mean=mean,
        max=float(present.max()) if n else None, min=float(present.min()) if n else None,
        sd=float(present.std()) if n else None,
        median=float(np.median(present)) if n else None,
        excellent_rate=rate_at_least(present, line_score(ScoreLine.EXCELLENT, full_marks, lines)),
        good_rate=rate_at_least(present, line_score(ScoreLine.GOOD, full_marks, lines)),
        pass_rate=rate_at_least(present, line_score(ScoreLine.PASSING, full_marks, lines)),
        low_rate=None if low_rate is None else 1.0 - low_rate,
        above_mean_rate=above,
        bands=score_bands(present, full_marks, band_width or lines.band_width))


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1, 2, 2, 4) of the scores, highest first; 0 where NaN."""
    scores = np.round(_as_scores(scores), 9)
    present = ~np.isnan(scores)
    ordered = np.sort(scores[present])
    ranks = np.zeros(scores.size, dtype=int)
    ranks[present] = ordered.size - np.searchsorted(ordered, scores[present], side="right") + 1
    return ranks


def ranks_within_groups(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Competition ranks inside each group (class); 0 where the score is NaN."""
    ranks = np.zeros(scores.size, dtype=int)
    for label in _ordered_groups(labels):
        members = labels == label
        ranks[members] = competition_ranks(scores[members])
    return ranks


def z_scores(scores: np.ndarray) -> np.ndarray | None:
    """Z = (score − mean) / population SD over the non-NaN scores; None if SD is 0."""
    scores = _as_scores(scores)
    present = scores[~np.isnan(scores)]
    if present.size == 0:
        return None
    sd = float(present.std())
    if sd <= _EPS * max(1.0, float(np.abs(present).max())):
        return None
    return (scores - present.mean()) / sd


def t_scores(z: np.ndarray | None) -> np.ndarray | None:
    """T = 50 + 10 Z."""
    return None if z is None else 50.0 + 10.0 * z


def _optional_list(values: np.ndarray | None, n: int) -> list[float | None]:
    """Per-student floats with None for NaN or for an undefined (None) vector."""
    if values is None:
        return [None] * n
    return [None if np.isnan(v) else float(v) for v in values.tolist()]


def _rank_list(ranks: np.ndarray) -> list[int | None]:
    """Per-student ranks with None where there is no rank (0)."""
    return [int(r) if r else None for r in ranks.tolist()]


def summarise_exam(totals: Sequence[float] | np.ndarray, full_marks: float, *,
                   classes: Sequence[object] | np.ndarray | None = None,
                   lines: GradingLines | None = None,
                   band_width: float | None = None) -> ExamSummary:
    """The grade and class summaries and every student's ranks and Z/T of one exam.

    `classes` gives each student's class label; without it there is just the grade.
    """
    if full_marks <= 0:
        raise _bad("满分必须为正数。", "Full marks must be positive.")
    totals = _as_scores(totals, "totals")
    labels = _group_labels(classes, totals.size)
    grade = summarise_group(totals, full_marks, lines=lines, band_width=band_width)
    class_summaries = tuple(
        summarise_group(totals[labels == label], full_marks, label=label, lines=lines,
                        band_width=band_width, grade_mean=grade.mean)
        for label in _ordered_groups(labels)) if classes is not None else ()
    z = z_scores(totals)
    students = tuple(
        StudentStanding(row, group, score, grade_rank, class_rank, zi, ti)
        for row, (group, score, grade_rank, class_rank, zi, ti) in enumerate(zip(
            labels.tolist(), _optional_list(totals, totals.size),
            _rank_list(competition_ranks(totals)),
            _rank_list(ranks_within_groups(totals, labels)) if classes is not None
            else [None] * totals.size,
            _optional_list(z, totals.size), _optional_list(t_scores(z), totals.size),
            strict=True)))
    return ExamSummary(float(full_marks), grade, class_summaries, students)


def borderline_students(totals: Sequence[float] | np.ndarray, full_marks: float, *,
                        margin: float | None = None, lines: GradingLines | None = None,
                        which: Sequence[ScoreLine] = (ScoreLine.EXCELLENT, ScoreLine.GOOD,
                                                      ScoreLine.PASSING)
                        ) -> tuple[BorderlineGroup, ...]:
    """临界生: for each line, the rows scoring in [line − margin, line) (just below it).

    `margin` is in points; by default 5 % of full marks.
    """
    lines = lines or GradingLines()
    totals = _as_scores(totals, "totals")
    margin = DEFAULT_BORDERLINE_FRACTION * full_marks if margin is None else margin
    if margin < 0:
        raise _bad("临界分差不能为负数。", "The borderline margin cannot be negative.")
    groups = []
    for line in which:
        score = line_score(line, full_marks, lines)
        tol = _EPS * max(1.0, score)
        below = (totals < score - tol) & (totals >= score - margin - tol)
        groups.append(BorderlineGroup(line, score, float(margin),
                                      tuple(np.flatnonzero(below).tolist())))
    return tuple(groups)


def progress(current: Sequence[float] | np.ndarray,
             previous: Sequence[float] | np.ndarray) -> tuple[StudentProgress, ...]:
    """Each student's change from a previous exam: grade rank change, Z and T.

    Rows are the same students in both arrays (NaN where a student has no score). Ranks
    and Z are within each exam's own students; rank_change = previous − current rank.
    """
    current, previous = _as_scores(current, "current"), _as_scores(previous, "previous")
    if current.shape != previous.shape:
        raise _bad("两次考试的学生名单长度不同，请先按学生对齐。",
                   "The two exams list different numbers of students; align them by student.")
    rank_now, rank_before = competition_ranks(current), competition_ranks(previous)
    change, both = rank_before - rank_now, (rank_now > 0) & (rank_before > 0)
    z_now, z_before = z_scores(current), z_scores(previous)
    n = current.size
    z_delta = None if z_now is None or z_before is None else z_now - z_before
    return tuple(
        StudentProgress(row, pr, cr, int(ch) if ok else None, pz, cz, dz, pt, ct)
        for row, (pr, cr, ch, ok, pz, cz, dz, pt, ct) in enumerate(zip(
            _rank_list(rank_before), _rank_list(rank_now), change.tolist(), both.tolist(),
            _optional_list(z_before, n), _optional_list(z_now, n), _optional_list(z_delta, n),
            _optional_list(t_scores(z_before), n), _optional_list(t_scores(z_now), n),
            strict=True)))


def _rates(earned: np.ndarray, possible: np.ndarray) -> tuple[float | None, ...]:
    """earned / possible per point, None where nothing was possible."""
    return tuple(float(e / p) if p > _EPS else None
                 for e, p in zip(earned.tolist(), possible.tolist(), strict=True))


def knowledge_point_rates(item_scores: np.ndarray, item_full_marks: Sequence[float] | np.ndarray,
                          item_kp: np.ndarray, *,
                          classes: Sequence[object] | np.ndarray | None = None
                          ) -> KnowledgePointRates:
    """Score rate per knowledge point by student, class and grade.

    `item_scores` is students × items (NaN missing; a student missing every item is absent
    and left out), `item_kp` an items × points 0/1 matrix.
    """
    scores = np.asarray(item_scores, dtype=float)
    marks = np.asarray(item_full_marks, dtype=float)
    q = np.asarray(item_kp, dtype=float) != 0
    if scores.ndim != 2 or marks.shape != (scores.shape[1],) or q.ndim != 2 \
            or q.shape[0] != scores.shape[1]:
        raise _bad("小题得分、小题满分与“题目 × 知识点”表的题数不一致。",
                   "Item scores, item full marks and the item × knowledge-point table "
                   "disagree on the number of items.")
    missing = np.isnan(scores)
    present = ~missing.all(axis=1) if scores.shape[1] else np.zeros(scores.shape[0], bool)
    earned = np.where(missing, 0.0, scores) @ q          # students × points
    possible = marks @ q                                  # points
    labels = _group_labels(classes, scores.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        per_student = np.where(present[:, None] & (possible > _EPS), earned / possible, np.nan)
    student = tuple(tuple(None if np.isnan(v) else v for v in row)
                    for row in per_student.tolist())
    groups = {}
    if classes is not None:
        for label in _ordered_groups(labels):
            rows = present & (labels == label)
            groups[label] = _rates(earned[rows].sum(axis=0), possible * rows.sum())
    grade = _rates(earned[present].sum(axis=0), possible * present.sum())
    unmapped = tuple(np.flatnonzero(~q.any(axis=1)).tolist())
    return KnowledgePointRates(student, groups, grade, unmapped)


__all__ = [
    "DEFAULT_BORDERLINE_FRACTION",
    "GRADE_LABEL",
    "BorderlineGroup",
    "ExamSummary",
    "GroupSummary",
    "KnowledgePointRates",
    "ScoreBand",
    "ScoreLine",
    "StudentProgress",
    "StudentStanding",
    "borderline_students",
    "competition_ranks",
    "knowledge_point_rates",
    "line_score",
    "line_text",
    "progress",
    "ranks_within_groups",
    "rate_at_least",
    "score_bands",
    "summarise_exam",
    "summarise_group",
    "t_scores",
    "z_scores",
]
