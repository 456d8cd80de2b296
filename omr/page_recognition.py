"""Recognising one scanned page: align, identify (QR), read every bubble, crop regions.

`recognise_page` never raises: a file that cannot be decoded is REJECTED, a page that
cannot be aligned or identified, or has marks a person must check, is FLAGGED with
reasons in Chinese and English, and a clean page is OK. Anchors are found on a small
copy of the page; bubbles are measured on the full image, only inside their windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from core.i18n import LocalisedText
from core.settings import RecognitionThresholds
from omr.anchors import (
    AnchorFit,
    SearchImage,
    estimated_pixels_per_mm,
    find_candidates,
    fit_page,
    map_points,
    search_image,
)
from omr.bubble_fill import BubbleBoxes, measure_bubbles, score_crosses
from omr.feeder_streaks import remove_streaks
from omr.layout import AnswerSheetLayout, BubbleField, FieldKind, PageLayout, Rect, RegionKind
from omr.mark_decision import (
    FieldReading,
    MarkFlag,
    crossing_floor,
    estimate_baseline,
    needs_review,
    read_fields,
)
from omr.page_image import (
    NOT_AN_IMAGE,
    ImageRejection,
    is_blank_page,
    load_page_image,
    page_thumbnail,
    size_rejection,
    to_gray8,
)
from omr.page_qr import QrReading, read_qr_anywhere, read_qr_region
from omr.page_result import FieldResult, PageResult, PageStatus, RegionCrop
from omr.region_warp import warp_region
from omr.student_barcode import read_sticker
from omr.student_identity import identify_student

CROP_PIXELS_PER_MM = 150 / 25.4
"""Resolution of the region crops handed to marking and OCR (150 dpi)."""

CROPPED_KINDS = frozenset({RegionKind.SUBJECTIVE, RegionKind.FILL_BLANK, RegionKind.BARCODE,
                           RegionKind.HANDWRITTEN_ID})
"""Regions cut out of the page as images."""

TRUSTED_FIT_ERROR_MM = 1.0
"""Anchors further than this (RMS, mm) from a rigid fit make the page's alignment doubtful."""

MULTIPLE_KINDS = frozenset({FieldKind.MULTIPLE_CHOICE})
"""Field kinds where several marked bubbles are a normal answer."""

NO_LAYOUTS = LocalisedText("没有可用的答题卡版式，无法识别。请先为考试生成答题卡。",
                           "No answer-sheet layout was given, so nothing can be read. "
                           "Create the exam's answer sheet first.")
NO_ANCHORS = LocalisedText(
    "找不到页面四角的定位块：可能是空白页、残缺页、非本系统答题卡或扫描质量太差。请检查原卷后重新扫描。",
    "The four corner anchors were not found: a blank, torn or foreign page, or a poor scan. "
    "Check the paper and scan it again.")
QR_UNREADABLE = LocalisedText(
    "页面二维码无法读取，已按定位块推断为《{title}》第 {page} 页，请核对。",
    "The page QR code could not be read; by its anchors this looks like page {page} of "
    "“{title}”. Please check.")
QR_FOREIGN = LocalisedText(
    "页面二维码不是本系统的答题卡编码（“{text}”），请核对是否为本次考试的答题卡。",
    "The page QR code is not one of our answer-sheet codes (“{text}”); check that this is "
    "an answer sheet of this exam.")
OTHER_EXAM = LocalisedText(
    "这是另一场考试（或另一版答题卡）的页面：考试 {exam}、版本 {version}、第 {page} 页。未作识别。",
    "This page belongs to another exam or sheet version: exam {exam}, version {version}, "
    "page {page}. It was not read.")
UNKNOWN_PAGE = LocalisedText(
    "二维码所示页码 {page} 不在该答题卡版式中，请核对。",
    "The QR code names page {page}, which this answer sheet does not have. Please check.")
PAGE_NOT_ALIGNED = LocalisedText(
    "二维码显示为考试 {exam} 第 {page} 页，但定位块无法对齐，请重新扫描。",
    "The QR code says exam {exam} page {page}, but the anchors do not line up; "
    "scan the page again.")
