import cv2
import numpy as np
import pytest

from core.settings import RecognitionThresholds
from omr.layout import FieldKind, RegionKind
from omr.mark_decision import MarkFlag
from omr.page_recognition import recognise_page
from omr.page_result import PageResult, PageStatus
from tests.omr.synthetic_pages import (
    Mark,
    add_noise,
    distort,
    jpeg,
    paint_page,
    photocopy,
    random_marks,
    sample_layout,
    student_number,
)

SETTINGS = RecognitionThresholds()
LAYOUT = sample_layout()


def _page(seed: int = 1, dpi: float = 200) -> tuple[np.ndarray, dict[str, str]]:
    marks, truth = random_marks(LAYOUT, seed)
    return paint_page(LAYOUT, marks, dpi=dpi, seed=seed), truth


def _assert_all_right(result: PageResult, truth: dict[str, str]) -> None:
    assert result.status == PageStatus.OK, [reason.en for reason in result.reasons]
    assert result.answers == truth
    assert result.student_number == student_number(truth)
    assert not result.absent


def _assert_right_or_flagged(result: PageResult, truth: dict[str, str]) -> None:
    """Never silently wrong: each field reads true or is marked for review."""
    assert result.status in (PageStatus.OK, PageStatus.FLAGGED)
    assert result.exam_id == LAYOUT.exam_id and result.page == 1
    assert {f.name for f in result.fields} == set(truth)
    wrong = [f.name for f in result.fields if f.value != truth[f.name] and not f.needs_review]
    assert wrong == []
    if result.student_number is not None:
        assert result.student_number == student_number(truth)
    else:
        assert result.status == PageStatus.FLAGGED
    if any(f.needs_review for f in result.fields):
        assert result.status == PageStatus.FLAGGED


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_page_reads_every_field_right(seed: int) -> None:
    image, truth = _page(seed)
    result = recognise_page(image, [LAYOUT], SETTINGS)
    _assert_all_right(result, truth)
    assert result.exam_id == 12 and result.layout_version == 3 and result.page == 1
    assert result.rotation == 0
    score = result.field("score.26")
    assert score.kind == FieldKind.SCORE_DIGIT and score.item == "26"


def test_score_bar_is_summed_per_item() -> None:
    marks, _ = random_marks(LAYOUT, 4)
    marks["s26.tens"] = [Mark("10")]
    marks["s26.ones"] = [Mark("3")]
    marks["s26.half"] = [Mark("0.5")]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    assert result.field("score.26").value == "13.5"
    marks["s26.tens"], marks["s26.half"] = [], []
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    assert result.field("score.26").value == "3"


@pytest.mark.parametrize(("name", "change"), [
    ("rotated +8°", lambda im: distort(im, angle=8)),
    ("rotated -8°", lambda im: distort(im, angle=-8)),
    ("scaled 0.92", lambda im: distort(im, scale=0.92)),
    ("scaled 1.08", lambda im: distort(im, scale=1.08)),
    ("shifted", lambda im: distort(im, shift=(-35, 50))),
    ("skewed and shifted", lambda im: distort(im, angle=3, scale=1.03, shift=(20, -25))),
    ("noise", lambda im: add_noise(im, 25)),
    ("jpeg q40", lambda im: jpeg(im, 40)),
    ("photocopy", lambda im: photocopy(im)),
    ("photocopy noise jpeg", lambda im: jpeg(add_noise(photocopy(distort(im, angle=2)), 12), 50)),
])
def test_distorted_page_reads_right_or_flags(name: str, change) -> None:
    image, truth = _page(5)
    result = recognise_page(change(image), [LAYOUT], SETTINGS)
    _assert_right_or_flagged(result, truth)
    reviewed = sum(f.needs_review for f in result.fields)
    assert reviewed <= 2, name  # distortion alone should not send the page to review


@pytest.mark.parametrize("dpi", [150, 300])
def test_other_resolutions_read_right(dpi: float) -> None:
    image, truth = _page(6, dpi=dpi)
    _assert_all_right(recognise_page(image, [LAYOUT], SETTINGS), truth)


def test_upside_down_page_reads_right_and_says_so() -> None:
    image, truth = _page(7)
    result = recognise_page(cv2.rotate(image, cv2.ROTATE_180), [LAYOUT], SETTINGS)
    _assert_all_right(result, truth)
    assert result.rotation == 180


def test_encoded_bytes_are_decoded() -> None:
    image, truth = _page(8)
    _assert_all_right(recognise_page(jpeg(image, 85), [LAYOUT], SETTINGS), truth)


