"""Finding a page's four corner anchors and the homography from layout mm to image pixels.

Anchors are solid black squares of known size. They are looked for on a small copy of
the page (≤ ~100 dpi): dark pixels (against the page's paper level) are opened with a
small round kernel (a square one would square off a round hole), which removes
handwriting, staples' thin lines and text strokes, and the blobs left are kept when
their size, squareness and solidity fit an anchor (a punched hole is round: it fills
only π/4 of its minimum-area rectangle and is refused). Then, for the page upright and
turned 180°, every combination of candidates near the four expected positions is fitted
with an affine map; the combination that best matches the layout's anchor quadrilateral
gives the homography. When no four fit (a corner torn off, stapled or covered), three
anchors whose triangle is the layout's (up to rotation and scale) give an affine map.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from omr.layout import PageLayout

SEARCH_DPI = 100.0
"""Largest resolution of the copy of the page anchors are searched on."""

SIZE_TOLERANCE = 0.3
"""Relative tolerance on an anchor's side (scale 90–110 %, blur, thresholding)."""

MIN_RECT_FILL = 0.86
"""Least share of its minimum-area rectangle a candidate fills (a disc fills 0.785)."""

MAX_ASPECT = 1.35
"""Largest ratio of the long to the short side of a candidate's rectangle."""

SEARCH_RADIUS = 0.22
"""How far from its expected place an anchor is looked for, as a share of the diagonal."""

MAX_FIT_ERROR_MM = 3.0
"""Largest RMS distance (mm) of the anchors from their affine fit for a usable page."""

MAX_SCALE_CHANGE = 0.2
"""Largest difference of the fitted scale from the one the image size suggests."""

MAX_ROTATION_DEG = 15.0
"""Largest rotation (skew) of the page accepted."""

MAX_THREE_ANCHOR_DEVIATION = 0.03
"""Largest departure from a similarity (rotation and scale) of a three-anchor fit."""

THREE_ANCHOR_ERROR_MM = 0.5
"""Nominal fit error of a three-anchor fit (it cannot be measured; four fit better)."""

UPRIGHT_PREFERENCE_MM = 0.1
"""Fit error (mm) the upright reading is preferred by when both orientations fit alike."""

CANDIDATES_PER_ANCHOR = 4
"""Candidates kept near each expected anchor position (nearest first)."""


@dataclass(frozen=True)
class AnchorCandidate:
    """A dark square found on the page: centre (x, y) and side, in full-image pixels."""

    x: float
    y: float
    side: float


@dataclass(frozen=True)
class AnchorFit:
    """How a page layout lies on the image.

    `homography` maps layout millimetres to full-image pixels; `rotation` is 0 or 180
    (the page was fed upside down); `error_mm` is the RMS distance of the four anchors
    from their best affine fit; `centres` are the anchors, in layout order (px);
    `anchors_found` is 3 when one anchor was missing (torn, stapled, covered) and its
    place was inferred from the other three (an affine map, `error_mm` then nominal).
    """

    homography: np.ndarray
    rotation: int
    error_mm: float
    scale: float
    centres: np.ndarray
    anchors_found: int = 4


@dataclass(frozen=True)
class SearchImage:
    """The page copy anchors are searched on and its scale (small px per full px)."""

    small: np.ndarray
    factor: float
    full_shape: tuple[int, int]