ALIGNMENT_DOUBTFUL = LocalisedText(
    "定位块之间的位置偏差较大（{error} 毫米），页面可能变形或有污损，请核对识别结果。",
    "The corner anchors are {error} mm out of place relative to each other (a warped, "
    "stained or damaged page); check what was read.")
FIELDS_TO_REVIEW = LocalisedText("{count} 处填涂需要人工核对：{names}",
                                 "{count} marked field(s) need a person to check: {names}")
INTERNAL_ERROR = LocalisedText("识别该页时发生内部错误（{error}），页面已保留，"
                               "请重新识别或联系技术支持。",
                               "An internal error stopped this page being read ({error}); "
                               "the page is kept. Recognise it again or contact support.")


@dataclass(frozen=True)
class _Placement:
    """A page of a layout located on the image."""

    layout: AnswerSheetLayout
    page: PageLayout
    fit: AnchorFit


def recognise_page(image: np.ndarray | bytes, layouts: Sequence[AnswerSheetLayout],
                   settings: RecognitionThresholds, *, debug: bool = False) -> PageResult:
    """Read one page image (array or encoded bytes) against the exam layouts; never raises."""
    try:
        return _recognise(image, layouts, settings, debug)
    except Exception as exc:  # the page is kept and flagged; nothing may stop the batch
        error = f"{type(exc).__name__}: {exc}"
        return PageResult(PageStatus.REJECTED, [INTERNAL_ERROR.format(error=error)])


def _recognise(image: np.ndarray | bytes, layouts: Sequence[AnswerSheetLayout],
               settings: RecognitionThresholds, debug: bool) -> PageResult:
    gray = _gray(image)
    if isinstance(gray, ImageRejection):
        return PageResult(PageStatus.REJECTED, [gray.reason])
    if not layouts:
        return PageResult(PageStatus.REJECTED, [NO_LAYOUTS])
    result = _recognise_gray(gray, layouts, settings, debug)
    unidentified = result.student_number is None and any(
        field.kind is FieldKind.ID_DIGIT for field in result.fields)
    if result.status is not PageStatus.OK or unidentified:
        result.thumbnail = page_thumbnail(gray, result.rotation)
    return result


def _recognise_gray(gray: np.ndarray, layouts: Sequence[AnswerSheetLayout],
                    settings: RecognitionThresholds, debug: bool) -> PageResult:
    gray = remove_streaks(gray)
    fits = _FitCache(gray)
    first = _best_placement(layouts, fits)
    qr = _read_qr(gray, first, fits)
    if qr is not None and qr.payload is not None:
        return _read_identified(gray, qr, layouts, fits, settings, debug)
    if first is None:
        return _not_aligned(gray, qr, debug)
    reasons = [QR_FOREIGN.format(text=qr.text[:40]) if qr is not None else
               QR_UNREADABLE.format(title=first.layout.title, page=first.page.number)]
    placement = _orient_by_qr_ink(gray, first, fits)
    return _read_page(gray, placement, settings, reasons, debug)


def _gray(image: np.ndarray | bytes) -> np.ndarray | ImageRejection:
    """The page as 8-bit grey, decoding bytes; rejections for unusable input."""
    if isinstance(image, bytes | bytearray | memoryview):
        loaded = load_page_image(bytes(image))
        return loaded if isinstance(loaded, ImageRejection) else loaded.gray
    array = np.asarray(image)
    if array.ndim < 2:
        return ImageRejection(NOT_AN_IMAGE, f"array of shape {array.shape}")
    rejection = size_rejection(array.shape[1], array.shape[0])
    return rejection if rejection is not None else to_gray8(array)


class _FitCache:
    """Anchor fits of each page geometry on one image, computed once each."""

    def __init__(self, gray: np.ndarray) -> None:
        self.gray = gray
        self._searches: dict[tuple[float, float], SearchImage] = {}
        self._fits: dict[tuple[object, ...], list[AnchorFit]] = {}

    def fits(self, page: PageLayout) -> list[AnchorFit]:
        """Fits of `page` on the image, best first."""
        key = (page.width, page.height, page.anchors)
        if key not in self._fits:
            size = (page.width, page.height)
            if size not in self._searches:
                self._searches[size] = search_image(self.gray, size)
            side_mm = float(np.median([anchor.size for anchor in page.anchors]))
            pixels_per_mm = estimated_pixels_per_mm(self.gray.shape, size)
            candidates = find_candidates(self._searches[size], side_mm * pixels_per_mm)
            self._fits[key] = fit_page(candidates, page, self.gray.shape[:2])
        return self._fits[key]


