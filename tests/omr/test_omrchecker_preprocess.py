"""Each OMRChecker pre-processor on a sample image."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from omr.omrchecker import SheetNotFoundError, SheetReader, load_config, load_template
from omr.omrchecker.config import OmrCheckerConfig
from omr.omrchecker.preprocess import (
    CropOnMarkers,
    CropPage,
    FeatureBasedAlignment,
    GaussianBlur,
    Levels,
    MedianBlur,
    WorkImage,
    order_corners,
)
from omr.omrchecker.reader import load_gray
from tests.conftest import DATASETS

SAMPLES = DATASETS / "omrchecker" / "samples"
WORK = (666, 820)


def _work(path: Path, size: tuple[int, int] = WORK) -> WorkImage:
    gray = load_gray(path)
    return WorkImage(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), np.eye(3))


def test_order_corners() -> None:
    pts = np.array([[90, 95], [10, 5], [12, 88], [95, 8]], dtype=np.float32)
    assert order_corners(pts).tolist() == [[10, 5], [95, 8], [90, 95], [12, 88]]


def test_levels_stretches_the_given_band() -> None:
    levels = Levels({"low": 0.7, "high": 0.8})
    assert levels.table[int(255 * 0.7)] == 0 and levels.table[int(255 * 0.8)] == 255
    assert 100 < levels.table[191] < 160 and levels.table[0] == 0
    scan = _work(SAMPLES / "sample6" / "doc-scans" / "sample_roll_01.jpg", (1653, 2339))
    out = levels.apply(scan).image
    assert out.shape == scan.image.shape
    assert np.mean((out == 0) | (out == 255)) > 0.9


def test_gaussian_and_median_blur_smooth_without_moving_the_page() -> None:
    work = _work(SAMPLES / "sample4" / "IMG_20201116_143512.jpg")
    noisy = work.image.copy()
    noisy[::7, ::7] = 255
    for step in (GaussianBlur({"kSize": [3, 3], "sigmaX": 0}), MedianBlur({"kSize": 3})):
        done = step.apply(WorkImage(noisy, np.eye(3)))
        out = done.image
        assert out.shape == noisy.shape and np.array_equal(done.to_work, np.eye(3))
        assert len(done.pixel_filters) == 1  # replayed on the full-resolution page
        assert np.abs(np.diff(out.astype(float), axis=1)).mean() < \
            np.abs(np.diff(noisy.astype(float), axis=1)).mean()
    with pytest.raises(ValueError):
        GaussianBlur({"kSize": [4, 4]})
    with pytest.raises(ValueError):
        MedianBlur({"kSize": 2})


def test_crop_page_finds_the_paper_on_a_dark_table() -> None:
    work = _work(SAMPLES / "sample2" / "AdrianSample" / "adrian_omr.png")
    corners = order_corners(CropPage({"morphKernel": [10, 10]}).find_corners(work.image))
    area = cv2.contourArea(corners)
    assert 0.25 < area / (WORK[0] * WORK[1]) < 0.6
    # the page is the bright quadrilateral in the middle of the photo
    centre = corners.mean(axis=0)
    assert abs(centre[0] - WORK[0] / 2) < 80 and abs(centre[1] - WORK[1] / 2) < 120
    page = CropPage({}).apply(work)
    assert page.image.shape == work.image.shape and np.median(page.image) > 180
    with pytest.raises(SheetNotFoundError):
        CropPage({}).find_corners(np.full((820, 666), 255, dtype=np.uint8))


def test_crop_on_markers_finds_the_four_corner_targets() -> None:
    folder = SAMPLES / "sample5"
    marker = CropOnMarkers({"relativePath": "omr_marker.jpg", "sheetToMarkerWidthRatio": 17},
                           folder, WORK)
    assert marker.files_used() == (folder / "omr_marker.jpg",)
    work = _work(folder / "ScanBatch1" / "camscanner-1.jpg")
    centres = marker.find_centres(work.image)
    tl, tr, br, bl = centres
    assert tl[0] < WORK[0] / 4 and tl[1] < WORK[1] / 3
    assert tr[0] > 3 * WORK[0] / 4 and tr[1] < WORK[1] / 3
    assert br[0] > 3 * WORK[0] / 4 and br[1] > 2 * WORK[1] / 3
    assert bl[0] < WORK[0] / 4 and bl[1] > 2 * WORK[1] / 3
    # the centres sit on dark marker ink
    assert all(work.image[int(y), int(x)] < 128 for x, y in centres)
    warped = marker.apply(work)
    assert warped.image.shape == work.image.shape
    with pytest.raises(SheetNotFoundError):
        marker.find_centres(np.full((820, 666), 255, dtype=np.uint8))
    with pytest.raises(ValueError):
        CropOnMarkers({"relativePath": "missing.jpg"}, folder, WORK)


def test_feature_based_alignment_reads_the_scans_against_the_reference() -> None:
    folder = SAMPLES / "sample6"
    config = load_config(folder / "config.json")
    template = load_template(folder / "template_fb_align.json")
    reader = SheetReader(template, config)
    aligner = next(p for p in reader.pre_processors if isinstance(p, FeatureBasedAlignment))
    reference = _work(folder / "reference.png", config.processing_size)
    identity = aligner.find_transform(reference.image)
    assert np.allclose(identity, np.eye(3), atol=0.02)
    expected = {"sample_roll_01.jpg": "A0188877Y", "sample_roll_02.jpg": "A0203959W",
                "sample_roll_03.jpg": "A0204729A"}
    for name, roll in expected.items():
        result = reader.read(folder / "doc-scans" / name)
        assert result.columns == {"Roll": roll}
        # after feature alignment the blocks need only a small snap
        assert all(abs(s.dx) <= 8 and abs(s.dy) <= 8 for s in result.shifts.values())


def test_unknown_pre_processor_is_a_template_error(tmp_path: Path) -> None:
    text = (SAMPLES / "sample2" / "template.json").read_text().replace('"CropPage"',
                                                                         '"Sharpen"')
    (tmp_path / "template.json").write_text(text)
    template = load_template(tmp_path / "template.json")
    with pytest.raises(Exception, match="unknown pre-processor 'Sharpen'"):
        SheetReader(template, OmrCheckerConfig())
