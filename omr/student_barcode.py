"""Reading the student-number sticker (条形码粘贴区) of an answer sheet with zxing-cpp.

Schools print Code 128 (sometimes Code 39 or QR) labels with each student's number and
stick them, roughly straight, in the sheet's barcode box. The box is cut out of the page
upright at scan resolution (never below 8 px/mm, so thin bars survive) with a margin for
a sticker placed a little outside, and every code found in it is decoded.
"""

from __future__ import annotations

import numpy as np
import zxingcpp

from omr.layout import Rect
from omr.region_warp import warp_region

STICKER_FORMATS = (zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.Code39,
                   zxingcpp.BarcodeFormat.QRCode)
"""Symbologies used on student-number stickers."""

MIN_PIXELS_PER_MM = 8.0
"""Resolution the box is read at, at least (a 0.25 mm bar is two pixels)."""

MARGIN_MM = 4.0
"""How far outside its box a sticker may reach and still be read."""


def read_sticker(gray: np.ndarray, homography: np.ndarray, rect: Rect) -> list[str]:
    """The texts of the codes found in `rect` (layout mm) of the page, in reading order."""
    pixels_per_mm = max(MIN_PIXELS_PER_MM, _scan_pixels_per_mm(homography))
    box = Rect(rect.x - MARGIN_MM, rect.y - MARGIN_MM, rect.width + 2 * MARGIN_MM,
               rect.height + 2 * MARGIN_MM)
    crop = warp_region(gray, homography, box, pixels_per_mm)
    found = zxingcpp.read_barcodes(crop, formats=STICKER_FORMATS, try_rotate=True)
    return [code.text.strip() for code in found if code.valid and code.text.strip()]


def _scan_pixels_per_mm(homography: np.ndarray) -> float:
    """Scan pixels per layout mm near the page centre, from the page's homography."""
    linear = homography[:2, :2] / homography[2, 2]
    return float(np.sqrt(abs(np.linalg.det(linear))))


__all__ = ["read_sticker"]