def _best_placement(layouts: Sequence[AnswerSheetLayout],
                    fits: _FitCache) -> _Placement | None:
    """The layout page whose anchors fit best (first page first among equals)."""
    best: _Placement | None = None
    for layout in layouts:
        for page in layout.pages:
            page_fits = fits.fits(page)
            if page_fits and (best is None or page_fits[0].error_mm < best.fit.error_mm - 0.05):
                best = _Placement(layout, page, page_fits[0])
    return best


def _read_qr(gray: np.ndarray, placement: _Placement | None,
             fits: _FitCache) -> QrReading | None:
    """The page's QR: at its place under each orientation found, else anywhere on the page."""
    if placement is not None:
        for fit in fits.fits(placement.page):
            reading = read_qr_region(gray, fit.homography, placement.page.qr)
            if reading is not None:
                return reading
    return read_qr_anywhere(gray)


def _read_identified(gray: np.ndarray, qr: QrReading, layouts: Sequence[AnswerSheetLayout],
                     fits: _FitCache, settings: RecognitionThresholds,
                     debug: bool) -> PageResult:
    """Read a page whose QR names the exam, version and page."""
    payload = qr.payload
    assert payload is not None
    layout = next((candidate for candidate in layouts if candidate.exam_id == payload.exam_id
                   and candidate.version == payload.layout_version), None)
    identity = {"exam": payload.exam_id, "version": payload.layout_version,
                "page": payload.page}
    base = PageResult(PageStatus.FLAGGED, exam_id=payload.exam_id,
                      layout_version=payload.layout_version, page=payload.page)
    if layout is None:
        base.reasons.append(OTHER_EXAM.format(**identity))
        return _with_debug(base, gray, None, None, debug)
    try:
        page = layout.page(payload.page)
    except KeyError:
        base.reasons.append(UNKNOWN_PAGE.format(page=payload.page))
        return _with_debug(base, gray, None, None, debug)
    page_fits = fits.fits(page)
    if not page_fits:
        base.reasons.append(PAGE_NOT_ALIGNED.format(**identity))
        return _with_debug(base, gray, None, None, debug)
    fit = min(page_fits, key=lambda candidate: _qr_distance(candidate, page.qr, qr.centre))
    return _read_page(gray, _Placement(layout, page, fit), settings, [], debug,
                      printed_student=payload.student_number)


def _qr_distance(fit: AnchorFit, rect: Rect, centre: tuple[float, float]) -> float:
    """Distance (px) from where `fit` puts the QR rectangle's centre to where it was read."""
    mapped = map_points(fit.homography, np.array([rect.centre]))[0]
    return float(np.hypot(mapped[0] - centre[0], mapped[1] - centre[1]))


def _orient_by_qr_ink(gray: np.ndarray, placement: _Placement,
                      fits: _FitCache) -> _Placement:
    """Without a readable QR, the orientation whose QR rectangle holds the most ink."""
    candidates = fits.fits(placement.page)
    if len(candidates) < 2:
        return placement
    inks = [_region_ink(gray, fit.homography, placement.page.qr) for fit in candidates]
    return _Placement(placement.layout, placement.page, candidates[int(np.argmax(inks))])


def _region_ink(gray: np.ndarray, homography: np.ndarray, rect: Rect) -> float:
    """Share of dark pixels in a layout rectangle (mapped to the image)."""
    crop = warp_region(gray, homography, rect, 2.0)
    if crop.size == 0:
        return 0.0
    paper = float(np.percentile(crop, 95))
    return float(np.mean(crop < 0.5 * paper))


def _not_aligned(gray: np.ndarray, qr: QrReading | None, debug: bool) -> PageResult:
    """A page on which no layout could be aligned (blank, torn, foreign, poor scan)."""
    result = PageResult(PageStatus.FLAGGED, [NO_ANCHORS], blank=is_blank_page(gray))
    if qr is not None and qr.payload is None:
        result.reasons.append(QR_FOREIGN.format(text=qr.text[:40]))
    return _with_debug(result, gray, None, None, debug)


