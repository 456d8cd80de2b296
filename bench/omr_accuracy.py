"""How often the recogniser is silently wrong, and how often it sends a sheet to review.

`python -m bench.omr_accuracy --sheets N --seed S [--dpi 200] [--workers 2]` designs two
realistic sheets (A4 portrait, one column; A3 landscape, two columns), prints them to PDF,
rasterises them once, then for each of N students marks every page with
`bench.mark_painting`, damages it by one of `bench.scan_degradation.CONDITIONS` (cycled)
and reads it with `omr.page_recognition.recognise_page`. Every field of the truth is
compared with what was read:

* flagged: the field needs review, or is missing from a page that is not OK;
* silent error: the value read differs from the truth and the field is not flagged.

A sheet (one student's pages) is flagged when any of its pages is not OK. Score bars are
painted per digit group (``s<label>.tens/units/half``) but read as one summed field
(``score.<label>``), so the truth is summed the same way; ID digits (``id.N``) are
compared one by one and the student number as a whole. The last stdout line is one JSON
object; progress and a summary go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.degraded_scans import GeneratedScan, make_scan, render_blank_pages
from bench.scan_degradation import CONDITIONS
from core.enums import ItemType
from core.settings import RecognitionThresholds
from omr.layout import AnswerSheetLayout, FieldKind, Paper
from omr.page_recognition import recognise_page
from omr.page_result import FieldResult, PageResult, PageStatus
from omr.sheet_design import ItemSpec, SheetSpec, design_sheet
from omr.sheet_pdf import render_sheet_pdf

STUDENT_FIELD = "student_number"
"""Name under which the whole student number is compared (besides its digits)."""


def sheet_items() -> list[ItemSpec]:
    """A realistic exam: 50 single choice (some with 5–7 options), 10 multiple choice,
    5 true/false and 4 subjective items worth 8–15 points."""
    items = [ItemSpec(str(n), ItemType.SINGLE_CHOICE, 4 + (n % 10 == 0) + (n % 17 == 0) * 2
                      + (n % 23 == 0)) for n in range(1, 51)]
    items += [ItemSpec(str(n), ItemType.MULTIPLE_CHOICE, 4 + (n % 3 == 0), points=4)
              for n in range(51, 61)]
    items += [ItemSpec(str(n), ItemType.TRUE_FALSE) for n in range(61, 66)]
    items += [ItemSpec(str(66 + i), ItemType.SUBJECTIVE, points=p)
              for i, p in enumerate((8, 10, 12, 15))]
    return items


def sheet_layouts() -> list[AnswerSheetLayout]:
    """The two sheet variants: A4 portrait with one column, A3 landscape with two."""
    items = sheet_items()
    return [design_sheet(SheetSpec(71, 1, "期中考试 数学", "七年级", items=items)),
            design_sheet(SheetSpec(72, 1, "期中考试 数学", "七年级", paper=Paper.A3,
                                   landscape=True, columns=2, items=items))]


@dataclass
class Tally:
    """Counts of one group of sheets (all, or one condition)."""

    sheets: int = 0
    flagged_sheets: int = 0
    fields: int = 0
    silent_errors: int = 0
    flagged_fields: int = 0

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.sheets += other.sheets
        self.flagged_sheets += other.flagged_sheets
        self.fields += other.fields
        self.silent_errors += other.silent_errors
        self.flagged_fields += other.flagged_fields

    def summary(self) -> dict[str, float | int]:
        """The per-condition JSON entry."""
        return {"sheets": self.sheets, "fields": self.fields,
                "silent_errors": self.silent_errors, "flagged_fields": self.flagged_fields,
                "flagged_sheet_rate": _rate(self.flagged_sheets, self.sheets)}


@dataclass
class SheetOutcome:
    """What happened on one student's sheet: its tally and notes on what went wrong."""

    condition: str
    tally: Tally
    errors: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def expected_values(scan: GeneratedScan, layout: AnswerSheetLayout) -> dict[str, str]:
    """The truth in the result's naming: score groups summed per item, student number added."""
    page = layout.page(scan.page)
    kinds = {f.name: f for f in page.fields}
    expected: dict[str, str] = {}
    scores: dict[str, list[str]] = defaultdict(list)
    for name, value in scan.truth.items():
        bubble_field = kinds[name]
        if bubble_field.kind == FieldKind.SCORE_DIGIT:
            scores[bubble_field.item or name].append(value)
        else:
            expected[name] = value
    for item, values in scores.items():
        marked = [float(v) for v in values if v]
        expected[f"score.{item}"] = _points_text(sum(marked)) if marked else ""
    digits = sorted((int(name.split(".")[1]), value) for name, value in scan.truth.items()
                    if kinds[name].kind == FieldKind.ID_DIGIT)
    if digits:
        expected[STUDENT_FIELD] = "".join(value for _, value in digits)
    return expected


