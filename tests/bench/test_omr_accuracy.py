"""The accuracy bench runs end to end, adds up, and reads a clean scan without silent errors."""

import shutil

import pytest

from bench.omr_accuracy import run

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                reason="pdftoppm (poppler-utils) is not installed")

KEYS = {"fields", "silent_errors", "silent_error_rate", "flagged_fields", "flagged_sheet_rate",
        "sheets", "dpi", "seed", "per_condition"}


def test_bench_summary_adds_up_and_clean_scans_have_no_silent_errors() -> None:
    summary, outcomes = run(6, seed=3, dpi=150, workers=1)
    assert set(summary) == KEYS
    assert summary["sheets"] == len(outcomes) == 6
    per_condition = summary["per_condition"]
    assert list(per_condition) == ["clean", "skew", "scale", "shift", "blur", "noise"]
    for key in ("sheets", "fields", "silent_errors", "flagged_fields"):
        assert sum(entry[key] for entry in per_condition.values()) == (
            6 if key == "sheets" else summary[key])
    assert summary["fields"] > 6 * 70  # every field of both pages of every sheet
    assert summary["silent_error_rate"] == summary["silent_errors"] / summary["fields"]
    flagged_sheets = sum(outcome.tally.flagged_sheets for outcome in outcomes)
    assert summary["flagged_sheet_rate"] == flagged_sheets / 6
    assert per_condition["clean"]["silent_errors"] == 0
    assert per_condition["clean"]["fields"] > 70
