"""What a page result keeps for the pipeline: its record, blank pages, review crops, thumbnail."""

import json

import numpy as np

from core.settings import RecognitionThresholds
from omr.page_recognition import recognise_page
from omr.page_result import PageResult, PageStatus
from tests.omr.synthetic_pages import Mark, paint_page, random_marks, sample_layout

SETTINGS = RecognitionThresholds()
LAYOUT = sample_layout()


def _flagged_page() -> PageResult:
    marks, _ = random_marks(LAYOUT, 12)
    marks["q3"] = [Mark("A"), Mark("C")]
    return recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)


def test_record_round_trips_as_strict_json() -> None:
    result = _flagged_page()
    text = json.dumps(result.to_record(), allow_nan=False, ensure_ascii=False)
    again = PageResult.from_record(json.loads(text))
    assert again.status == result.status and again.reasons == result.reasons
    assert (again.exam_id, again.page, again.student_number) == (
        result.exam_id, result.page, result.student_number)
    assert [(f.name, f.value, f.flags, f.needs_review) for f in again.fields] == [
        (f.name, f.value, f.flags, f.needs_review) for f in result.fields]
    assert [f.confidence for f in again.fields] == [
        round(f.confidence, 4) for f in result.fields]


def test_fields_to_review_come_with_a_crop_and_the_page_with_a_thumbnail() -> None:
    result = _flagged_page()
    assert result.status == PageStatus.FLAGGED
    assert set(result.review_crops) == {f.name for f in result.review_fields} >= {"q3"}
    crop = result.review_crops["q3"]
    assert crop.ndim == 2 and crop.shape[1] > crop.shape[0] > 20
    assert result.thumbnail is not None and result.thumbnail.shape[1] == 400


def test_clean_page_has_no_thumbnail() -> None:
    marks, _ = random_marks(LAYOUT, 4)
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    assert result.status == PageStatus.OK
    assert result.thumbnail is None and result.review_crops == {}


def test_empty_back_side_is_blank_and_half_a_page_is_not() -> None:
    paper = np.random.default_rng(1).normal(245, 3, (2339, 1654)).clip(0, 255).astype(np.uint8)
    assert recognise_page(paper, [LAYOUT], SETTINGS).blank
    marks, _ = random_marks(LAYOUT, 5)
    half = paint_page(LAYOUT, marks)[:1100]
    result = recognise_page(half, [LAYOUT], SETTINGS)
    assert result.status == PageStatus.FLAGGED and not result.blank
