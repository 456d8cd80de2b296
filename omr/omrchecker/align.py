"""Snap each field block onto the printed bubbles it describes (a small translation).

A scan or photo rarely lands exactly where the template says: the sheet shifts in the
scanner, the page crop is a few pixels off, the printer's margin moves. OMRChecker reads
a whole box mean, which tolerates that; our engine measures the inner part of a bubble,
so each block is first moved to where its bubbles really are. The block's bubbles are
drawn as filled ellipses on white and matched (normalised cross-correlation) against the
page's darkness in a window around the template position; printed outlines, letters in
bubbles and marks all lie inside those ellipses, paper between bubbles does not. The
search stays under half a bubble pitch, so a block can never slide onto its neighbour
row, and a block whose best match is weak keeps the template position.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from omr.omrchecker.template import FieldBlock, OmrTemplate

MAX_SHIFT_OF_PITCH = 0.45
"""Search radius as a fraction of the block's smallest bubble pitch."""

MAX_SHIFT_OF_BUBBLE = 0.75
"""Search radius as a fraction of the bubble size (bounds single-row blocks)."""

MIN_MATCH = 0.15
"""Best correlation below this leaves the block where the template put it."""

MIN_GAIN = 0.02
"""A shift is taken only when it beats the template position by this much correlation."""


@dataclass(frozen=True, slots=True)
class BlockShift:
    """How far a block was moved (page pixels) and how well it matched there."""

    dx: int
    dy: int
    score: float


def _search_radius(block: FieldBlock) -> int:
    pitches = [g for g in (block.bubbles_gap, block.labels_gap)
               if g > 0 and ((g == block.bubbles_gap and len(block.bubble_values) > 1)
                             or (g == block.labels_gap and len(block.fields) > 1))]
    size = min(block.bubble_size)
    radius = MAX_SHIFT_OF_BUBBLE * size
    if pitches:
        radius = min(radius, MAX_SHIFT_OF_PITCH * min(pitches))
    return max(1, int(radius))


def block_shift(darkness: np.ndarray, block: FieldBlock) -> BlockShift:
    """Best translation of one block on a darkness image (float32, ink high)."""
    bubbles = [b for f in block.fields for b in f.bubbles]
    x0 = int(np.floor(min(b.x for b in bubbles)))
    y0 = int(np.floor(min(b.y for b in bubbles)))
    x1 = int(np.ceil(max(b.x + b.width for b in bubbles)))
    y1 = int(np.ceil(max(b.y + b.height for b in bubbles)))
    pattern = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    for b in bubbles:
        centre = (round(b.x - x0 + b.width / 2), round(b.y - y0 + b.height / 2))
        axes = (max(1, round(b.width / 2)), max(1, round(b.height / 2)))
        cv2.ellipse(pattern, centre, axes, 0, 0, 360, 1.0, -1)
    r = _search_radius(block)
    height, width = darkness.shape
    top, left = y0 - r, x0 - r
    window = darkness[max(top, 0):min(y1 + r, height), max(left, 0):min(x1 + r, width)]
    window = cv2.copyMakeBorder(window, max(0, -top), max(0, y1 + r - height),
                                max(0, -left), max(0, x1 + r - width), cv2.BORDER_REPLICATE)
    if float(pattern.std()) == 0 or float(window.std()) == 0:
        return BlockShift(0, 0, 0.0)
    scores = cv2.matchTemplate(window, pattern, cv2.TM_CCOEFF_NORMED)
    scores = np.nan_to_num(scores, nan=-1.0)
    _, best, _, (bx, by) = cv2.minMaxLoc(scores)
    at_template = float(scores[r, r])
    if best < MIN_MATCH or best - at_template < MIN_GAIN:
        return BlockShift(0, 0, at_template)
    return BlockShift(bx - r, by - r, float(best))


def block_shifts(page: np.ndarray, template: OmrTemplate) -> dict[str, BlockShift]:
    """The shift of every block of `template` on `page` (grey, at page size)."""
    darkness = cv2.GaussianBlur(255.0 - page.astype(np.float32), (0, 0), 1.0)
    return {block.name: block_shift(darkness, block) for block in template.blocks}
