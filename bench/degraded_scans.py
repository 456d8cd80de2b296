"""The degraded-scan generator: printed sheet + marked answers + scanner damage, truth attached.

`render_blank_pages` rasterises the sheet's PDF with pdftoppm (as a printer and scanner
would see it) once per dpi; `make_scan` paints one student's marks on a copy, damages it
by a named condition and returns the encoded image with the truth of every field.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from bench.mark_painting import PaintedField, paint_page
from bench.scan_degradation import Degradation, apply_degradation, degradation_for
from omr.layout import AnswerSheetLayout


@dataclass(frozen=True, slots=True)
class GeneratedScan:
    """One damaged scan and what is really on it."""

    image: bytes
    page: int
    dpi: int
    condition: str
    degradation: Degradation
    fields: tuple[PaintedField, ...]

    @property
    def truth(self) -> dict[str, str]:
        """Field name → the value a careful person reads."""
        return {field.name: field.truth for field in self.fields}


def render_blank_pages(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Every page of `pdf` as an 8-bit gray array at `dpi`, rendered by pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "page"
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-png", str(pdf), str(prefix)],
                       check=True, capture_output=True)
        files = sorted(Path(folder).glob("page*.png"))
        return [cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) for path in files]


def make_scan(layout: AnswerSheetLayout, blank_pages: list[np.ndarray], page: int, dpi: int,
              condition: str, rng: np.random.Generator,
              answers: dict[str, tuple[str, ...]] | None = None) -> GeneratedScan:
    """Mark a copy of `page`, damage it by `condition` and return it with its truth."""
    canvas = blank_pages[page - 1].copy()
    painted = paint_page(canvas, layout.page(page), dpi, rng, answers)
    degradation = degradation_for(condition, rng)
    image = apply_degradation(canvas, degradation, rng)
    return GeneratedScan(image, page, dpi, condition, degradation, tuple(painted))
