"""The scanning benches run end to end on a tiny stack and report figures that add up."""

import json

import pytest

from bench import crash_resume, scan_throughput


def _last_json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_throughput_bench_scans_the_stack_into_the_database(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert scan_throughput.main(["--pages", "8", "--workers", "2"]) == 0
    figures = _last_json(capsys)
    assert {"pages_per_s", "peak_rss_mb", "pages", "workers", "database",
            "exceptions"} <= set(figures)
    assert (figures["pages"], figures["workers"], figures["database"]) == (8, 2, "sqlite")
    assert figures["exceptions"] == 0 and figures["pages_per_s"] > 0
    assert figures["child_processes"] >= 2  # both recognition workers were measured
    assert figures["peak_rss_mb"] == pytest.approx(
        figures["own_rss_mb"] + figures["children_rss_mb"], abs=0.2)
    assert figures["children_rss_mb"] > 50  # a worker with OpenCV loaded is not small


def test_crash_bench_kills_resumes_and_finds_nothing_lost(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert crash_resume.main(["--runs", "1", "--pages", "8", "--kills", "2", "--seed",
                              "1"]) == 0  # seed 1: kill after 1, then 2 saved pages
    totals = _last_json(capsys)
    assert (totals["lost"], totals["doubled"], totals["mismatched"]) == (0, 0, 0)
    assert (totals["runs"], totals["pages"], totals["orphans"]) == (1, 8, 0)
    assert 1 <= totals["kills"] <= 2  # the second may come after the end
