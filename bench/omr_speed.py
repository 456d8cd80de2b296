"""How fast pages are recognised: JPEG files on disk → results in memory, in a process pool.

`python -m bench.omr_speed --pages 400 --dpi 200 --workers 2` prints one JSON line, last:
`pages_per_s` (wall clock over the whole run, pool already started), `ms_median` and
`ms_p99` (recognition time of one page inside a worker, decoding included) and
`ratio_to_decode`: that median divided by the median time `cv2.imdecode` alone takes on
the same files, measured the same way (as many worker processes side by side, one thread
each) — the floor any recogniser pays.
The sheet is A4, front and back, with 60 objective questions and an 8-digit ID grid on
the front and 4 subjective answer boxes (whose crops are returned) on the back; the page
files alternate front and back as a duplex scanner delivers them, marked and damaged by
the degraded-scan generator (every condition in turn).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from bench.degraded_scans import make_scan, render_blank_pages
from bench.scan_degradation import CONDITIONS
from core.enums import ItemType
from core.settings import RecognitionThresholds
from omr.layout import AnswerSheetLayout
from omr.sheet_design import ItemSpec, SheetSpec, design_sheet
from omr.sheet_pdf import render_sheet_pdf
from workflow.recognition_pool import RecognitionPool

DISTINCT_SCANS = 40
"""Different marked scans generated; the page files cycle through them."""


def speed_test_layout() -> AnswerSheetLayout:
    """A4 front and back: 50 single and 10 multiple choice, 8-digit ID grid, 4 subjective."""
    items = [ItemSpec(str(n), ItemType.SINGLE_CHOICE, 4) for n in range(1, 51)]
    items += [ItemSpec(str(n), ItemType.MULTIPLE_CHOICE, 4, points=4) for n in range(51, 61)]
    items += [ItemSpec(str(n), ItemType.SUBJECTIVE, points=10) for n in range(61, 65)]
    return design_sheet(SheetSpec(exam_id=900, layout_version=1, title="速度测试答题卡",
                                  items=items))


def write_page_files(folder: Path, layout: AnswerSheetLayout, pages: int, dpi: int,
                     seed: int) -> list[Path]:
    """`pages` JPEG scans in `folder`, the layout's pages in turn, all conditions mixed."""
    render_sheet_pdf(layout, folder / "sheet.pdf")
    blank = render_blank_pages(folder / "sheet.pdf", dpi)
    rng = np.random.default_rng(seed)
    sides = len(layout.pages)
    scans = [make_scan(layout, blank, 1 + i % sides, dpi, CONDITIONS[i // sides % len(
        CONDITIONS)], rng).image for i in range(min(pages, DISTINCT_SCANS))]
    paths = []
    for number in range(pages):
        path = folder / f"page-{number:05d}.jpg"
        path.write_bytes(scans[number % len(scans)])
        paths.append(path)
    return paths


def decode_ms(path: str) -> float:
    """Milliseconds `cv2.imdecode` takes on one file (bytes already in memory), one thread."""
    cv2.setNumThreads(1)
    data = np.frombuffer(Path(path).read_bytes(), np.uint8)
    started = time.perf_counter()
    cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    return (time.perf_counter() - started) * 1000


def decode_in_workers(paths: list[Path], workers: int) -> list[float]:
    """Decode times measured as recognition ran: in `workers` processes side by side."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(decode_ms, [str(path) for path in paths], chunksize=8))


def run(pages: int, dpi: int, workers: int, seed: int) -> dict[str, float | int]:
    """Generate the page files, recognise them all, and return the figures."""
    layout = speed_test_layout()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_page_files(Path(folder), layout, pages, dpi, seed)
        with RecognitionPool([layout], RecognitionThresholds(), workers) as pool:
            started = time.perf_counter()
            results = list(pool.recognise(paths, len(paths)))
            elapsed = time.perf_counter() - started
        decode = decode_in_workers(paths, workers)
    recognition = np.array([page.seconds * 1000 for page in results])
    statuses = [str(page.result.status) for page in results]
    crops = sum(len(page.result.crops) for page in results)
    return {
        "pages": pages, "dpi": dpi, "workers": workers,
        "pages_per_s": round(pages / elapsed, 2),
        "ms_median": round(float(np.median(recognition)), 2),
        "ms_p99": round(float(np.percentile(recognition, 99)), 2),
        "decode_ms_median": round(float(np.median(decode)), 2),
        "ratio_to_decode": round(float(np.median(recognition) / np.median(decode)), 2),
        "crops_per_page": round(crops / pages, 2),
        "pages_ok": statuses.count("ok"), "pages_flagged": statuses.count("flagged"),
        "pages_rejected": statuses.count("rejected"),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures as one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.omr_speed", description=__doc__)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    figures = run(args.pages, args.dpi, args.workers, args.seed)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