def search_image(gray: np.ndarray, page_mm: tuple[float, float]) -> SearchImage:
    """A copy of `gray` reduced by a whole factor to at most `SEARCH_DPI` (fast area mean)."""
    pixels_per_mm = estimated_pixels_per_mm(gray.shape, page_mm)
    step = max(1, int(pixels_per_mm * 25.4 / SEARCH_DPI + 0.7))
    if step == 1:
        return SearchImage(gray, 1.0, (int(gray.shape[0]), int(gray.shape[1])))
    size = (gray.shape[1] // step, gray.shape[0] // step)
    trimmed = gray[: size[1] * step, : size[0] * step]
    small = cv2.resize(trimmed, size, interpolation=cv2.INTER_AREA)
    return SearchImage(small, 1.0 / step, (int(gray.shape[0]), int(gray.shape[1])))


def estimated_pixels_per_mm(shape: tuple[int, ...], page_mm: tuple[float, float]) -> float:
    """Pixels per mm if the image shows the whole `page_mm` (width, height) page."""
    return float(np.sqrt(shape[0] * shape[1] / (page_mm[0] * page_mm[1])))


def find_candidates(search: SearchImage, anchor_side_px: float) -> list[AnchorCandidate]:
    """Dark, solid, square blobs about `anchor_side_px` (full-image px) on a side."""
    small = search.small
    side = anchor_side_px * search.factor
    sample = np.ascontiguousarray(small[::4, ::4])
    paper = float(np.percentile(sample, 90))
    level = min(paper * 0.5, float(cv2.threshold(sample, 0, 255, cv2.THRESH_OTSU)[0]))
    dark = (small < max(level, 1.0)).astype(np.uint8)
    kernel_side = max(3, round(side * 0.25)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kernel_side, kernel_side))
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    low, high = side * (1 - SIZE_TOLERANCE), side * (1 + SIZE_TOLERANCE)
    candidates = []
    for contour in contours:
        _, _, width, height = cv2.boundingRect(contour)
        if max(width, height) > high * 1.45 or min(width, height) < low * 0.9:
            continue
        found = _square_candidate(contour, low, high)
        if found is not None:
            x, y, found_side = found
            candidates.append(AnchorCandidate((x + 0.5) / search.factor - 0.5,
                                              (y + 0.5) / search.factor - 0.5,
                                              found_side / search.factor))
    return candidates


def _square_candidate(contour: np.ndarray, low: float,
                      high: float) -> tuple[float, float, float] | None:
    """Centre and side of the blob outlined by `contour` if it is a solid square, else None.

    Contour coordinates run through the outer pixels' centres, so the blob's own side is
    one pixel more than the polygon's.
    """
    moments = cv2.moments(contour)
    area = moments["m00"]
    if area <= 0:
        return None
    (_, _), (rect_w, rect_h), _ = cv2.minAreaRect(contour)
    if min(rect_w, rect_h) <= 0:
        return None
    if area / (rect_w * rect_h) < MIN_RECT_FILL:
        return None
    if max(rect_w, rect_h) / min(rect_w, rect_h) > MAX_ASPECT:
        return None
    side = float(np.sqrt(area)) + 1.0
    if not low <= side <= high:
        return None
    return moments["m10"] / area, moments["m01"] / area, side


def fit_page(candidates: list[AnchorCandidate], page: PageLayout,
             full_shape: tuple[int, int]) -> list[AnchorFit]:
    """Fits of `page` to the candidates, best first (upright and turned 180° considered)."""
    layout_points = np.array([(a.cx, a.cy) for a in page.anchors], dtype=np.float64)
    points = np.array([(c.x, c.y) for c in candidates], dtype=np.float64).reshape(-1, 2)
    pixels_per_mm = estimated_pixels_per_mm(full_shape, (page.width, page.height))
    fits = []
    for rotation in (0, 180):
        fit = _best_fit(points, layout_points, page, full_shape, pixels_per_mm, rotation)
        if fit is not None:
            fits.append(fit)
    return sorted(fits, key=lambda fit: fit.error_mm + UPRIGHT_PREFERENCE_MM * (fit.rotation != 0))


def _expected_positions(layout_points: np.ndarray, page: PageLayout,
                        full_shape: tuple[int, int], pixels_per_mm: float,
                        rotation: int) -> np.ndarray:
    """Where the anchors would be (px) if the page filled the image at `rotation`."""
    expected = layout_points * pixels_per_mm
    if rotation == 180:
        expected = np.array([full_shape[1], full_shape[0]], dtype=np.float64) - expected
    return expected


def _best_fit(points: np.ndarray, layout_points: np.ndarray, page: PageLayout,
              full_shape: tuple[int, int], pixels_per_mm: float,
              rotation: int) -> AnchorFit | None:
    """The best-fitting choice of one candidate per anchor for one orientation."""
    if len(points) < 3:
        return None
    expected = _expected_positions(layout_points, page, full_shape, pixels_per_mm, rotation)
    radius = SEARCH_RADIUS * np.hypot(page.width, page.height) * pixels_per_mm
    choices = []
    for position in expected:
        distance = np.hypot(*(points - position).T)
        near = np.flatnonzero(distance <= radius)
        choices.append(near[np.argsort(distance[near])][:CANDIDATES_PER_ANCHOR])
    best: AnchorFit | None = None
    for combo in itertools.product(*choices):
        if len(set(combo)) < 4:
            continue
        fit = _fit(layout_points, points[list(combo)], pixels_per_mm, rotation)
        if fit is not None and (best is None or fit.error_mm < best.error_mm):
            best = fit
    if best is None:
        best = _best_three(points, layout_points, choices, pixels_per_mm, rotation)
    return best