def test_punched_hole_and_scribble_near_anchors_do_not_matter() -> None:
    image, truth = _page(9)
    px = 200 / 25.4
    cv2.circle(image, (round(22 * px), round(18 * px)), round(3.2 * px), 10, -1)  # hole
    cv2.circle(image, (round(10 * px), round(148 * px)), round(3.0 * px), 0, -1)  # hole
    rng = np.random.default_rng(0)
    points = (np.array([188, 272]) + rng.normal(0, 5, (25, 2))) * px
    cv2.polylines(image, [points.astype(np.int32)], False, 20, 3, cv2.LINE_AA)  # scribble
    cv2.rectangle(image, (round(190 * px), round(5 * px)), (round(209 * px), round(6 * px)),
                  30, -1)  # staple
    _assert_all_right(recognise_page(image, [LAYOUT], SETTINGS), truth)


def test_page_of_another_exam_is_flagged_not_guessed() -> None:
    marks, _ = random_marks(LAYOUT, 10)
    image = paint_page(LAYOUT, marks, qr_text=LAYOUT.qr_payload(1).encode().replace(
        "PTW:12:3", "PTW:99:1"))
    result = recognise_page(image, [LAYOUT], SETTINGS)
    assert result.status == PageStatus.FLAGGED
    assert result.exam_id == 99 and result.fields == []
    assert "another exam" in result.reasons[0].en and "另一场考试" in result.reasons[0].zh


def test_unreadable_qr_falls_back_to_anchors_but_flags() -> None:
    image, truth = _page(11)
    px = 200 / 25.4
    qr = LAYOUT.pages[0].qr
    cv2.rectangle(image, (round(qr.x * px), round(qr.y * px)),
                  (round((qr.x + qr.width) * px), round((qr.y + qr.height) * px)), 255, -1)
    cv2.line(image, (round(qr.x * px), round(qr.y * px)),
             (round((qr.x + 12) * px), round((qr.y + 12) * px)), 0, 15)
    result = recognise_page(image, [LAYOUT], SETTINGS)
    assert result.status == PageStatus.FLAGGED
    assert "QR" in result.reasons[0].en
    assert result.answers == truth


def test_multiple_marks_on_single_choice_are_flagged() -> None:
    marks, _ = random_marks(LAYOUT, 12)
    marks["q3"] = [Mark("A"), Mark("C")]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    q3 = result.field("q3")
    assert q3.value == "AC" and MarkFlag.MULTIPLE in q3.flags and q3.needs_review
    assert result.status == PageStatus.FLAGGED
    assert "q3" in result.reasons[-1].en


@pytest.mark.parametrize(("grey", "value", "review"), [
    (140, "B", False), (150, "B", False),  # half-dark or more among clean empties: a mark
    (165, None, True),                     # at the grey boundary: a person decides
    (180, "", False),                      # residue level: blank, the trace noted
])
def test_light_pencil_is_read_by_its_level(grey: int, value: str | None, review: bool) -> None:
    marks, _ = random_marks(LAYOUT, 13)
    marks["q4"] = [Mark("B", style="pencil", grey=grey)]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    q4 = result.field("q4")
    assert q4.needs_review == review
    if value is None:
        assert q4.value in ("", "B") and result.status == PageStatus.FLAGGED
    else:
        assert q4.value == value
        assert (MarkFlag.LIGHT if value else MarkFlag.TRACE) in q4.flags


def test_erasure_residue_is_noted_not_counted() -> None:
    marks, _ = random_marks(LAYOUT, 14)
    marks["q5"] = [Mark("A", style="residue", grey=200), Mark("D")]
    marks["q6"] = [Mark("C", style="residue", grey=200)]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    q5, q6 = result.field("q5"), result.field("q6")
    assert q5.value == "D" and MarkFlag.TRACE in q5.flags and not q5.needs_review
    assert q6.value == "" and MarkFlag.TRACE in q6.flags and not q6.needs_review


def test_pen_tick_counts_and_is_noted_light() -> None:
    marks, _ = random_marks(LAYOUT, 15)
    marks["q7"] = [Mark("C", style="tick", grey=20)]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    q7 = result.field("q7")
    assert q7.value == "C" and MarkFlag.LIGHT in q7.flags and not q7.needs_review


def test_unclear_student_number_is_none_and_flagged() -> None:
    marks, _ = random_marks(LAYOUT, 16)
    marks["id.3"] = []
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    assert result.student_number is None and result.status == PageStatus.FLAGGED
    assert any("student number" in reason.en for reason in result.reasons)


