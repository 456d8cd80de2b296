"""Classical item statistics of one test: reliability, difficulty, discrimination, distractors.

Input is a students × items score array (``np.nan`` = no score) and each item's full
marks; output is frozen dataclasses for the report renderers. Conventions, chosen to
match what Chinese exam-analysis reports print and the FrcSub reference values:

- A student whose every response is missing was absent (缺考): left out of all
  statistics and counted in `TestStatistics.n_absent`. Any other missing response
  scores 0 (an unanswered question earns nothing) and is counted per item; an item no
  present student has a score for has no P or D.
- Variances and SDs are population ones (ddof = 0). Cronbach's α is ddof-free; with
  0/1 items it equals KR-20. SEM = SD_total · √(1 − α).
- Difficulty P is the score rate (mean score / full marks), so a higher P is easier.
- Discrimination D = P(upper group) − P(lower group). Students are ranked once by total,
  highest first, ties kept in input (roster) order; the upper group is the first
  round(27 % · n) students of that ranking and the lower group the last as many (Kelley's
  groups; 27 % of 536 = 144.72 → 145). Ties at the cut therefore go to the earlier row
  in the upper group and to the later row in the lower group; with every total equal
  there is no ranking and D is None. This is the convention
  that reproduces the FrcSub reference D = 0.876 of item 1 (ranking by percentile with
  all ties included gives 0.880; floor to 144 gives 0.882).
- Point-biserial is Pearson's r of item and total; the corrected item–total r leaves the
  item out of the total.
- A value that is undefined (a constant item or total, too few students or items) is
  `None`, never NaN; `format_value` prints it as "—".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analytics.objective_scoring import options_of
from core.errors import BadInputError
from core.i18n import LocalisedText

GROUP_FRACTION = 0.27
"""Share of students in each of the upper and lower groups (Kelley's 27 %)."""

_EPS = 1e-9
"""Tolerance of threshold comparisons, so 0.4 computed as 0.39999999… counts as 0.40."""

_DEFAULT_CHOICES = "ABCD"
_SEPARATORS = (" ", ",", "，", "、", ";", "；", "/", "\t")
UNDEFINED_TEXT = "—"
"""What a report prints for a value that is undefined (`None`)."""


class AlphaLabel(enum.StrEnum):
    """Verdict on a test's reliability (Cronbach's α)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    ACCEPTABLE = "acceptable"
    QUESTIONABLE = "questionable"
    POOR = "poor"
    UNDEFINED = "undefined"


class DiscriminationLabel(enum.StrEnum):
    """Ebel's verdict on an item's discrimination D."""

    VERY_GOOD = "very_good"
    GOOD = "good"
    MARGINAL = "marginal"
    POOR = "poor"
    UNDEFINED = "undefined"


class DifficultyLabel(enum.StrEnum):
    """How hard an item was, from its score rate P."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"
    UNDEFINED = "undefined"


class OptionFlag(enum.StrEnum):
    """Something wrong with one option of a choice item."""

    UNUSED = "unused"
    """A distractor nobody chose: it distracts no one."""
    ATTRACTS_UPPER = "attracts_upper"
    """A distractor chosen more by the upper group than the lower: misleading or a 2nd key."""
    KEY_ATTRACTS_LOWER = "key_attracts_lower"
    """The key chosen more by the lower group than the upper: possibly a wrong key."""


_LABEL_TEXT: dict[enum.StrEnum, LocalisedText] = {
    AlphaLabel.EXCELLENT: LocalisedText("信度很高", "excellent reliability"),
    AlphaLabel.GOOD: LocalisedText("信度良好", "good reliability"),
    AlphaLabel.ACCEPTABLE: LocalisedText("信度可接受", "acceptable reliability"),
    AlphaLabel.QUESTIONABLE: LocalisedText("信度偏低", "questionable reliability"),
    AlphaLabel.POOR: LocalisedText("信度差", "poor reliability"),
    AlphaLabel.UNDEFINED: LocalisedText("无法计算", "undefined"),
    DiscriminationLabel.VERY_GOOD: LocalisedText("区分度很好", "very good discrimination"),
    DiscriminationLabel.GOOD: LocalisedText("区分度良好", "good discrimination"),
    DiscriminationLabel.MARGINAL: LocalisedText("区分度尚可，需修改", "marginal, revise"),
    DiscriminationLabel.POOR: LocalisedText("区分度差，应淘汰或修改", "poor, reject or rewrite"),
    DiscriminationLabel.UNDEFINED: LocalisedText("无法计算", "undefined"),
    DifficultyLabel.EASY: LocalisedText("容易", "easy"),
    DifficultyLabel.MEDIUM: LocalisedText("中等", "medium"),
    DifficultyLabel.HARD: LocalisedText("较难", "hard"),
    DifficultyLabel.UNDEFINED: LocalisedText("无法计算", "undefined"),
    OptionFlag.UNUSED: LocalisedText("无人选择的干扰项", "distractor chosen by nobody"),
    OptionFlag.ATTRACTS_UPPER: LocalisedText(
        "高分组选择多于低分组的干扰项", "distractor chosen more by the upper group"),
    OptionFlag.KEY_ATTRACTS_LOWER: LocalisedText(
        "低分组选对多于高分组，请核对答案", "key chosen more by the lower group: check the key"),
}


@dataclass(frozen=True, slots=True)
class OptionStatistics:
    """How often one option of a choice item was chosen, overall and by group.

    For a multiple-select item an option counts as chosen when the answer contains it.
    `option` "" is the blank answer (no flag is ever set on it). The group shares are
    None when every student has the same total (there are no upper and lower groups).
    """

    option: str
    is_key: bool
    share: float
    upper_share: float | None
    lower_share: float | None
    flag: OptionFlag | None


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    """Classical statistics of one item; `None` where undefined."""

    index: int
    full_marks: float
    mean: float | None
    difficulty: float | None
    difficulty_label: DifficultyLabel
    discrimination: float | None
    discrimination_label: DiscriminationLabel
    point_biserial: float | None
    corrected_item_total: float | None
    missing: int
    options: tuple[OptionStatistics, ...] | None


@dataclass(frozen=True, slots=True)
class TestStatistics:
    """Statistics of a whole test and of each of its items."""

    __test__ = False  # not a pytest test class despite its name

    n_students: int
    n_absent: int
    absent_rows: tuple[int, ...]
    n_items: int
    full_marks: float
    mean_total: float | None
    sd_total: float | None
    alpha: float | None
    sem: float | None
    alpha_label: AlphaLabel
    group_size: int
    items: list[ItemStatistics]


def label_text(label: enum.StrEnum) -> LocalisedText:
    """The Chinese and English words of a label or flag code, for reports and the UI."""
    return _LABEL_TEXT[label]


def format_value(value: float | None, digits: int = 3) -> str:
    """A statistic as report text: fixed decimals, or "—" when undefined (both languages)."""
    return UNDEFINED_TEXT if value is None else f"{value:.{digits}f}"


def alpha_label(alpha: float | None) -> AlphaLabel:
    """The verdict on α: ≥ .90 excellent, ≥ .80 good, ≥ .70 acceptable, ≥ .60 questionable."""
    if alpha is None:
        return AlphaLabel.UNDEFINED
    for bound, label in ((0.90, AlphaLabel.EXCELLENT), (0.80, AlphaLabel.GOOD),
                         (0.70, AlphaLabel.ACCEPTABLE), (0.60, AlphaLabel.QUESTIONABLE)):
        if alpha >= bound - _EPS:
            return label
    return AlphaLabel.POOR


def discrimination_label(d: float | None) -> DiscriminationLabel:
    """Ebel's verdict: D ≥ .40 very good, .30–.39 good, .20–.29 marginal, < .20 poor."""
    if d is None:
        return DiscriminationLabel.UNDEFINED
    for bound, label in ((0.40, DiscriminationLabel.VERY_GOOD), (0.30, DiscriminationLabel.GOOD),
                         (0.20, DiscriminationLabel.MARGINAL)):
        if d >= bound - _EPS:
            return label
    return DiscriminationLabel.POOR


def difficulty_label(p: float | None) -> DifficultyLabel:
    """The usual report verdict on P: ≥ .70 easy, .40–.69 medium, < .40 hard."""
    if p is None:
        return DifficultyLabel.UNDEFINED
    if p >= 0.70 - _EPS:
        return DifficultyLabel.EASY
    return DifficultyLabel.MEDIUM if p >= 0.40 - _EPS else DifficultyLabel.HARD


def kelley_group_size(n_students: int) -> int:
    """Students in each of the upper and lower 27 % groups: 27 % of n rounded half up."""
    return math.floor(GROUP_FRACTION * n_students + 0.5) if n_students >= 2 else 0


def upper_lower_groups(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the upper and lower 27 % groups by total (see the module docstring)."""
    size = kelley_group_size(len(totals))
    ranking = np.argsort(-totals, kind="stable")
    return ranking[:size], ranking[len(ranking) - size:]


def cronbach_alpha(item_variances: np.ndarray, total_variance: float) -> float | None:
    """Cronbach's α from item and total variances (KR-20 for 0/1 items); None if undefined."""
    k = len(item_variances)
    if k < 2 or total_variance <= _EPS:
        return None
    return float(k / (k - 1) * (1.0 - item_variances.sum() / total_variance))


def _optional(values: np.ndarray, defined: np.ndarray) -> list[float | None]:
    """Plain floats where `defined`, None elsewhere (so no NaN escapes)."""
    return [float(v) if ok else None for v, ok in zip(values.tolist(), defined.tolist(),
                                                       strict=True)]


def _correlations(x: np.ndarray, totals: np.ndarray, scale: np.ndarray
                  ) -> tuple[list[float | None], list[float | None]]:
    """Item–total and corrected item–(total − item) Pearson r of every item."""
    xc = x - x.mean(axis=0)
    tc = totals - totals.mean()
    var_i = (xc * xc).mean(axis=0)
    var_t = float((tc * tc).mean())
    cov_it = (xc * tc[:, None]).mean(axis=0)
    var_rest = var_t - 2 * cov_it + var_i
    tiny = _EPS * scale * scale
    ok_pb = (var_i > tiny) & (var_t > _EPS)
    ok_corr = (var_i > tiny) & (var_rest > _EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_pb = np.clip(cov_it / np.sqrt(var_i * var_t), -1, 1)
        r_corr = np.clip((cov_it - var_i) / np.sqrt(var_i * var_rest), -1, 1)
    return _optional(r_pb, ok_pb), _optional(r_corr, ok_corr)


def _score_rate(x: np.ndarray, marks: np.ndarray) -> np.ndarray:
    """Mean score / full marks of every item over the rows of `x` (zeros if there are none)."""
    return x.mean(axis=0) / marks if len(x) else np.zeros(len(marks))


def _validate(scores: np.ndarray, full_marks: np.ndarray) -> None:
    """Raise a clear BadInputError for arrays that cannot be analysed."""
    if scores.ndim != 2 or full_marks.shape != (scores.shape[1],):
        raise BadInputError(LocalisedText(
            f"分数表应为“学生 × 题目”的二维表，且每题一个满分（得到 {scores.shape} 与 "
            f"{full_marks.shape}）。",
            f"Scores must be a students × items table with one full mark per item "
            f"(got {scores.shape} and {full_marks.shape})."))
    if np.any(~np.isfinite(full_marks)) or np.any(full_marks <= 0):
        raise BadInputError(LocalisedText(
            "每题满分必须为正数，请检查题目设置。",
            "Every item's full marks must be positive; check the item setup."))


def _normalised_options(options: np.ndarray) -> np.ndarray:
    """Answers upper-cased with separators and blanks removed ("a, c" → "AC"), as a str array."""
    text = np.where(np.equal(options, None), "", options).astype(str)
    text = np.char.upper(text)
    for separator in _SEPARATORS:
        text = np.char.replace(text, separator, "")
    return text


def _choices_of(key: str, answers: np.ndarray) -> list[str]:
    """Options to report for one item: the key's, any chosen, and A–D for letter keys."""
    letters = set(options_of(key))
    letters.update("".join(np.unique(answers).tolist()))
    if letters <= set("ABCDEFGH"):
        letters.update(_DEFAULT_CHOICES)
    return sorted(letters)


def _option_flag(is_key: bool, share: float, upper: float | None, lower: float | None
                 ) -> OptionFlag | None:
    """The flag of one option from its shares (see `OptionFlag`)."""
    if not is_key and share <= 0:
        return OptionFlag.UNUSED
    if upper is None or lower is None:
        return None
    if is_key:
        return OptionFlag.KEY_ATTRACTS_LOWER if lower > upper + _EPS else None
    return OptionFlag.ATTRACTS_UPPER if upper > lower + _EPS else None


def _share(mask: np.ndarray) -> float | None:
    """Share of True in a boolean vector, None for an empty one."""
    return float(mask.mean()) if mask.size else None


def option_analysis(answers: np.ndarray, key: str, upper: np.ndarray, lower: np.ndarray
                    ) -> tuple[OptionStatistics, ...]:
    """Distractor analysis of one choice item from normalised answers ("" blank).

    `upper` and `lower` are row indices of the 27 % groups, empty when there are none.
    """
    key_letters = options_of(key)
    rows: list[OptionStatistics] = []
    for option in [*_choices_of(key, answers), ""]:
        chosen = answers == "" if option == "" else np.char.find(answers, option) >= 0
        share, up, low = _share(chosen) or 0.0, _share(chosen[upper]), _share(chosen[lower])
        is_key = option in key_letters
        flag = None if option == "" else _option_flag(is_key, share, up, low)
        rows.append(OptionStatistics(option, is_key, share, up, low, flag))
    return tuple(rows)


def _item_option_tables(options: np.ndarray | None, keys: Sequence[str | None] | None,
                        present: np.ndarray, n_items: int, upper: np.ndarray,
                        lower: np.ndarray) -> list[tuple[OptionStatistics, ...] | None]:
    """Option analysis of every item that has a key, None for the others."""
    if options is None or keys is None:
        return [None] * n_items
    options = np.asarray(options, dtype=object)
    if options.shape != (len(present), n_items) or len(keys) != n_items:
        raise BadInputError(LocalisedText(
            "选项表须与分数表同形，且每题一个答案（非选择题填空串）。",
            "The options table must have the scores' shape and one key per item "
            "(an empty key for a non-choice item)."))
    answers = _normalised_options(options[present])
    return [option_analysis(answers[:, j], key, upper, lower) if key and key.strip() else None
            for j, key in enumerate(keys)]


def analyse(scores: np.ndarray, full_marks: Sequence[float] | np.ndarray, *,
            options: np.ndarray | None = None,
            keys: Sequence[str | None] | None = None) -> TestStatistics:
    """Classical test and item statistics of one test (see the module docstring).

    `options` (students × items chosen-option strings, "" blank) and `keys` (one per item,
    "" or None for a non-choice item) add distractor analysis to the choice items.
    """
    raw = np.asarray(scores, dtype=float)
    marks = np.asarray(full_marks, dtype=float)
    _validate(raw, marks)
    missing = np.isnan(raw)
    present = ~missing.all(axis=1) if raw.shape[1] else np.zeros(raw.shape[0], bool)
    x = np.where(missing, 0.0, raw)[present]
    n, k = x.shape
    totals = x.sum(axis=1)
    item_var = x.var(axis=0) if n else np.zeros(k)
    total_var = float(totals.var()) if n else 0.0
    ranked = n >= 2 and total_var > _EPS
    upper, lower = upper_lower_groups(totals) if ranked else (np.arange(0), np.arange(0))
    alpha = cronbach_alpha(item_var, total_var) if n >= 2 else None
    sd_total = math.sqrt(total_var) if n else None
    sem = sd_total * math.sqrt(max(0.0, 1.0 - alpha)) if alpha is not None and sd_total else None
    answered = ~missing[present].all(axis=0) if n else np.zeros(k, bool)
    p_values = _optional(_score_rate(x, marks), answered)
    d_values = _optional(_score_rate(x[upper], marks) - _score_rate(x[lower], marks),
                         answered & ranked)
    r_pb, r_corr = _correlations(x, totals, marks) if n else ([None] * k, [None] * k)
    tables = _item_option_tables(options, keys, present, k, upper, lower)
    missing_counts = missing[present].sum(axis=0).tolist()
    items = [
        ItemStatistics(
            index=j, full_marks=float(marks[j]),
            mean=None if p_values[j] is None else p_values[j] * float(marks[j]),
            difficulty=p_values[j], difficulty_label=difficulty_label(p_values[j]),
            discrimination=d_values[j], discrimination_label=discrimination_label(d_values[j]),
            point_biserial=r_pb[j], corrected_item_total=r_corr[j],
            missing=int(missing_counts[j]), options=tables[j])
        for j in range(k)
    ]
    return TestStatistics(
        n_students=n, n_absent=int((~present).sum()),
        absent_rows=tuple(np.flatnonzero(~present).tolist()), n_items=k,
        full_marks=float(marks.sum()), mean_total=float(totals.mean()) if n else None,
        sd_total=sd_total, alpha=alpha, sem=sem, alpha_label=alpha_label(alpha),
        group_size=len(upper), items=items)


__all__ = [
    "GROUP_FRACTION",
    "UNDEFINED_TEXT",
    "AlphaLabel",
    "DifficultyLabel",
    "DiscriminationLabel",
    "ItemStatistics",
    "OptionFlag",
    "OptionStatistics",
    "TestStatistics",
    "alpha_label",
    "analyse",
    "cronbach_alpha",
    "difficulty_label",
    "discrimination_label",
    "format_value",
    "kelley_group_size",
    "label_text",
    "option_analysis",
    "upper_lower_groups",
]
