"""OMRChecker's pre-processors, re-implemented: find the sheet in a photo or scan, warp it.

As in OMRChecker, the photo is first resized to the config's processing size and the
pre-processors run on that small "work" image in template order, so their pixel options
keep their meaning. Unlike OMRChecker, the geometry found there is kept as one 3×3 matrix
(photo pixels → work pixels) and the sheet is finally warped *from the full-resolution
photo* straight to `pageDimensions`, so bubbles are read at the best resolution available.
Pixel filters (Levels, blurs) run on the work image for the detectors and are replayed on
the final image (blur kernels scaled to the final resolution).

Pre-processors: CropPage, CropOnMarkers, FeatureBasedAlignment, GaussianBlur, MedianBlur,
Levels. A sheet whose page or markers cannot be found raises `SheetNotFoundError`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.errors import BadInputError
from core.i18n import LocalisedText
from omr.omrchecker.config import OmrCheckerConfig
from omr.omrchecker.template import OmrTemplate, PreProcessorSpec, TemplateError

MIN_PAGE_AREA_FRACTION = 0.12  # of the work image; OMRChecker: 80000 px of 666×820
MIN_MARKER_SCORE = 0.3
MARKER_SCALES = tuple(s / 100 for s in range(120, 30, -5))
MARKER_CANDIDATES = 3
SKEW_PENALTY = 2.0
"""Score lost per unit of |tl + br − tr − bl| / diagonal (0 for a parallelogram)."""


class SheetNotFoundError(BadInputError):
    """The page or its markers cannot be found in one image; that image cannot be read."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(LocalisedText(zh, en), detail=en)