def _read_page(gray: np.ndarray, placement: _Placement, settings: RecognitionThresholds,
               reasons: list[LocalisedText], debug: bool,
               printed_student: str = "") -> PageResult:
    """Measure and read every field of the located page, crop its regions.

    `printed_student` is the student number the page's QR carries (pre-printed sheets).
    """
    page, fit = placement.page, placement.fit
    fields = page.fields
    boxes, owners = _bubble_boxes(page, fit.homography)
    measures = measure_bubbles(gray, boxes, cross_floor=None)
    baseline = estimate_baseline(measures.fill, settings)
    cross = (score_crosses(gray, boxes, measures, crossing_floor(baseline))
             if settings.cross_means_erased else None)
    readings = read_fields([field.values for field in fields], measures.fill,
                           [field.kind in MULTIPLE_KINDS for field in fields], baseline,
                           solid=measures.solid, cross=cross)
    results = _field_results(fields, readings, settings)
    if fit.error_mm > TRUSTED_FIT_ERROR_MM:
        reasons = [*reasons, ALIGNMENT_DOUBTFUL.format(error=f"{fit.error_mm:.1f}")]
    result = PageResult(PageStatus.OK, list(reasons), exam_id=placement.layout.exam_id,
                        layout_version=placement.layout.version, page=page.number,
                        fields=results, rotation=fit.rotation)
    stickers = [text for region in page.regions if region.kind is RegionKind.BARCODE
                for text in read_sticker(gray, fit.homography, region.rect)]
    identity = identify_student(fields, readings, settings, printed_student, stickers)
    result.student_number, result.absent = identity.number, identity.absent
    result.reasons += identity.reasons
    result.crops = _crops(gray, page, fit.homography)
    review = result.review_fields
    on_page = {field.name: field for field in page.fields}  # score sums are not fields
    result.review_crops = {field.name: warp_region(gray, fit.homography,
                                                    _field_box(on_page[field.name]),
                                                    CROP_PIXELS_PER_MM)
                           for field in review if field.name in on_page}
    if review:
        names = ", ".join(field.name for field in review[:12]) + ("…" if len(review) > 12 else "")
        result.reasons.append(FIELDS_TO_REVIEW.format(count=len(review), names=names))
    if result.reasons:
        result.status = PageStatus.FLAGGED
    if not debug:
        return result
    review = [needs_review(reading, settings, field.kind in MULTIPLE_KINDS)
              for field, reading in zip(fields, readings, strict=True)]
    return _with_debug(result, gray, fit, (boxes, measures, review, owners, baseline), debug)


def _bubble_boxes(page: PageLayout, homography: np.ndarray) -> tuple[BubbleBoxes, np.ndarray]:
    """Every bubble of the page in image px, and the index of the field owning each."""
    rows = [(bubble.cx, bubble.cy, bubble.r, index)
            for index, field in enumerate(page.fields) for bubble in field.bubbles]
    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    centres_mm, radii = table[:, :2], table[:, 2:3]
    points = np.vstack([centres_mm, centres_mm + radii * [1, 0], centres_mm + radii * [0, 1]])
    mapped = map_points(homography, points).reshape(3, -1, 2)
    width = 2 * np.hypot(*(mapped[1] - mapped[0]).T)
    height = 2 * np.hypot(*(mapped[2] - mapped[0]).T)
    boxes = BubbleBoxes(mapped[0], np.column_stack([width, height]), ellipse=True)
    return boxes, table[:, 3].astype(np.int64)


def _field_results(fields: Sequence[BubbleField], readings: Sequence[FieldReading],
                   settings: RecognitionThresholds) -> list[FieldResult]:
    """Field results in layout order, score digit groups summed into one result per item."""
    results: list[FieldResult] = []
    scores: dict[str, list[tuple[BubbleField, FieldReading]]] = {}
    for field, reading in zip(fields, readings, strict=True):
        if field.kind == FieldKind.SCORE_DIGIT:
            key = field.item or field.name
            if key not in scores:
                scores[key] = []
                results.append(_placeholder(key))
            scores[key].append((field, reading))
            continue
        multiple = field.kind in MULTIPLE_KINDS
        review = needs_review(reading, settings, multiple)
        results.append(FieldResult(field.name, field.item, field.kind, reading.value,
                                   reading.confidence, reading.flags, reading.fills, review))
    return [_score_result(result.item, scores[result.item], settings)
            if result.kind == FieldKind.SCORE_DIGIT and result.item in scores else result
            for result in results]