def _points_text(points: float) -> str:
    return f"{points:.2f}".rstrip("0").rstrip(".")


def _student_result(result: PageResult) -> FieldResult | None:
    """The student number as a pseudo-field: flagged when it could not be determined."""
    if result.student_number is None:
        return None
    return FieldResult(STUDENT_FIELD, None, FieldKind.ID_DIGIT, result.student_number, 1.0,
                       frozenset(), ())


def compare_page(result: PageResult, expected: dict[str, str]) -> tuple[Tally, list[str],
                                                                       list[str]]:
    """Compare one page's result with its truth; the tally and notes on errors and flags."""
    tally = Tally()
    errors: list[str] = []
    flags: list[str] = []
    page_ok = result.status == PageStatus.OK
    for name, truth in expected.items():
        got = _lookup(result, name)
        flagged = (got is None and not page_ok) or (got is not None and got.needs_review)
        if name == STUDENT_FIELD and got is None:
            flagged = True
        value = got.value if got is not None else ""
        tally.fields += 1
        if flagged:
            tally.flagged_fields += 1
            flags.append(_note(name, truth, got))
        elif value != truth:
            tally.silent_errors += 1
            errors.append(_note(name, truth, got))
    return tally, errors, flags


def _lookup(result: PageResult, name: str) -> FieldResult | None:
    if name == STUDENT_FIELD:
        return _student_result(result)
    try:
        return result.field(name)
    except KeyError:
        return None


def _note(name: str, truth: str, got: FieldResult | None) -> str:
    if got is None:
        return f"{name}: truth {truth!r}, missing"
    flags = ",".join(sorted(flag.value for flag in got.flags))
    fills = ",".join(f"{fill:.2f}" for fill in got.fills)
    return (f"{name}: truth {truth!r} read {got.value!r} conf {got.confidence:.2f} "
            f"[{flags}] fills {fills}")


@dataclass(frozen=True)
class _Job:
    """One student's sheet to generate and read."""

    index: int
    variant: int
    condition: str
    seed: int


_WORKER_STATE: dict[str, object] = {}
"""Each worker process's layouts and blank pages, set once by `_init_worker`."""


def _init_worker(layouts: list[AnswerSheetLayout], blanks: list[list[np.ndarray]],
                 dpi: int) -> None:
    _WORKER_STATE.update(layouts=layouts, blanks=blanks, dpi=dpi)


def _run_job(job: _Job) -> SheetOutcome:
    layouts = _WORKER_STATE["layouts"]
    blanks = _WORKER_STATE["blanks"]
    dpi = _WORKER_STATE["dpi"]
    assert isinstance(layouts, list) and isinstance(blanks, list) and isinstance(dpi, int)
    return read_sheet(layouts[job.variant], blanks[job.variant], dpi, job)


