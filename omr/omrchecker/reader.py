"""Read an OMRChecker sheet with our engine and encode the answers OMRChecker's way.

The sheet is warped to `pageDimensions` (`preprocess.warp_to_page`), every bubble box of
the template is measured by `omr.bubble_fill` and every field decided by
`omr.mark_decision` against one baseline per sheet. Values are encoded as OMRChecker
writes them: the marked bubbles' values concatenated in template order ("AC" for a
double mark), the block's `emptyValue` for a blank field, custom labels concatenated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.errors import BadInputError
from core.i18n import LocalisedText
from core.settings import RecognitionThresholds
from omr.bubble_fill import BubbleBoxes, measure_bubbles
from omr.mark_decision import FieldReading, SheetBaseline, estimate_baseline, read_field
from omr.omrchecker.align import BlockShift, block_shifts
from omr.omrchecker.config import OmrCheckerConfig
from omr.omrchecker.preprocess import PreProcessor, build_pre_processors, warp_to_page
from omr.omrchecker.template import OmrTemplate

ELLIPSE_BUBBLES = True
"""Measure the ellipse inscribed in each bubble box (bubbles are printed round or rounded)."""


class UnreadableImageError(BadInputError):
    """An image file cannot be decoded."""

    def __init__(self, path: Path) -> None:
        super().__init__(LocalisedText(f"无法读取图片 {path}：文件损坏或不是图片。",
                                       f"The image {path} cannot be read: the file is damaged "
                                       "or not an image."), detail=f"unreadable image {path}")


@dataclass(frozen=True)
class SheetResult:
    """One sheet read: output columns (OMRChecker encoding) and every field's reading."""

    columns: dict[str, str]
    fields: dict[str, FieldReading]
    baseline: SheetBaseline
    shifts: Mapping[str, BlockShift]


def bubble_boxes(template: OmrTemplate, shifts: Mapping[str, BlockShift] | None = None
                 ) -> BubbleBoxes:
    """Every bubble of the template, in template order, as boxes in page pixels."""
    shifts = shifts or {}
    bubbles = [b for f in template.fields for b in f.bubbles]
    offsets = [shifts.get(f.block, BlockShift(0, 0, 0.0)) for f in template.fields
               for _ in f.bubbles]
    centres = np.array([(b.centre[0] + s.dx, b.centre[1] + s.dy)
                        for b, s in zip(bubbles, offsets, strict=True)],
                       dtype=np.float64).reshape(-1, 2)
    sizes = np.array([(b.width, b.height) for b in bubbles], dtype=np.float64).reshape(-1, 2)
    return BubbleBoxes(centres, sizes, ellipse=ELLIPSE_BUBBLES)


def read_page(page: np.ndarray, template: OmrTemplate,
              thresholds: RecognitionThresholds | None = None, align: bool = True
              ) -> SheetResult:
    """Read a sheet already warped to `pageDimensions` (grey, uint8).

    With `align`, each block is first snapped onto its printed bubbles (`align.py`).
    """
    thresholds = thresholds or RecognitionThresholds()
    shifts = block_shifts(page, template) if align else {}
    measures = measure_bubbles(page, bubble_boxes(template, shifts))
    baseline = estimate_baseline(measures.fill, thresholds, from_sheet=True)
    readings: dict[str, FieldReading] = {}
    values: dict[str, str] = {}
    start = 0
    for fld in template.fields:
        stop = start + len(fld.bubbles)
        # OMRChecker concatenates every marked bubble ("AC"), so multiple marks are kept
        reading = read_field(fld.values, measures.fill[start:stop], True, baseline,
                             solid=None)
        readings[fld.label] = reading
        values[fld.label] = "".join(reading.marked) if reading.marked else fld.empty_value
        start = stop
    return SheetResult(template.encode(values), readings, baseline, shifts)


class SheetReader:
    """Reads sheets of one template: pre-processors built once, then `read(path)`."""

    def __init__(self, template: OmrTemplate, config: OmrCheckerConfig,
                 thresholds: RecognitionThresholds | None = None) -> None:
        self.template = template
        self.config = config
        self.thresholds = thresholds or RecognitionThresholds()
        self.pre_processors: list[PreProcessor] = build_pre_processors(template, config)

    def files_used(self) -> set[Path]:
        """Marker and reference images the template uses (not sheets to read)."""
        return {p.resolve() for step in self.pre_processors for p in step.files_used()}

    def page_image(self, gray: np.ndarray) -> np.ndarray:
        """The sheet warped to the template's page size."""
        return warp_to_page(gray, self.pre_processors, self.config.processing_size,
                            self.template.page_size)

    def read_gray(self, gray: np.ndarray) -> SheetResult:
        """Read one grey photo or scan."""
        return read_page(self.page_image(gray), self.template, self.thresholds)

    def read(self, path: Path) -> SheetResult:
        """Read one image file; `UnreadableImageError` or `SheetNotFoundError` when it fails."""
        gray = load_gray(path)
        return self.read_gray(gray)


def load_gray(path: Path) -> np.ndarray:
    """Decode an image file to grey (any path, also non-ASCII); `UnreadableImageError`."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise UnreadableImageError(path) from exc
    gray = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if gray is None or gray.size == 0:
        raise UnreadableImageError(path)
    return gray
