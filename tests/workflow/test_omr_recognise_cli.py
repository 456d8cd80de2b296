"""`ptw omr recognise`: page images and a layout JSON in, the long CSV out."""

import csv
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.degraded_scans import render_blank_pages
from bench.mark_painting import MarkStyle, paint_page
from core.enums import ItemType
from core.settings import RecognitionThresholds
from omr.layout import AnswerSheetLayout
from omr.sheet_design import ItemSpec, SheetSpec, design_sheet
from omr.sheet_pdf import render_sheet_pdf
from tests.workflow.ptw_process import run_ptw
from workflow.recognition_pool import RecognitionPool

DPI = 200


@pytest.fixture(scope="module")
def marked_pages(tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Path, list[Path], list[dict[str, str]]]:
    """A layout file and three marked page scans with their truth."""
    folder = tmp_path_factory.mktemp("recognise")
    items = [ItemSpec(str(n), ItemType.SINGLE_CHOICE, 4) for n in range(1, 16)]
    items += [ItemSpec("16", ItemType.MULTIPLE_CHOICE, 5), ItemSpec("17", ItemType.TRUE_FALSE)]
    layout = design_sheet(SheetSpec(exam_id=31, layout_version=2, title="单元测验", items=items))
    layout_path = folder / "layout.json"
    layout_path.write_text(layout.to_json(), encoding="utf-8")
    render_sheet_pdf(layout, folder / "sheet.pdf")
    blank = render_blank_pages(folder / "sheet.pdf", DPI)
    rng = np.random.default_rng(7)
    images, truths = [], []
    for number in range(3):
        canvas = blank[0].copy()
        painted = paint_page(canvas, layout.page(1), DPI, rng,
                             style_weights={MarkStyle.FILLED: 1.0}, erasure_rate=0,
                             stray_marks=0)
        path = folder / f"scan-{number}.jpg"
        cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])
        images.append(path)
        truths.append({field.name: field.truth for field in painted})
    return layout_path, images, truths


def _read_csv(path: Path) -> tuple[list[str], dict[str, dict[str, list[str]]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        by_image: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for image, field, *rest in reader:
            by_image[image][field] = rest
    return header, by_image


def test_pages_are_read_to_the_long_csv(station_env: dict[str, str], tmp_path: Path,
                                        marked_pages: tuple[Path, list[Path],
                                                            list[dict[str, str]]]) -> None:
    layout_path, images, truths = marked_pages
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(images[0].read_bytes()[:2000])
    out = tmp_path / "results.csv"
    done = run_ptw(station_env, "omr", "recognise", "--layout", str(layout_path),
                   *map(str, images), str(broken), "--out", str(out), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert "已识别 4 页" in done.stdout
    header, rows = _read_csv(out)
    assert header == ["image", "field", "value", "confidence", "flags"]
    assert list(rows) == [str(path) for path in [*images, broken]]
    for image, truth in zip(images, truths, strict=True):
        page = rows[str(image)]
        assert page["page.exam"][0] == "31" and page["page.number"][0] == "1"
        assert page["page.student_number"][0] == "".join(
            truth[f"id.{digit}"] for digit in range(1, 9))
        for name, value in truth.items():
            assert page[name][0] == value, name
            assert float(page[name][1]) > 0.5
    assert rows[str(broken)]["page.status"][0] == "rejected"
    assert "不完整" in rows[str(broken)]["page.reasons"][0]


def test_a_file_that_is_not_a_layout_is_refused(station_env: dict[str, str],
                                                tmp_path: Path) -> None:
    bad = tmp_path / "layout.json"
    bad.write_text('{"title": "x"}', encoding="utf-8")
    image = tmp_path / "page.png"
    cv2.imwrite(str(image), np.full((400, 300), 255, np.uint8))
    out = tmp_path / "results.csv"
    done = run_ptw(station_env, "omr", "recognise", "--layout", str(bad), str(image),
                   "--out", str(out))
    assert done.returncode == 2
    assert "不是答题卡版式文件" in done.stderr
    assert not out.exists()


def test_pool_returns_results_in_input_order_with_timings(
        marked_pages: tuple[Path, list[Path], list[dict[str, str]]], tmp_path: Path) -> None:
    layout_path, images, truths = marked_pages
    layout = AnswerSheetLayout.from_json(layout_path.read_text(encoding="utf-8"))
    missing = tmp_path / "gone.jpg"
    order = [images[2], missing, images[0], images[1]]
    with RecognitionPool([layout], RecognitionThresholds(), workers=2) as pool:
        pages = list(pool.recognise(order, len(order)))
    assert [page.source for page in pages] == [str(path) for path in order]
    assert pages[1].result.status == "rejected"
    assert pages[0].result.answers["q1"] == truths[2]["q1"]
    assert all(page.seconds > 0 for page in pages if page.source != str(missing))
    assert pages[0].result.crops and all(c.image.size for c in pages[0].result.crops)
