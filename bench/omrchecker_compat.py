"""How closely our engine reproduces OMRChecker's own snapshot results on its samples.

`python -m bench.omrchecker_compat [--samples DIR]` reads every sample folder named in
../shared/datasets/omrchecker/expected/expected_long.csv with `workflow.omrchecker_import`
(our pre-processing, our bubble engine), compares each (image, field) with the expected
value and prints the misses, then one JSON line last:
{"matched", "total", "match_rate", "per_sample": {dir: {"matched", "total"}}, "misses"}.
Nothing here is tuned to a sample: the same code reads every folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from workflow.omrchecker_import import read_folder

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "omrchecker"


def load_expected(dataset: Path = DATASET) -> list[dict[str, str]]:
    """Rows of expected_long.csv (sample_dir, image, field, expected, ...)."""
    with (dataset / "expected" / "expected_long.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(dataset: Path = DATASET) -> dict[str, object]:
    """Read every sample folder and compare; returns the result object."""
    expected = load_expected(dataset)
    samples = dataset / "samples"
    got: dict[tuple[str, str], str] = {}
    warnings: list[str] = []
    for sample_dir in sorted({row["sample_dir"] for row in expected}):
        for item in read_folder(samples / sample_dir):
            image = f"{sample_dir}/{item.image}"
            if item.problem:
                warnings.append(item.problem.en)
            for name, value in item.values.items():
                got[(image, name)] = value
    per_sample: dict[str, dict[str, int]] = defaultdict(lambda: {"matched": 0, "total": 0})
    misses = []
    for row in expected:
        value = got.get((row["image"], row["field"]))
        ok = value == row["expected"]
        per_sample[row["sample_dir"]]["total"] += 1
        per_sample[row["sample_dir"]]["matched"] += ok
        if not ok:
            misses.append([row["sample_dir"], row["image"], row["field"], row["expected"],
                           value])
    matched = sum(s["matched"] for s in per_sample.values())
    total = len(expected)
    return {"matched": matched, "total": total,
            "match_rate": round(matched / total, 4) if total else 0.0,
            "per_sample": dict(sorted(per_sample.items())), "misses": misses,
            "warnings": warnings}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(args.dataset)
    for miss in result["misses"]:  # type: ignore[union-attr]
        print("miss:", *miss, sep="\t", file=sys.stderr)
    for warning in result.pop("warnings"):  # type: ignore[union-attr]
        print("warning:", warning, file=sys.stderr)
    print(f"seconds: {time.perf_counter() - started:.1f}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
