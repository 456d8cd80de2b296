"""Reading a page's QR code: which exam, layout version and page this is.

The QR region of the layout is mapped through the page's homography and warped upright
(a small, fast image); when no code is found there, the whole page is searched on a
reduced copy, and where the code was found tells the caller how the page lies.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from omr.layout import QrPayload, Rect
from omr.region_warp import warp_region

QR_PIXELS_PER_MM = 8.0
"""Resolution the QR region is warped to before decoding."""

QUIET_ZONE_MM = 4.0
"""Margin added around the layout's QR rectangle when cutting it out."""

WHOLE_PAGE_LONG_SIDE = 2000
"""Long side (px) of the copy of the page searched when the QR is not where expected."""


@dataclass(frozen=True)
class QrReading:
    """A QR code found on the page: its text, our payload (None if foreign) and centre px."""

    text: str
    payload: QrPayload | None
    centre: tuple[float, float]


def read_qr_region(gray: np.ndarray, homography: np.ndarray, rect: Rect) -> QrReading | None:
    """The code in the layout's QR rectangle `rect` (mm) mapped by `homography`, if any."""
    margin = QUIET_ZONE_MM
    box = Rect(rect.x - margin, rect.y - margin, rect.width + 2 * margin,
               rect.height + 2 * margin)
    crop = warp_region(gray, homography, box, QR_PIXELS_PER_MM)
    readings = _decode(crop)
    if not readings:
        return None
    text, (x, y) = readings[0]
    centre_mm = np.array([[[box.x + x / QR_PIXELS_PER_MM, box.y + y / QR_PIXELS_PER_MM]]])
    centre = cv2.perspectiveTransform(centre_mm, homography)[0, 0]
    return QrReading(text, QrPayload.decode(text), (float(centre[0]), float(centre[1])))


def read_qr_anywhere(gray: np.ndarray) -> QrReading | None:
    """The first of our page codes (else any code) found on the whole page, if any."""
    factor = min(1.0, WHOLE_PAGE_LONG_SIDE / max(gray.shape[:2]))
    small = gray if factor >= 1.0 else cv2.resize(
        gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    readings = _decode(small)
    if not readings:
        return None
    readings.sort(key=lambda reading: QrPayload.decode(reading[0]) is None)
    text, (x, y) = readings[0]
    return QrReading(text, QrPayload.decode(text), (x / factor, y / factor))


def _decode(image: np.ndarray) -> list[tuple[str, tuple[float, float]]]:
    """Texts and centres (px) of the QR codes zxing-cpp finds in `image`."""
    results = zxingcpp.read_barcodes(np.ascontiguousarray(image),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    found = []
    for result in results:
        if not result.valid or not result.text:
            continue
        position = result.position
        corners = [position.top_left, position.top_right, position.bottom_right,
                   position.bottom_left]
        x = sum(point.x for point in corners) / 4
        y = sum(point.y for point in corners) / 4
        found.append((result.text, (float(x), float(y))))
    return found