def _best_three(points: np.ndarray, layout_points: np.ndarray, choices: list[np.ndarray],
                pixels_per_mm: float, rotation: int) -> AnchorFit | None:
    """The best fit using three anchors when no four fit (one torn off or covered)."""
    best: tuple[float, AnchorFit] | None = None
    for missing in range(4):
        kept = [index for index in range(4) if index != missing]
        for combo in itertools.product(*(choices[index] for index in kept)):
            if len(set(combo)) < 3:
                continue
            found = _fit_three(layout_points, kept, points[list(combo)], pixels_per_mm,
                               rotation)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
    return None if best is None else best[1]


def _fit_three(layout_points: np.ndarray, kept: list[int], image_points: np.ndarray,
               pixels_per_mm: float, rotation: int) -> tuple[float, AnchorFit] | None:
    """The affine map through three anchors, if it is nearly a similarity (and plausible)."""
    affine = cv2.getAffineTransform(layout_points[kept].astype(np.float32),
                                    image_points.astype(np.float32)).astype(np.float64)
    linear = affine[:, :2]
    if np.linalg.det(linear) <= 0:
        return None
    scale = float(np.sqrt(np.linalg.det(linear)))
    if abs(scale / pixels_per_mm - 1) > MAX_SCALE_CHANGE:
        return None
    angle = np.arctan2(linear[1, 0], linear[0, 0])
    if abs((np.degrees(angle) - rotation + 180) % 360 - 180) > MAX_ROTATION_DEG:
        return None
    rotation_matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    deviation = float(np.abs(linear / scale - rotation_matrix).max())
    if deviation > MAX_THREE_ANCHOR_DEVIATION:
        return None
    homography = np.vstack([affine, [0.0, 0.0, 1.0]])
    centres = layout_points @ linear.T + affine[:, 2]
    fit = AnchorFit(homography, rotation, THREE_ANCHOR_ERROR_MM, scale, centres, 3)
    return deviation, fit


def _fit(layout_points: np.ndarray, image_points: np.ndarray, pixels_per_mm: float,
         rotation: int) -> AnchorFit | None:
    """An affine check of one assignment, then its homography; None when implausible."""
    design = np.hstack([layout_points, np.ones((4, 1))])
    affine, *_ = np.linalg.lstsq(design, image_points, rcond=None)
    linear = affine[:2].T
    scale = float(np.sqrt(abs(np.linalg.det(linear))))
    if scale <= 0 or abs(scale / pixels_per_mm - 1) > MAX_SCALE_CHANGE:
        return None
    if np.linalg.det(linear) < 0:
        return None
    angle = np.degrees(np.arctan2(linear[1, 0], linear[0, 0]))
    skew = (angle - rotation + 180) % 360 - 180
    if abs(skew) > MAX_ROTATION_DEG:
        return None
    residual = design @ affine - image_points
    error_mm = float(np.sqrt((residual ** 2).sum(axis=1).mean()) / scale)
    if error_mm > MAX_FIT_ERROR_MM:
        return None
    homography = cv2.getPerspectiveTransform(layout_points.astype(np.float32),
                                             image_points.astype(np.float32))
    return AnchorFit(homography, rotation, error_mm, scale, image_points.copy())


def locate_page(gray: np.ndarray, page: PageLayout) -> list[AnchorFit]:
    """Fits of `page` on the full grey image `gray`, best first (empty when none fits)."""
    search = search_image(gray, (page.width, page.height))
    side_mm = float(np.median([anchor.size for anchor in page.anchors]))
    pixels_per_mm = estimated_pixels_per_mm(gray.shape, (page.width, page.height))
    candidates = find_candidates(search, side_mm * pixels_per_mm)
    return fit_page(candidates, page, search.full_shape)


def map_points(homography: np.ndarray, points_mm: np.ndarray) -> np.ndarray:
    """Layout points (N, 2) in mm mapped to image pixels through `homography`."""
    points = np.asarray(points_mm, dtype=np.float64).reshape(-1, 1, 2)
    if len(points) == 0:
        return np.zeros((0, 2))
    return cv2.perspectiveTransform(points, homography).reshape(-1, 2)
