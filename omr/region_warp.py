"""Cutting an upright rectangle of the sheet out of a scanned page, fast.

A region (answer box, barcode box, a field under review) is given in layout mm; the
page's homography maps layout to image. Scans from a feeder or flatbed are an affine
picture of the sheet to well under a pixel, so the cheaper affine warp is used whenever
the homography's perspective part moves no corner of the region by more than a tenth
of a pixel, and the full perspective warp otherwise (a photo taken at an angle).
"""

from __future__ import annotations

import cv2
import numpy as np

from omr.layout import Rect

PERSPECTIVE_TOLERANCE_PX = 0.1
"""Largest corner error accepted from warping affinely instead of in perspective."""


def warp_region(gray: np.ndarray, homography: np.ndarray, rect: Rect,
                pixels_per_mm: float) -> np.ndarray:
    """The layout rectangle `rect` (mm) cut out of `gray`, upright, at `pixels_per_mm`."""
    size = (max(1, round(rect.width * pixels_per_mm)), max(1, round(rect.height * pixels_per_mm)))
    to_crop = np.array([[pixels_per_mm, 0, -rect.x * pixels_per_mm],
                        [0, pixels_per_mm, -rect.y * pixels_per_mm], [0, 0, 1]])
    crop_to_image = homography @ np.linalg.inv(to_crop)
    crop_to_image = crop_to_image / crop_to_image[2, 2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    if _nearly_affine(crop_to_image, size):
        return cv2.warpAffine(gray, crop_to_image[:2], size, flags=flags, borderValue=255)
    return cv2.warpPerspective(gray, crop_to_image, size, flags=flags, borderValue=255)


def _nearly_affine(matrix: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether dropping the perspective row moves no crop corner by more than the tolerance."""
    corners = np.array([[0, 0, 1], [size[0], 0, 1], [0, size[1], 1], [size[0], size[1], 1]],
                       dtype=float)
    mapped = corners @ matrix.T
    exact = mapped[:, :2] / mapped[:, 2:3]
    affine = corners @ matrix[:2].T
    return float(np.abs(exact - affine).max()) <= PERSPECTIVE_TOLERANCE_PX


__all__ = ["warp_region"]