def test_absent_mark_is_read() -> None:
    marks, _ = random_marks(LAYOUT, 17)
    marks["absent"] = [Mark("1")]
    assert recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS).absent


def test_blank_answers_are_blank_not_review() -> None:
    marks, truth = random_marks(LAYOUT, 18)
    marks["q8"] = []
    truth["q8"] = ""
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    _assert_all_right(result, truth)
    assert MarkFlag.BLANK in result.field("q8").flags


def test_layout_is_chosen_by_qr_among_several() -> None:
    other = sample_layout(exam_id=40, version=1)
    marks, truth = random_marks(other, 19)
    result = recognise_page(paint_page(other, marks), [LAYOUT, other], SETTINGS)
    assert result.exam_id == 40
    _assert_all_right(result, truth)


def test_regions_are_cropped_upright_at_150_dpi() -> None:
    image, _ = _page(20)
    px = 200 / 25.4
    cv2.putText(image, "27", (round(20 * px), round(215 * px)), cv2.FONT_HERSHEY_SIMPLEX, 3,
                0, 8)
    result = recognise_page(cv2.rotate(image, cv2.ROTATE_180), [LAYOUT], SETTINGS)
    crops = {crop.name: crop for crop in result.crops}
    assert set(crops) == {"r26", "hid"}
    answer = crops["r26"]
    assert answer.kind == RegionKind.SUBJECTIVE and answer.item == "26"
    assert answer.image.shape == (round(70 * 150 / 25.4), round(180 * 150 / 25.4))
    ink = np.argwhere(answer.image < 100)
    assert ink[:, 0].mean() < answer.image.shape[0] / 2  # the text is near the top: upright
    assert ink[:, 1].mean() < answer.image.shape[1] / 2


def test_debug_image_shows_the_reading() -> None:
    image, _ = _page(21)
    result = recognise_page(image, [LAYOUT], SETTINGS, debug=True)
    assert result.debug_image is not None and result.debug_image.shape == (*image.shape, 3)
    green = np.all(result.debug_image == (0, 170, 0), axis=2)
    assert green.sum() > 1000


def test_crossed_out_answer_is_erased_when_crosses_mean_erased() -> None:
    marks, _ = random_marks(LAYOUT, 22)
    marks["q9"] = [Mark("A"), Mark("A", style="cross", grey=20), Mark("C")]
    marks["q10"] = [Mark("B", style="cross", grey=30)]
    marks["q21"] = [Mark("A"), Mark("B"), Mark("B", style="cross", grey=20)]
    image = paint_page(LAYOUT, marks)
    result = recognise_page(image, [LAYOUT], SETTINGS)
    q9, q10, q21 = (result.field(name) for name in ("q9", "q10", "q21"))
    assert q9.value == "C" and MarkFlag.ERASED in q9.flags and q9.needs_review
    assert q10.value == "" and MarkFlag.ERASED in q10.flags and q10.needs_review
    assert q21.value == "A" and MarkFlag.ERASED in q21.flags
    literal = recognise_page(image, [LAYOUT], SETTINGS.model_copy(
        update={"cross_means_erased": False}))
    assert literal.field("q9").value == "AC" and literal.field("q9").needs_review
    assert literal.field("q21").value == "AB"


def test_cross_detection_survives_a_poor_copy() -> None:
    marks, truth = random_marks(LAYOUT, 23)
    marks["q11"] = [Mark("D"), Mark("D", style="cross", grey=20), Mark("B")]
    truth["q11"] = "B"
    image = jpeg(add_noise(photocopy(distort(paint_page(LAYOUT, marks), angle=-3)), 12), 50)
    result = recognise_page(image, [LAYOUT], SETTINGS)
    assert result.field("q11").value == "B" and MarkFlag.ERASED in result.field("q11").flags
    _assert_right_or_flagged(result, truth)


def test_student_number_printed_in_the_qr_is_used_and_checked() -> None:
    marks, truth = random_marks(LAYOUT, 24)
    printed = LAYOUT.qr_payload(1, "D70101").encode()
    for digit in range(1, 9):
        marks[f"id.{digit}"] = []
    result = recognise_page(paint_page(LAYOUT, marks, qr_text=printed), [LAYOUT], SETTINGS)
    assert result.student_number == "D70101" and result.status == PageStatus.OK
    marks, truth = random_marks(LAYOUT, 24)
    result = recognise_page(paint_page(LAYOUT, marks, qr_text=printed), [LAYOUT], SETTINGS)
    assert result.student_number is None and result.status == PageStatus.FLAGGED
    assert any("differs" in reason.en for reason in result.reasons)
    matching = LAYOUT.qr_payload(1, student_number(truth)).encode()
    result = recognise_page(paint_page(LAYOUT, marks, qr_text=matching), [LAYOUT], SETTINGS)
    assert result.student_number == student_number(truth) and result.status == PageStatus.OK


