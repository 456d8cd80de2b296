"""The speed bench runs end to end and reports figures that belong together."""

import json

import pytest

from bench import omr_speed


def test_speed_bench_prints_its_figures_as_the_last_json_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert omr_speed.main(["--pages", "6", "--workers", "2", "--dpi", "150"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"pages_per_s", "ms_median", "ms_p99", "ratio_to_decode"} <= set(figures)
    assert figures["pages"] == 6
    assert figures["pages_ok"] + figures["pages_flagged"] + figures["pages_rejected"] == 6
    assert figures["pages_rejected"] == 0
    assert figures["ms_p99"] >= figures["ms_median"] > figures["decode_ms_median"] > 0
    assert figures["ratio_to_decode"] == pytest.approx(
        figures["ms_median"] / figures["decode_ms_median"], rel=0.05)
    assert figures["crops_per_page"] >= 2  # the back pages carry four answer boxes
