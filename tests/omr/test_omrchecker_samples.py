"""End to end on every OMRChecker sample folder, against OMRChecker's own snapshots."""

import pytest

from bench.omrchecker_compat import DATASET, load_expected, run

EXPECTED = load_expected(DATASET)
SAMPLE_DIRS = sorted({row["sample_dir"] for row in EXPECTED})


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    return run(DATASET)


def test_every_sample_folder_is_covered(result: dict[str, object]) -> None:
    assert set(result["per_sample"]) == set(SAMPLE_DIRS)  # type: ignore[arg-type]
    assert result["total"] == len(EXPECTED) == 329
    assert result["warnings"] == []


def test_overall_match_rate_is_at_least_99_5_percent(result: dict[str, object]) -> None:
    assert result["matched"] / result["total"] >= 0.995, result["misses"]  # type: ignore[operator]


@pytest.mark.parametrize("sample_dir", SAMPLE_DIRS)
def test_each_sample_matches_at_least_95_percent(result: dict[str, object],
                                                 sample_dir: str) -> None:
    counts = result["per_sample"][sample_dir]  # type: ignore[index]
    misses = [m for m in result["misses"] if m[0] == sample_dir]  # type: ignore[union-attr]
    assert counts["matched"] >= 0.95 * counts["total"], misses
