"""The analytics speed bench runs every step and reports figures that add up."""

import json

import pytest

from bench import analytics_speed


def test_analytics_speed_bench_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert analytics_speed.main(["--students", "60", "--items", "12", "--kps", "5"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    steps = ("statistics_s", "report_s", "mastery_s", "wrong_items_s", "practice_s")
    assert all(figures[step] >= 0 for step in steps)
    assert figures["seconds"] == pytest.approx(sum(figures[step] for step in steps), abs=0.01)
    assert (figures["students"], figures["items"], figures["kps"]) == (60, 12, 5)