@dataclass
class WorkImage:
    """The processing-size image the detectors see and the photo→work geometry so far."""

    image: np.ndarray
    to_work: np.ndarray
    pixel_filters: list[Callable[[np.ndarray, float], np.ndarray]] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the work image."""
        return self.image.shape[1], self.image.shape[0]


def _normalize(image: np.ndarray) -> np.ndarray:
    return cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    sums, diffs = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    ordered = np.array([pts[np.argmin(sums)], pts[np.argmin(diffs)], pts[np.argmax(sums)],
                        pts[np.argmax(diffs)]], dtype=np.float32)
    if len({tuple(p) for p in ordered.tolist()}) != 4:
        # degenerate (e.g. a diamond): order by angle around the centre instead
        centre = pts.mean(axis=0)
        angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
        ring = pts[np.argsort(angles)]  # clockwise on screen, starting near the left
        start = int(np.argmin(ring.sum(axis=1)))
        ordered = np.roll(ring, -start, axis=0)
    return ordered


def _warp_to_work(work: WorkImage, corners: np.ndarray) -> WorkImage:
    """Warp the quadrilateral `corners` (work pixels) onto the whole work rectangle."""
    width, height = work.size
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(order_corners(corners), target)
    image = cv2.warpPerspective(work.image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)
    return WorkImage(image, matrix @ work.to_work, work.pixel_filters)


class PreProcessor:
    """Base: `apply` turns one work image into the next."""

    name = ""

    def apply(self, work: WorkImage) -> WorkImage:
        """Run on one sheet."""
        raise NotImplementedError

    def files_used(self) -> tuple[Path, ...]:
        """Files this pre-processor reads (markers, references): not sheets to read."""
        return ()


class Levels(PreProcessor):
    """Map [low, high] (fractions of white) to black..white with a gamma; clip outside."""

    name = "Levels"

    def __init__(self, options: Mapping[str, Any]) -> None:
        low, high = float(options.get("low", 0.0)), float(options.get("high", 1.0))
        gamma = float(options.get("gamma", 1.0))
        if not 0 <= low < high <= 1 or gamma <= 0:
            raise ValueError("Levels needs 0 ≤ low < high ≤ 1 and gamma > 0")
        lo, hi = int(255 * low), int(255 * high)
        x = np.arange(256, dtype=np.float64)
        ramp = np.clip((x - lo) / max(hi - lo, 1), 0.0, 1.0) ** (1.0 / gamma)
        self.table = np.clip(ramp * 255.0, 0, 255).astype(np.uint8)

    def _pixels(self, image: np.ndarray, _scale: float) -> np.ndarray:
        return cv2.LUT(image, self.table)

    def apply(self, work: WorkImage) -> WorkImage:
        """Apply the lookup table."""
        return WorkImage(self._pixels(work.image, 1.0), work.to_work,
                         [*work.pixel_filters, self._pixels])


def _odd(value: float) -> int:
    k = max(1, round(value))
    return k if k % 2 else k + 1


class GaussianBlur(PreProcessor):
    """Gaussian blur with kSize [w, h] and sigmaX, as cv2.GaussianBlur."""

    name = "GaussianBlur"

    def __init__(self, options: Mapping[str, Any]) -> None:
        size = options.get("kSize", (3, 3))
        self.k = (int(size[0]), int(size[1]))
        if self.k[0] % 2 == 0 or self.k[1] % 2 == 0 or min(self.k) < 1:
            raise ValueError("GaussianBlur kSize must be two odd positive numbers")
        self.sigma = float(options.get("sigmaX", 0))

    def _pixels(self, image: np.ndarray, scale: float) -> np.ndarray:
        k = (_odd(self.k[0] * scale), _odd(self.k[1] * scale)) if scale != 1.0 else self.k
        return cv2.GaussianBlur(image, k, self.sigma * scale)

    def apply(self, work: WorkImage) -> WorkImage:
        """Blur."""
        return WorkImage(self._pixels(work.image, 1.0), work.to_work,
                         [*work.pixel_filters, self._pixels])


class MedianBlur(PreProcessor):
    """Median blur with an odd kSize."""

    name = "MedianBlur"

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.k = int(options.get("kSize", 5))
        if self.k % 2 == 0 or self.k < 1:
            raise ValueError("MedianBlur kSize must be an odd positive number")

    def _pixels(self, image: np.ndarray, scale: float) -> np.ndarray:
        return cv2.medianBlur(image, _odd(self.k * scale) if scale != 1.0 else self.k)

    def apply(self, work: WorkImage) -> WorkImage:
        """Blur."""
        return WorkImage(self._pixels(work.image, 1.0), work.to_work,
                         [*work.pixel_filters, self._pixels])


def _is_rectangle_like(approx: np.ndarray, max_cosine: float = 0.35) -> bool:
    if len(approx) != 4 or not cv2.isContourConvex(approx):
        return False
    pts = approx.reshape(4, 2).astype(np.float64)
    for i in range(4):
        a, b, c = pts[i - 1], pts[i], pts[(i + 1) % 4]
        u, v = a - b, c - b
        cosine = abs(float(u @ v)) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9)
        if cosine > max_cosine:
            return False
    return True


class CropPage(PreProcessor):
    """Find the paper's outline (the largest 4-cornered contour) and warp it to fill the image."""

    name = "CropPage"

    def __init__(self, options: Mapping[str, Any]) -> None:
        kernel = options.get("morphKernel", (10, 10))
        self.kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (int(kernel[0]), int(kernel[1])))

    def find_corners(self, image: np.ndarray) -> np.ndarray:
        """The page's four corners in `image`, or `SheetNotFoundError`."""
        img = _normalize(image)
        _, img = cv2.threshold(img, 200, 255, cv2.THRESH_TRUNC)
        img = _normalize(img)
        closed = cv2.morphologyEx(img, cv2.MORPH_CLOSE, self.kernel)
        edges = cv2.Canny(closed, 185, 55)
        contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        hulls = sorted((cv2.convexHull(c) for c in contours), key=cv2.contourArea,
                       reverse=True)[:5]
        min_area = MIN_PAGE_AREA_FRACTION * image.shape[0] * image.shape[1]
        for hull in hulls:
            if cv2.contourArea(hull) < min_area:
                break
            approx = cv2.approxPolyDP(hull, 0.025 * cv2.arcLength(hull, True), True)
            if _is_rectangle_like(approx):
                return approx.reshape(4, 2).astype(np.float32)
        raise SheetNotFoundError("找不到纸张边缘（CropPage）：请确认整张纸都在图中、与背景有反差。",
                                 "The paper's edges were not found (CropPage): make sure the "
                                 "whole sheet is in the picture against a contrasting background.")

    def apply(self, work: WorkImage) -> WorkImage:
        """Warp the page to fill the work image."""
        return _warp_to_work(work, self.find_corners(work.image))