def _placeholder(item: str) -> FieldResult:
    """A stand-in keeping the score result's place in layout order."""
    return FieldResult(f"score.{item}", item, FieldKind.SCORE_DIGIT, "", 0.0, frozenset(), ())


def _score_result(item: str | None, groups: list[tuple[BubbleField, FieldReading]],
                  settings: RecognitionThresholds) -> FieldResult:
    """The item's points: the sum of its score digit groups' marked values ("7.5")."""
    flags: set[MarkFlag] = set()
    review = False
    total = 0.0
    any_marked = False
    for _, reading in groups:
        flags |= reading.flags - {MarkFlag.BLANK}
        review = review or needs_review(reading, settings, False)
        if len(reading.marked) == 1:
            total += float(reading.marked[0])
            any_marked = True
    if not any_marked:
        flags.add(MarkFlag.BLANK)
    value = _points_text(total) if any_marked and not review else ""
    fills = tuple(fill for _, reading in groups for fill in reading.fills)
    confidence = min(reading.confidence for _, reading in groups)
    return FieldResult(f"score.{item}", item, FieldKind.SCORE_DIGIT, value, confidence,
                       frozenset(flags), fills, review)


def _points_text(points: float) -> str:
    """Points as short text: 7.5 → "7.5", 8.0 → "8"."""
    return f"{points:.2f}".rstrip("0").rstrip(".")


def _field_box(field: BubbleField, margin: float = 3.0) -> Rect:
    """The rectangle around a field's bubbles, with `margin` mm to spare (for review crops)."""
    left = min(b.cx - b.r for b in field.bubbles) - margin
    top = min(b.cy - b.r for b in field.bubbles) - margin
    right = max(b.cx + b.r for b in field.bubbles) + margin
    bottom = max(b.cy + b.r for b in field.bubbles) + margin
    return Rect(left, top, right - left, bottom - top)


def _crops(gray: np.ndarray, page: PageLayout, homography: np.ndarray) -> list[RegionCrop]:
    """Upright 150-dpi images of the page's answer, barcode and written-ID regions."""
    return [RegionCrop(region.name, region.kind, region.item,
                       warp_region(gray, homography, region.rect, CROP_PIXELS_PER_MM))
            for region in page.regions if region.kind in CROPPED_KINDS]


def _with_debug(result: PageResult, gray: np.ndarray, fit: AnchorFit | None,
                marks: tuple | None, debug: bool) -> PageResult:
    """Attach the annotated image when `debug` is asked for."""
    if debug:
        result.debug_image = _debug_image(gray, fit, marks)
    return result


def _debug_image(gray: np.ndarray, fit: AnchorFit | None, marks: tuple | None) -> np.ndarray:
    """The page in colour with anchors (blue) and bubbles coloured by how they were read.

    Green: marked; grey: empty; orange: light/erased zone; red outline: field to review.
    """
    image = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if fit is None:
        return image
    for x, y in fit.centres:
        cv2.circle(image, (round(x), round(y)), 12, (255, 0, 0), 3)
    if marks is None:
        return image
    boxes, measures, review, owners, baseline = marks
    for (x, y), (w, h), fill, owner in zip(boxes.centres, boxes.sizes, measures.fill, owners,
                                          strict=True):
        if not np.isfinite(fill):
            continue
        colour = ((0, 170, 0) if fill >= baseline.threshold else
                  (0, 140, 255) if fill >= baseline.light else (160, 160, 160))
        centre, axes = (round(x), round(y)), (max(1, round(w / 2)), max(1, round(h / 2)))
        cv2.ellipse(image, centre, axes, 0, 0, 360, colour, 2)
        if review[owner]:
            cv2.ellipse(image, centre, (axes[0] + 4, axes[1] + 4), 0, 0, 360, (0, 0, 255), 2)
    return image