def test_score_group_with_two_marks_gives_no_score_and_is_flagged() -> None:
    marks, _ = random_marks(LAYOUT, 25)
    marks["s26.ones"] = [Mark("3"), Mark("7")]
    result = recognise_page(paint_page(LAYOUT, marks), [LAYOUT], SETTINGS)
    score = result.field("score.26")
    assert score.value == "" and MarkFlag.MULTIPLE in score.flags and score.needs_review
    assert result.status == PageStatus.FLAGGED


def test_round_blob_of_anchor_size_is_not_an_anchor_candidate() -> None:
    from omr.anchors import find_candidates, search_image

    image = np.full((2339, 1654), 250, np.uint8)
    side = round(6 * 200 / 25.4)
    cv2.rectangle(image, (300, 300), (300 + side - 1, 300 + side - 1), 0, -1)
    cv2.circle(image, (900, 330), round(side * 0.564), 0, -1)  # a disc of the same area
    cv2.circle(image, (1300, 330), round(side * 0.7), 0, -1)  # a punched hole
    cv2.rectangle(image, (300, 900), (300 + 3 * side, 900 + side), 0, -1)  # a long bar
    candidates = find_candidates(search_image(image, (210, 297)), side)
    assert len(candidates) == 1
    centre = 300 + (side - 1) / 2
    assert abs(candidates[0].x - centre) < 1.5 and abs(candidates[0].y - centre) < 1.5
    assert abs(candidates[0].side - side) < 0.15 * side


@pytest.mark.parametrize("corner", ["torn", "sticker"])
def test_one_lost_anchor_is_inferred_from_the_other_three(corner: str) -> None:
    image, truth = _page(26)
    px = 200 / 25.4
    if corner == "torn":
        triangle = np.array([(0, 0), (round(30 * px), 0), (0, round(30 * px))], np.int32)
        cv2.fillPoly(image, [triangle], 255)
    else:
        cv2.rectangle(image, (round(195 * px), round(280 * px)),
                      (round(209 * px), round(296 * px)), 40, -1)
    _assert_all_right(recognise_page(distort(image, angle=2), [LAYOUT], SETTINGS), truth)


def test_printed_sheet_from_the_pdf_renderer_reads_back(tmp_path) -> None:
    """Contract with omr.sheet_design/sheet_pdf: their printed sheet is what we read."""
    import shutil
    import subprocess

    from core.enums import ItemType
    from omr.sheet_design import ItemSpec, SheetSpec, design_sheet
    from omr.sheet_pdf import render_sheet_pdf
    from tests.omr.synthetic_pages import mark_bubble

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    items = [ItemSpec(str(i), ItemType.SINGLE_CHOICE, 4) for i in range(1, 31)]
    items += [ItemSpec(str(i), ItemType.MULTIPLE_CHOICE, 4) for i in range(31, 36)]
    items += [ItemSpec(str(i), ItemType.TRUE_FALSE) for i in range(36, 41)]
    items += [ItemSpec("41", ItemType.SUBJECTIVE, points=12)]
    layout = design_sheet(SheetSpec(5, 2, "期中考试 数学", items=items))
    render_sheet_pdf(layout, tmp_path / "sheet.pdf")
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True)
    image = cv2.imread(str(next(tmp_path.glob("page*.png"))), cv2.IMREAD_GRAYSCALE)
    rng = np.random.default_rng(0)
    truth = {}
    for field in layout.pages[0].fields:
        if field.kind in (FieldKind.SCORE_DIGIT, FieldKind.ABSENT, FieldKind.OPTIONAL_SELECTOR):
            continue
        count = int(rng.integers(1, 3)) if field.kind == FieldKind.MULTIPLE_CHOICE else 1
        chosen = sorted(rng.choice(len(field.values), count, replace=False).tolist())
        for index in chosen:
            mark_bubble(image, 200, field.bubbles[index], Mark(field.values[index]), rng)
        truth[field.name] = "".join(field.values[index] for index in chosen)
    upside_down_jpeg = jpeg(cv2.rotate(image, cv2.ROTATE_180), 70)
    for scan in (image, upside_down_jpeg):
        result = recognise_page(scan, [layout], SETTINGS)
        assert result.status == PageStatus.OK, [reason.en for reason in result.reasons]
        assert {name: result.field(name).value for name in truth} == truth