class CropOnMarkers(PreProcessor):
    """Find the four corner markers (an image file) by multi-scale template matching; warp so
    their centres become the corners of the work image."""

    name = "CropOnMarkers"

    def __init__(self, options: Mapping[str, Any], directory: Path,
                 processing_size: tuple[int, int]) -> None:
        self.path = directory / str(options.get("relativePath", "omr_marker.jpg"))
        marker = cv2.imread(str(self.path), cv2.IMREAD_GRAYSCALE)
        if marker is None:
            raise ValueError(f"CropOnMarkers: marker image {self.path.name} is missing or "
                             "unreadable")
        ratio = options.get("sheetToMarkerWidthRatio")
        if ratio:
            width = max(8, round(processing_size[0] / float(ratio)))
            height = max(8, round(marker.shape[0] * width / marker.shape[1]))
            marker = cv2.resize(marker, (width, height), interpolation=cv2.INTER_AREA)
        self.marker = _normalize(cv2.GaussianBlur(marker, (5, 5), 0))
        self.min_score = float(options.get("min_matching_threshold", MIN_MARKER_SCORE))

    def files_used(self) -> tuple[Path, ...]:
        """The marker image."""
        return (self.path,)

    def _scaled(self, scale: float) -> np.ndarray:
        h, w = self.marker.shape
        size = (max(4, round(w * scale)), max(4, round(h * scale)))
        return cv2.resize(self.marker, size, interpolation=cv2.INTER_AREA)

    def find_centres(self, image: np.ndarray) -> np.ndarray:
        """Marker centres (tl, tr, br, bl) in `image`, or `SheetNotFoundError`.

        Each quarter of the image keeps its few best matches at every scale; the chosen
        four are the combination with the best total score less a penalty for not
        forming a parallelogram, so one look-alike (a logo's "o", a shaded marker) does
        not pull a corner away.
        """
        img = _normalize(cv2.GaussianBlur(image, (5, 5), 0))
        h, w = img.shape
        quads = [(0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2), (w // 2, h // 2, w, h),
                 (0, h // 2, w // 2, h)]
        best: tuple[float, np.ndarray | None] = (-np.inf, None)
        for scale in MARKER_SCALES:
            marker = self._scaled(scale)
            mh, mw = marker.shape
            if mh >= h // 2 or mw >= w // 2:
                continue
            candidates = []
            for x0, y0, x1, y1 in quads:
                result = cv2.matchTemplate(img[y0:y1, x0:x1], marker, cv2.TM_CCOEFF_NORMED)
                peaks = [(score, x0 + px + (mw - 1) / 2.0, y0 + py + (mh - 1) / 2.0)
                         for score, px, py in _peaks(result, (mw, mh), MARKER_CANDIDATES)
                         if score >= self.min_score]
                if not peaks:
                    break
                candidates.append(peaks)
            else:
                objective, centres = _best_quadrilateral(candidates)
                if objective > best[0]:
                    best = (objective, centres)
        if best[1] is None:
            raise SheetNotFoundError(
                "找不到四个角上的定位标记（CropOnMarkers）：请确认四个角都在图中、没有被遮挡。",
                "The four corner markers were not found (CropOnMarkers): make sure all four "
                "corners are in the picture and not covered.")
        return best[1]

    def apply(self, work: WorkImage) -> WorkImage:
        """Warp so the marker centres become the work image's corners."""
        return _warp_to_work(work, self.find_centres(work.image))


class FeatureBasedAlignment(PreProcessor):
    """Align to a reference image with ORB features (affine with "2d", else a homography)."""

    name = "FeatureBasedAlignment"

    def __init__(self, options: Mapping[str, Any], directory: Path,
                 processing_size: tuple[int, int]) -> None:
        if "reference" not in options:
            raise ValueError("FeatureBasedAlignment needs options.reference")
        self.path = directory / str(options["reference"])
        reference = cv2.imread(str(self.path), cv2.IMREAD_GRAYSCALE)
        if reference is None:
            raise ValueError(f"FeatureBasedAlignment: reference image {self.path.name} is "
                             "missing or unreadable")
        self.reference = cv2.resize(reference, processing_size, interpolation=cv2.INTER_AREA)
        self.good_fraction = float(options.get("goodMatchPercent", 0.10))
        self.affine = bool(options.get("2d", True))
        self.orb = cv2.ORB_create(int(options.get("maxFeatures", 500)))
        self.ref_keys, self.ref_desc = self.orb.detectAndCompute(self.reference, None)
        self.matcher = cv2.BFMatcher(cv2.NORM_HAMMING)

    def files_used(self) -> tuple[Path, ...]:
        """The reference image."""
        return (self.path,)

    def find_transform(self, image: np.ndarray) -> np.ndarray:
        """3×3 matrix from `image` pixels to reference pixels, or `SheetNotFoundError`."""
        keys, desc = self.orb.detectAndCompute(_normalize(image), None)
        failure = SheetNotFoundError(
            "无法与参照图对齐（FeatureBasedAlignment）：特征点太少或不匹配。",
            "The sheet could not be aligned to the reference image (FeatureBasedAlignment): "
            "too few matching features.")
        if desc is None or self.ref_desc is None:
            raise failure
        matches = sorted(self.matcher.match(desc, self.ref_desc), key=lambda m: m.distance)
        matches = matches[:max(int(len(matches) * self.good_fraction), 8)]
        if len(matches) < 4:
            raise failure
        src = np.float32([keys[m.queryIdx].pt for m in matches])
        dst = np.float32([self.ref_keys[m.trainIdx].pt for m in matches])
        if self.affine:
            matrix, _ = cv2.estimateAffine2D(src, dst)
            if matrix is None:
                raise failure
            return np.vstack([matrix, [0.0, 0.0, 1.0]])
        matrix, _ = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
        if matrix is None:
            raise failure
        return matrix

    def apply(self, work: WorkImage) -> WorkImage:
        """Warp onto the reference's frame."""
        matrix = self.find_transform(work.image)
        width, height = self.reference.shape[1], self.reference.shape[0]
        image = cv2.warpPerspective(work.image, matrix, (width, height),
                                    borderMode=cv2.BORDER_REPLICATE)
        return WorkImage(image, matrix @ work.to_work, work.pixel_filters)


def _peaks(result: np.ndarray, size: tuple[int, int], count: int
           ) -> list[tuple[float, int, int]]:
    """Up to `count` best match positions, each at least a marker's size from the others."""
    result = result.copy()
    peaks = []
    for _ in range(count):
        _, score, _, (px, py) = cv2.minMaxLoc(result)
        if not np.isfinite(score) or score <= -1:
            break
        peaks.append((float(score), px, py))
        mw, mh = size
        result[max(0, py - mh):py + mh + 1, max(0, px - mw):px + mw + 1] = -1.0
    return peaks


def _best_quadrilateral(candidates: list[list[tuple[float, float, float]]]
                        ) -> tuple[float, np.ndarray]:
    """The (tl, tr, br, bl) pick with the best score sum less a parallelogram penalty."""
    best: tuple[float, np.ndarray] = (-np.inf, np.zeros((4, 2), np.float32))
    for tl, tr, br, bl in itertools.product(*candidates):
        pts = np.array([p[1:] for p in (tl, tr, br, bl)], dtype=np.float64)
        diagonal = (np.linalg.norm(pts[2] - pts[0]) + np.linalg.norm(pts[3] - pts[1])) / 2
        if diagonal < 1:
            continue
        skew = np.linalg.norm(pts[0] + pts[2] - pts[1] - pts[3]) / diagonal
        objective = tl[0] + tr[0] + br[0] + bl[0] - SKEW_PENALTY * skew
        if objective > best[0]:
            best = (objective, pts.astype(np.float32))
    return best


_SIMPLE: dict[str, Callable[[Mapping[str, Any]], PreProcessor]] = {
    "Levels": Levels, "GaussianBlur": GaussianBlur, "MedianBlur": MedianBlur,
    "CropPage": CropPage,
}
_WITH_FILES = {"CropOnMarkers": CropOnMarkers, "FeatureBasedAlignment": FeatureBasedAlignment}
KNOWN_PRE_PROCESSORS = tuple(_SIMPLE) + tuple(_WITH_FILES)


def build_pre_processor(spec: PreProcessorSpec, directory: Path,
                        processing_size: tuple[int, int]) -> PreProcessor:
    """One pre-processor from its template entry; ValueError when the entry is unusable."""
    if spec.name in _SIMPLE:
        return _SIMPLE[spec.name](spec.options)
    if spec.name in _WITH_FILES:
        return _WITH_FILES[spec.name](spec.options, directory, processing_size)
    raise ValueError(f"unknown pre-processor {spec.name!r} (known: "
                     f"{', '.join(KNOWN_PRE_PROCESSORS)})")


def build_pre_processors(template: OmrTemplate, config: OmrCheckerConfig
                         ) -> list[PreProcessor]:
    """The template's pre-processors, ready to run; `TemplateError` when one is unusable."""
    out = []
    for spec in template.pre_processors:
        try:
            out.append(build_pre_processor(spec, template.directory, config.processing_size))
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise TemplateError(template.path, f"预处理 {spec.name}：{exc}",
                                f"pre-processor {spec.name}: {exc}") from exc
    return out


def warp_to_page(gray: np.ndarray, pre_processors: Sequence[PreProcessor],
                 processing_size: tuple[int, int], page_size: tuple[int, int]) -> np.ndarray:
    """Run the pre-processors on `gray` (a photo or scan) and return the sheet at page size."""
    if gray.ndim != 2:
        raise ValueError("warp_to_page expects a grayscale image")
    pw, ph = processing_size
    h, w = gray.shape
    kx, ky = pw / w, ph / h
    to_work = np.array([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5], [0, 0, 1]])
    work = WorkImage(cv2.resize(gray, (pw, ph), interpolation=cv2.INTER_AREA), to_work)
    for step in pre_processors:
        work = step.apply(work)
    # pixel centres: x_page + 0.5 = (x_work + 0.5) * page/work
    sx, sy = page_size[0] / pw, page_size[1] / ph
    to_page = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1]])
    matrix = to_page @ work.to_work
    # smooth before shrinking so thin strokes are not lost to aliasing
    source = gray
    zoom = float(np.sqrt(abs(np.linalg.det(matrix[:2, :2]))))
    if zoom < 0.75:
        source = cv2.GaussianBlur(gray, (0, 0), 0.4 / zoom)
    page = cv2.warpPerspective(source, matrix, page_size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    scale = float(np.sqrt(sx * sy))
    for pixel_filter in work.pixel_filters:
        page = pixel_filter(page, scale)
    return page
