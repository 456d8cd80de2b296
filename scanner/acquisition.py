"""What acquisition produces and is asked for: pages, scan options, devices, capabilities.

An acquired page carries **encoded bytes**, never a decoded array, so the page store
can hash exactly what it keeps: a scanner's pages are lossless PNG made from the
driver's pixels; a file's page is the file's own bytes when the file holds one page
(JPEG, PNG, single-page TIFF), else a lossless PNG of the page (PDF pages rendered at
the asked dpi, pages of a multi-page TIFF). A page that cannot be read keeps the raw
bytes it came from and says what is wrong in `problem`, so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

import cv2
import numpy as np

from core.i18n import LocalisedText

PNG = "image/png"
UNREADABLE = "application/octet-stream"
STANDARD_DPI = (75, 100, 150, 200, 240, 300, 400, 600, 1200)


class PageSide(enum.StrEnum):
    """Which side of a sheet a page shows, where the source knows it."""

    FRONT = "front"
    BACK = "back"


class ColourMode(enum.StrEnum):
    """How pages are captured: 8-bit gray (the default for answer sheets) or RGB colour."""

    GRAY = "gray"
    COLOUR = "colour"


@dataclass(frozen=True, slots=True)
class CapturedPage:
    """One page as a source delivers it, before the batch gives it a sequence number."""

    data: bytes
    media_type: str
    origin: str
    side: PageSide | None = None
    dpi: int | None = None
    problem: LocalisedText | None = None

    def numbered(self, sequence: int) -> AcquiredImage:
        """This page as the `sequence`-th image of its batch."""
        return AcquiredImage(
            sequence, self.data, self.media_type, self.origin, self.side, self.dpi, self.problem
        )


@dataclass(frozen=True, slots=True)
class AcquiredImage:
    """One page of a batch: sequence number (1-based, contiguous), encoded bytes, where from.

    `origin` names the device or the file (with `#page=N` for a page of a multi-page
    file). `problem` is set, and `media_type` is `application/octet-stream`, when the
    bytes could not be read as an image; `data` then holds the raw bytes, kept as they were.
    """

    sequence: int
    data: bytes
    media_type: str
    origin: str
    side: PageSide | None = None
    dpi: int | None = None
    problem: LocalisedText | None = None

    def decode(self) -> np.ndarray:
        """The page's pixels as OpenCV reads them (gray or BGR); ValueError if unreadable."""
        pixels = cv2.imdecode(np.frombuffer(self.data, np.uint8), cv2.IMREAD_UNCHANGED)
        if pixels is None:
            raise ValueError(f"{self.origin}: not a readable image")
        return pixels


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What a scanner batch is asked for. Sizes in millimetres; A4 portrait by default.

    `first_sequence` numbers the first page of the batch: a resumed batch passes the
    `last_sequence` of the interrupted one plus one (see `resumed_after`).
    `max_pages` stops the batch after that many pages (None: until the feeder is empty).
    """

    dpi: int = 200
    colour: ColourMode = ColourMode.GRAY
    use_feeder: bool = True
    duplex: bool = False
    page_width_mm: float = 210.0
    page_height_mm: float = 297.0
    max_pages: int | None = None
    first_sequence: int = 1
    skip_blank_pages: bool = False
    detect_double_feed: bool = True

    def resumed_after(self, last_sequence: int | None) -> ScanOptions:
        """The same options for a batch that continues after page `last_sequence`."""
        if last_sequence is None:
            return self
        return dataclasses.replace(self, first_sequence=last_sequence + 1)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A scanner a backend can see: `name` is what `capabilities` and `scan` take."""

    name: str
    vendor: str
    model: str
    kind: str


@dataclass(frozen=True, slots=True)
class ScannerCapabilities:
    """What a device offers: resolutions, colour modes, a feeder, two-sided scanning."""

    dpi_values: tuple[int, ...]
    colour_modes: tuple[ColourMode, ...]
    has_feeder: bool
    has_duplex: bool
    has_flatbed: bool


def standard_dpi_within(low: float, high: float) -> tuple[int, ...]:
    """The usual scanning resolutions inside a device's range of `low` to `high` dpi."""
    return tuple(dpi for dpi in STANDARD_DPI if low <= dpi <= high)