def read_sheet(layout: AnswerSheetLayout, blank_pages: list[np.ndarray], dpi: int,
               job: _Job) -> SheetOutcome:
    """Mark, damage and read every page of one student's sheet."""
    rng = np.random.default_rng([job.seed, job.index])
    outcome = SheetOutcome(job.condition, Tally(sheets=1))
    settings = RecognitionThresholds()
    sheet_flagged = False
    for page in range(1, len(layout.pages) + 1):
        scan = make_scan(layout, blank_pages, page, dpi, job.condition, rng)
        result = recognise_page(scan.image, [layout], settings)
        tally, errors, flags = compare_page(result, expected_values(scan, layout))
        outcome.tally.add(tally)
        prefix = f"sheet {job.index} v{job.variant} p{page} {job.condition}: "
        outcome.errors += [prefix + error for error in errors]
        outcome.flags += [prefix + flag for flag in flags]
        if result.status != PageStatus.OK:
            sheet_flagged = True
            if not flags:
                outcome.flags += [prefix + reason.en for reason in result.reasons]
    outcome.tally.flagged_sheets = int(sheet_flagged)
    return outcome


def jobs(sheets: int, seed: int) -> list[_Job]:
    """The sheets to read: conditions cycled, both layouts used under every condition."""
    count = len(CONDITIONS)
    return [_Job(index, (index // count) % 2, CONDITIONS[index % count], seed)
            for index in range(sheets)]


def prepare(dpi: int) -> tuple[list[AnswerSheetLayout], list[list[np.ndarray]]]:
    """The sheet layouts and their blank pages rasterised at `dpi`."""
    layouts = sheet_layouts()
    blanks = []
    with tempfile.TemporaryDirectory() as folder:
        for number, layout in enumerate(layouts):
            pdf = Path(folder) / f"sheet{number}.pdf"
            render_sheet_pdf(layout, pdf)
            blanks.append(render_blank_pages(pdf, dpi))
    return layouts, blanks


def run(sheets: int, seed: int, dpi: int = 200,
        workers: int = 2) -> tuple[dict[str, object], list[SheetOutcome]]:
    """Read `sheets` generated sheets; the JSON summary and every sheet's outcome."""
    layouts, blanks = prepare(dpi)
    todo = jobs(sheets, seed)
    if workers <= 1:
        _init_worker(layouts, blanks, dpi)
        outcomes = [_run_job(job) for job in todo]
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker,
                                 initargs=(layouts, blanks, dpi)) as pool:
            outcomes = list(pool.map(_run_job, todo, chunksize=4))
    return summarise(outcomes, sheets, seed, dpi), outcomes


def summarise(outcomes: Sequence[SheetOutcome], sheets: int, seed: int,
              dpi: int) -> dict[str, object]:
    """The JSON summary of all outcomes, overall and per condition."""
    total = Tally()
    per_condition: dict[str, Tally] = {}
    for outcome in outcomes:
        total.add(outcome.tally)
        per_condition.setdefault(outcome.condition, Tally()).add(outcome.tally)
    return {
        "fields": total.fields,
        "silent_errors": total.silent_errors,
        "silent_error_rate": _rate(total.silent_errors, total.fields),
        "flagged_fields": total.flagged_fields,
        "flagged_sheet_rate": _rate(total.flagged_sheets, total.sheets),
        "sheets": sheets,
        "dpi": dpi,
        "seed": seed,
        "per_condition": {name: per_condition[name].summary() for name in CONDITIONS
                          if name in per_condition},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the bench, print notes to stderr and the JSON line to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=240)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--show", type=int, default=20, help="flag notes to print")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary, outcomes = run(args.sheets, args.seed, args.dpi, args.workers)
    errors = [note for outcome in outcomes for note in outcome.errors]
    flags = [note for outcome in outcomes for note in outcome.flags]
    for note in errors:
        print("SILENT ERROR " + note, file=sys.stderr)
    for note in flags[:args.show]:
        print("flagged " + note, file=sys.stderr)
    print(f"{args.sheets} sheets in {time.perf_counter() - started:.0f} s; "
          f"{len(errors)} silent errors, {len(flags)} flag notes", file=sys.stderr)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
