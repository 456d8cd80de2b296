"""Paints answer-sheet pages from a layout, with marks, for recognition tests.

`sample_layout` builds an A4 sheet by hand (anchors, QR, 8-digit ID grid, absent box, 20
single-choice and 5 multiple-choice questions, a score bar, answer regions);
`paint_page` draws a page of it at a given dpi with chosen marks (solid fills of a given
area, light pencil, ticks, crosses, erasure residue) and returns the grey image;
`distort` and friends imitate what scanners and photocopiers do to a page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import segno

from omr.layout import (
    Anchor,
    AnswerSheetLayout,
    Bubble,
    BubbleField,
    FieldKind,
    PageLayout,
    Paper,
    Rect,
    Region,
    RegionKind,
)

OUTLINE_GREY = 150
LETTER_GREY = 195
SHIFT_BITS = 4  # cv2 drawing with 1/16 px precision


def sample_layout(exam_id: int = 12, version: int = 3) -> AnswerSheetLayout:
    """An A4 sheet: anchors at the corners, QR, ID grid, 25 questions, a score bar."""
    anchors = (Anchor(10, 10, 6), Anchor(200, 10, 6), Anchor(10, 287, 6), Anchor(200, 287, 6))
    fields: list[BubbleField] = []
    for digit in range(8):
        bubbles = tuple(Bubble(str(d), 20 + 6 * digit, 42 + 5.2 * d, 1.9) for d in range(10))
        fields.append(BubbleField(f"id.{digit + 1}", FieldKind.ID_DIGIT, bubbles))
    fields.append(BubbleField("absent", FieldKind.ABSENT, (Bubble("1", 80, 42, 2.2),)))
    for number in range(1, 21):
        col, row = divmod(number - 1, 5)
        x0, y = 20 + col * 46, 105 + row * 6.5
        bubbles = tuple(Bubble(v, x0 + 10 + 7 * j, y, 2.2) for j, v in enumerate("ABCD"))
        fields.append(BubbleField(f"q{number}", FieldKind.SINGLE_CHOICE, bubbles, str(number)))
    for number in range(21, 26):
        y = 145 + (number - 21) * 6.5
        bubbles = tuple(Bubble(v, 30 + 7 * j, y, 2.2) for j, v in enumerate("ABCD"))
        fields.append(BubbleField(f"q{number}", FieldKind.MULTIPLE_CHOICE, bubbles,
                                  str(number)))
    score_groups = (("tens", ("0", "10")), ("ones", tuple(str(d) for d in range(10))),
                    ("half", ("0.5",)))
    x = 20.0
    for suffix, values in score_groups:
        bubbles = []
        for value in values:
            bubbles.append(Bubble(value, x, 190, 2.2))
            x += 7
        x += 4
        fields.append(BubbleField(f"s26.{suffix}", FieldKind.SCORE_DIGIT, tuple(bubbles), "26"))
    regions = (Region("r26", RegionKind.SUBJECTIVE, Rect(15, 198, 180, 70), "26", 15.0),
               Region("hid", RegionKind.HANDWRITTEN_ID, Rect(120, 40, 70, 18)),
               Region("info", RegionKind.STUDENT_INFO, Rect(120, 62, 70, 20)))
    page = PageLayout(1, 210, 297, anchors, Rect(170, 16, 20, 20), tuple(fields), regions)
    return AnswerSheetLayout(exam_id, version, "七年级数学", Paper.A4, False, 1, (page,),
                             id_digits=8)


@dataclass(frozen=True)
class Mark:
    """How one bubble is marked: style and its strength.

    Styles: "fill" (a solid ellipse covering `fraction` of the bubble's area in `grey`),
    "pencil" (a full fill in `grey`, light pencil 140–180), "tick", "cross" (strokes of
    `grey`), "residue" (what an eraser leaves: a faint, blotchy grey).
    """

    value: str
    style: str = "fill"
    fraction: float = 0.95
    grey: int = 35


def paint_page(layout: AnswerSheetLayout, marks: dict[str, list[Mark]], *, dpi: float = 200,
               page_number: int = 1, qr_text: str | None = None,
               seed: int = 0) -> np.ndarray:
    """The page drawn at `dpi` (8-bit grey, white paper) with `marks` per field name."""
    page = layout.page(page_number)
    scale = dpi / 25.4
    image = np.full((round(page.height * scale), round(page.width * scale)), 255, np.uint8)
    for anchor in page.anchors:
        half = anchor.size / 2
        _rect(image, scale, anchor.cx - half, anchor.cy - half, anchor.size, anchor.size, 0)
    text = qr_text if qr_text is not None else layout.qr_payload(page_number).encode()
    _qr(image, scale, page.qr, text)
    for region in page.regions:
        r = region.rect
        cv2.rectangle(image, _pt(scale, r.x, r.y), _pt(scale, r.x + r.width, r.y + r.height),
                      OUTLINE_GREY, max(1, round(0.2 * scale)), cv2.LINE_AA, SHIFT_BITS)
    rng = np.random.default_rng(seed)
    for field in page.fields:
        for bubble in field.bubbles:
            _outline(image, scale, bubble)
        for mark in marks.get(field.name, []):
            bubble = next(b for b in field.bubbles if b.value == mark.value)
            _mark(image, scale, bubble, mark, rng)
    return image


def _pt(scale: float, x: float, y: float) -> tuple[int, int]:
    factor = scale * (1 << SHIFT_BITS)
    return round(x * factor), round(y * factor)


def _rect(image: np.ndarray, scale: float, x: float, y: float, w: float, h: float,
          grey: int) -> None:
    cv2.rectangle(image, _pt(scale, x, y), _pt(scale, x + w, y + h), grey, -1, cv2.LINE_AA,
                  SHIFT_BITS)


def _qr(image: np.ndarray, scale: float, rect: Rect, text: str) -> None:
    matrix = np.array(segno.make(text, error="m", micro=False).matrix, dtype=np.uint8)
    side = round(min(rect.width, rect.height) * scale)
    pixels = cv2.resize((1 - matrix) * 255, (side, side), interpolation=cv2.INTER_NEAREST)
    x, y = round(rect.x * scale), round(rect.y * scale)
    image[y:y + side, x:x + side] = pixels


def _outline(image: np.ndarray, scale: float, bubble: Bubble) -> None:
    centre = _pt(scale, bubble.cx, bubble.cy)
    axes = _pt(scale, bubble.r, bubble.r)
    cv2.ellipse(image, centre, axes, 0, 0, 360, OUTLINE_GREY, max(1, round(0.18 * scale)),
                cv2.LINE_AA, SHIFT_BITS)
    size = bubble.r * scale * 0.045
    label = bubble.value[:2]
    (w, h), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, size, 1)
    origin = (round(bubble.cx * scale - w / 2), round(bubble.cy * scale + h / 2))
    cv2.putText(image, label, origin, cv2.FONT_HERSHEY_SIMPLEX, size, LETTER_GREY, 1,
                cv2.LINE_AA)


def mark_bubble(image: np.ndarray, dpi: float, bubble: Bubble, mark: Mark,
                rng: np.random.Generator) -> None:
    """Draw `mark` on `bubble` of a page image at `dpi` (e.g. a rasterised printed sheet)."""
    _mark(image, dpi / 25.4, bubble, mark, rng)


def _mark(image: np.ndarray, scale: float, bubble: Bubble, mark: Mark,
          rng: np.random.Generator) -> None:
    r = bubble.r
    centre = _pt(scale, bubble.cx, bubble.cy)
    if mark.style in ("fill", "pencil"):
        fraction = mark.fraction if mark.style == "fill" else 1.0
        rx = r * np.sqrt(fraction) * rng.uniform(0.95, 1.05)
        ry = r * np.sqrt(fraction) * rng.uniform(0.95, 1.05)
        cv2.ellipse(image, centre, _pt(scale, rx, ry), rng.uniform(0, 180), 0, 360, mark.grey,
                    -1, cv2.LINE_AA, SHIFT_BITS)
    elif mark.style == "tick":
        points = np.array([_pt(scale, bubble.cx + dx * r, bubble.cy + dy * r)
                           for dx, dy in ((-0.6, 0.0), (-0.15, 0.55), (0.75, -0.7))])
        cv2.polylines(image, [points], False, mark.grey, max(1, round(0.35 * scale)),
                      cv2.LINE_AA, SHIFT_BITS)
    elif mark.style == "cross":
        reach = 1.5 * r
        for sign in (-1, 1):
            cv2.line(image, _pt(scale, bubble.cx - reach, bubble.cy - sign * reach),
                     _pt(scale, bubble.cx + reach, bubble.cy + sign * reach), mark.grey,
                     max(1, round(0.4 * scale)), cv2.LINE_AA, SHIFT_BITS)
    elif mark.style == "residue":
        _residue(image, scale, bubble, mark.grey, rng)
    else:
        raise ValueError(mark.style)


def _residue(image: np.ndarray, scale: float, bubble: Bubble, grey: int,
             rng: np.random.Generator) -> None:
    """A faint blotchy grey inside the bubble, as an eraser leaves a pencil mark."""
    size = round(2 * bubble.r * scale) | 1
    x0, y0 = round(bubble.cx * scale) - size // 2, round(bubble.cy * scale) - size // 2
    patch = image[y0:y0 + size, x0:x0 + size]
    yy, xx = np.mgrid[:size, :size] - size // 2
    inside = (xx ** 2 + yy ** 2) <= (0.9 * size / 2) ** 2
    blotch = rng.normal(grey, 12, patch.shape).clip(0, 255)
    patch[inside] = np.minimum(patch[inside], blotch[inside].astype(np.uint8))


def random_marks(layout: AnswerSheetLayout, seed: int = 1
                 ) -> tuple[dict[str, list[Mark]], dict[str, str]]:
    """Random clear answers for every field and the values they should read as.

    ID digits spell a student number, the absent box stays empty, every single-choice
    question has one answer, multiple-choice ones one to three, the score bar a score.
    """
    rng = np.random.default_rng(seed)
    marks: dict[str, list[Mark]] = {}
    truth: dict[str, str] = {}
    for field in layout.pages[0].fields:
        if field.kind in (FieldKind.ID_DIGIT, FieldKind.SINGLE_CHOICE):
            value = str(rng.choice(field.values))
            chosen = [value]
        elif field.kind == FieldKind.MULTIPLE_CHOICE:
            count = int(rng.integers(1, 4))
            chosen = sorted(rng.choice(field.values, count, replace=False).tolist(),
                            key=field.values.index)
        elif field.kind == FieldKind.SCORE_DIGIT:
            chosen = [str(rng.choice(field.values))]
        else:
            chosen = []
        marks[field.name] = [Mark(v, fraction=float(rng.uniform(0.6, 1.0)),
                                  grey=int(rng.integers(20, 70))) for v in chosen]
        truth[field.name] = "".join(chosen)
    truth["score.26"] = _score_truth(marks)
    for name in ("s26.tens", "s26.ones", "s26.half"):
        truth.pop(name, None)
    return marks, truth


def _score_truth(marks: dict[str, list[Mark]]) -> str:
    total = sum(float(mark.value) for name in ("s26.tens", "s26.ones", "s26.half")
                for mark in marks.get(name, []))
    return f"{total:.2f}".rstrip("0").rstrip(".")


def student_number(truth: dict[str, str]) -> str:
    """The student number the truth's ID digits spell."""
    return "".join(truth[f"id.{i}"] for i in range(1, 9))


def distort(image: np.ndarray, *, angle: float = 0.0, scale: float = 1.0,
            shift: tuple[float, float] = (0.0, 0.0), background: int = 255) -> np.ndarray:
    """The page rotated by `angle`° and scaled about its centre, then shifted (px).

    The canvas grows to hold the whole turned page (as a scanner bed larger than the
    paper, or an auto-crop to the paper's outline, would) and never shrinks.
    """
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    moved = corners @ matrix.T
    new_width = max(width, int(np.ceil(np.ptp(moved[:, 0]))))
    new_height = max(height, int(np.ceil(np.ptp(moved[:, 1]))))
    matrix[:, 2] += np.array([shift[0] + (new_width - width) / 2,
                              shift[1] + (new_height - height) / 2])
    return cv2.warpAffine(image, matrix, (new_width, new_height), flags=cv2.INTER_LINEAR,
                          borderValue=background)


def add_noise(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Gaussian pixel noise."""
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int) -> bytes:
    """The page as JPEG bytes."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def photocopy(image: np.ndarray, seed: int = 0) -> np.ndarray:
    """A dark photocopy: grey, uneven background, lower contrast, speckles."""
    height, width = image.shape
    gradient = np.linspace(0.70, 0.85, width)[None, :] * np.linspace(1.0, 0.9, height)[:, None]
    copy = image.astype(np.float32) * gradient + 10
    rng = np.random.default_rng(seed)
    speckles = rng.random(image.shape) < 0.002
    copy[speckles] = 40
    return np.clip(copy, 0, 255).astype(np.uint8)
