"""Designing an answer sheet (答题卡): from a list of items to an `AnswerSheetLayout` in mm.

`design_sheet(spec)` places, page by page and column by column:

* on every page four solid corner anchors and the page QR code (top right, inside the
  anchors);
* on page 1 a header: title and subtitle, the student-info lines (班级/姓名/考号), the
  student-number grid (one column of 0–9 bubbles per digit, with optional boxes to write
  the digits in), an optional barcode sticker area, the 缺考 box and the 填涂示例 strip;
* objective items in blocks of five questions stacked vertically, blocks side by side
  across the column; a 选做题 selector before the first item of each optional group;
  fill-in-the-blank answer lines; subjective answer boxes, each with its score bar
  (手阅打分框) on top.

Score bars, documented: an item worth less than 10 points has one field "s<label>.units"
with values "0".."<max>"; an item worth 10 or more has "s<label>.tens" ("0", "10", "20",
… up to the maximum) and "s<label>.units" ("0".."9"); every subjective item also has
"s<label>.half" with the one value "0.5". The score is the sum of the marked values.

Everything the printer draws besides bubbles and regions (question numbers, headings,
frames, the 填涂示例 strip) is described in `layout.extra` so `omr.sheet_pdf` needs
nothing but the layout:

* ``extra["subtitle"]``: the subtitle text;
* ``extra["texts"]``: ``{"page", "x", "y" (baseline), "text", "size" (pt), "align"
  ("left"|"centre"|"right"), "max_width" (mm or null: shrink to fit), "wrap" (bool:
  wrap within max_width, "\n" separates paragraphs), "bold" (bool)}``;
* ``extra["frames"]``: ``{"page", "x", "y", "width", "height", "style" ("solid"|
  "dashed")}``;
* ``extra["marking_example"]``: ``{"page", "x", "y", "width", "height"}``;
* ``extra["item_points"]``: item label → points.

Sheets are at most `MAX_PAGES` pages (sides); more items raise `BadInputError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.enums import ItemType
from core.errors import BadInputError
from core.i18n import LocalisedText
from omr.layout import (
    PAPER_SIZES_MM,
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

MAX_PAGES = 4
"""Most pages (printed sides) a sheet may have."""

ANCHOR_SIZE = 6.0
"""Side of a corner anchor, mm."""

ANCHOR_INSET = 11.0
"""Distance of an anchor's centre from the two nearest page edges, mm."""

CONTENT_MARGIN = 17.0
"""Distance of the content area from the page edges, mm (anchors sit in this margin)."""

QR_SIZE = 18.0
"""Side of the page QR code (quiet zone included), mm."""

QR_CLEARANCE = 4.0
"""Space kept free of bubbles below the QR code, mm."""

BUBBLE_RADIUS = 2.1
"""Radius of every bubble, mm."""

PITCH_X = 6.5
"""Centre spacing of bubbles side by side, mm."""

PITCH_Y = 6.0
"""Centre spacing of bubbles one above the other, mm."""

BLOCK_SIZE = 5
"""Questions stacked in one block of objective items."""

BLOCK_GAP = 7.0
"""Horizontal space between two blocks, mm."""

NUMBER_WIDTH = 9.0
"""Room left of a block's bubbles for the question numbers, mm."""

COLUMN_GAPS = {1: 0.0, 2: 10.0, 3: 8.0}
"""Space between columns by column count, mm."""

TITLE_BAND = 22.0
"""Height of the title and subtitle band at the top of page 1, mm."""

SECTION_HEADING = 7.0
"""Height of a section heading (解答题 …), mm."""

ELEMENT_GAP = 3.0
"""Vertical space after each placed element, mm."""

SUBJECTIVE_MM_PER_POINT = 6.0
"""Height of a subjective answer box per point, mm."""

SUBJECTIVE_MIN_HEIGHT = 28.0
"""Least height of a subjective answer box, mm."""

SUBJECTIVE_SCALES = (1.0, 0.85, 0.7)
"""Shares of the full answer-box heights tried, to save a sheet of paper (printed on both
sides); the largest boxes that need the fewest sheets win."""

FILL_BLANK_SLOT = 60.0
"""Least width of one fill-in-the-blank answer line, mm."""

INFO_WIDTH = 62.0
"""Width of the student-info / barcode / 缺考 block of the header, mm."""

BARCODE_SIZE = (60.0, 25.0)
"""Barcode sticker area (条形码粘贴区), width × height in mm."""

SUPPORTED_PAPER = {
    (Paper.A4, False): (1,),
    (Paper.A3, True): (2, 3),
    (Paper.K8, True): (2, 3),
}
"""Paper and orientation → the column counts a sheet may have."""

_KIND_NAMES = {
    ItemType.SINGLE_CHOICE: "单项选择题", ItemType.MULTIPLE_CHOICE: "多项选择题",
    ItemType.TRUE_FALSE: "判断题",
}
_FIELD_KINDS = {
    ItemType.SINGLE_CHOICE: FieldKind.SINGLE_CHOICE,
    ItemType.MULTIPLE_CHOICE: FieldKind.MULTIPLE_CHOICE,
    ItemType.TRUE_FALSE: FieldKind.TRUE_FALSE,
}
_OPTION_LETTERS = "ABCDEFGH"


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One exam item as the sheet needs it: its number, type, options, points and group."""

    label: str
    kind: ItemType
    option_count: int | None = None
    points: float = 1.0
    optional_group: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The bubble values of an objective item ("A".."H" or "T"/"F")."""
        if self.kind is ItemType.TRUE_FALSE:
            return ("T", "F")
        return tuple(_OPTION_LETTERS[: self.option_count or 4])


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """What an answer sheet should hold and how it is printed."""

    exam_id: int
    layout_version: int
    title: str
    subtitle: str = ""
    paper: Paper = Paper.A4
    landscape: bool = False
    columns: int = 1
    id_digits: int = 8
    barcode_area: bool = False
    handwritten_id_boxes: bool = True
    absent_box: bool = True
    items: Sequence[ItemSpec] = ()


def page_size(paper: Paper, landscape: bool) -> tuple[float, float]:
    """Width and height of a printed side in mm."""
    width, height = PAPER_SIZES_MM[paper]
    return (height, width) if landscape else (width, height)


def column_width(spec: SheetSpec) -> float:
    """Width of one column of `spec`'s sheet, mm."""
    width, _ = page_size(spec.paper, spec.landscape)
    inner = width - 2 * CONTENT_MARGIN
    return (inner - COLUMN_GAPS[spec.columns] * (spec.columns - 1)) / spec.columns


@dataclass
class _PageContent:
    fields: list[BubbleField] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)


@dataclass
class _Drawing:
    """What a page holds while it is designed, and the decorations of the whole sheet."""

    pages: list[_PageContent] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def page(self, number: int) -> _PageContent:
        """The content of page `number` (1-based), created on first use."""
        while len(self.pages) < number:
            self.pages.append(_PageContent())
        return self.pages[number - 1]

    def text(self, page: int, x: float, y: float, text: str, size: float, *,
             align: str = "left", max_width: float | None = None, wrap: bool = False,
             bold: bool = False) -> None:
        """Print `text` with its baseline at (x, y)."""
        self.texts.append({"page": page, "x": round(x, 2), "y": round(y, 2), "text": text,
                           "size": size, "align": align,
                           "max_width": None if max_width is None else round(max_width, 2),
                           "wrap": wrap, "bold": bold})

    def frame(self, page: int, x: float, y: float, width: float, height: float,
              style: str = "solid") -> None:
        """Draw a thin rectangle."""
        self.frames.append({"page": page, "x": round(x, 2), "y": round(y, 2),
                            "width": round(width, 2), "height": round(height, 2),
                            "style": style})


@dataclass(frozen=True)
class _Element:
    """Something placed in a column: its height and how to draw it at (page, x, y)."""

    height: float
    place: Callable[[_Drawing, int, float, float], None]


def _bubble_row(values: Sequence[str], x: float, cy: float,
                pitch: float = PITCH_X) -> tuple[Bubble, ...]:
    """Bubbles in a row, the first one's left edge at x."""
    first = x + BUBBLE_RADIUS
    return tuple(Bubble(value, round(first + index * pitch, 2), round(cy, 2), BUBBLE_RADIUS)
                 for index, value in enumerate(values))


def _row_width(count: int, pitch: float = PITCH_X) -> float:
    return 2 * BUBBLE_RADIUS + (count - 1) * pitch if count else 0.0


class SheetOverflowError(BadInputError):
    """The items do not fit on `MAX_PAGES` pages of the chosen paper."""


def _invalid(zh: str, en: str) -> BadInputError:
    return BadInputError(LocalisedText(zh, en))


def _check_spec(spec: SheetSpec) -> None:
    allowed = SUPPORTED_PAPER.get((spec.paper, spec.landscape))
    orientation = "横向" if spec.landscape else "纵向"
    if allowed is None or spec.columns not in allowed:
        raise _invalid(
            f"不支持的纸张与分栏：{spec.paper.value} {orientation} {spec.columns} 栏。"
            "可用：A4 纵向 1 栏；A3 或 8K 横向 2 栏或 3 栏。",
            f"Unsupported paper and columns: {spec.paper.value} "
            f"{'landscape' if spec.landscape else 'portrait'}, {spec.columns} column(s). "
            "Use A4 portrait with 1 column, or A3 / 8K landscape with 2 or 3 columns.")
    if not spec.items:
        raise _invalid("没有题目，无法生成答题卡。请先导入答案。",
                       "There are no items, so no answer sheet can be made; import a key first.")
    if not 0 <= spec.id_digits <= 12:
        raise _invalid(f"考号位数 {spec.id_digits} 不合理（0 到 12）。",
                       f"Student-number digits {spec.id_digits} must be from 0 to 12.")
    labels = [item.label for item in spec.items]
    if len(set(labels)) != len(labels):
        raise _invalid("题号有重复。", "Item numbers repeat.")


class _Flow:
    """Places elements down the columns of successive pages."""

    def __init__(self, spec: SheetSpec, drawing: _Drawing) -> None:
        self.spec = spec
        self.drawing = drawing
        self.width, self.height = page_size(spec.paper, spec.landscape)
        self.column_width = column_width(spec)
        self.qr = qr_rect(self.width)
        self.page = 1
        self.column = 0
        self.y = self.column_top(0)

    def column_x(self, column: int) -> float:
        """Left edge of `column`."""
        return CONTENT_MARGIN + column * (self.column_width + COLUMN_GAPS[self.spec.columns])

    def column_top(self, column: int) -> float:
        """Top of `column`: below the QR code where the column runs under it."""
        x = self.column_x(column)
        if x + self.column_width > self.qr.x - QR_CLEARANCE:
            return self.qr.y + self.qr.height + QR_CLEARANCE
        return CONTENT_MARGIN

    @property
    def bottom(self) -> float:
        """Lowest y content may reach."""
        return self.height - CONTENT_MARGIN

    @property
    def full_column(self) -> float:
        """Height of the shortest empty column."""
        return self.bottom - max(self.column_top(c) for c in range(self.spec.columns))

    def place(self, element: _Element) -> None:
        """Put `element` at the cursor, in the next column or page if it does not fit."""
        if self.y + element.height > self.bottom:
            self._next_column()
        if self.y + element.height > self.bottom:
            raise _invalid("有一道题的作答区比一整栏还高，请减少分值或改用更大的纸张。",
                           "One item's answer area is taller than a whole column; use "
                           "larger paper.")
        element.place(self.drawing, self.page, self.column_x(self.column), self.y)
        self.drawing.page(self.page)
        self.y += element.height + ELEMENT_GAP

    def _next_column(self) -> None:
        self.column += 1
        if self.column == self.spec.columns:
            self.column = 0
            self.page += 1
            if self.page > MAX_PAGES:
                raise SheetOverflowError(LocalisedText(
                    f"题目太多，{MAX_PAGES} 页（面）放不下。请改用 A3 或 8K 纸、增加分栏，"
                    "或拆分成多张答题卡。",
                    f"Too many items to fit on {MAX_PAGES} pages (sides). Use A3 or 8K "
                    "paper, more columns, or split the sheet."))
        self.y = self.column_top(self.column)


def qr_rect(page_width: float) -> Rect:
    """Where the page QR code goes: top right, inside the anchors."""
    return Rect(page_width - CONTENT_MARGIN - QR_SIZE, CONTENT_MARGIN, QR_SIZE, QR_SIZE)


def anchors_for(width: float, height: float) -> tuple[Anchor, Anchor, Anchor, Anchor]:
    """The four corner anchors: top-left, top-right, bottom-left, bottom-right."""
    near, far_x, far_y = ANCHOR_INSET, width - ANCHOR_INSET, height - ANCHOR_INSET
    return (Anchor(near, near, ANCHOR_SIZE), Anchor(far_x, near, ANCHOR_SIZE),
            Anchor(near, far_y, ANCHOR_SIZE), Anchor(far_x, far_y, ANCHOR_SIZE))


# --- header of page 1 -----------------------------------------------------------------


def _id_grid_width(digits: int) -> float:
    return digits * PITCH_X + 4.0


def _id_grid_height(spec: SheetSpec) -> float:
    boxes = 8.0 if spec.handwritten_id_boxes else 0.0
    return 6.0 + boxes + 10 * PITCH_Y + 2.0


def _place_id_grid(drawing: _Drawing, spec: SheetSpec, x: float, y: float) -> None:
    """The student-number grid: caption, boxes to write in, then 0–9 bubbles per digit."""
    width = _id_grid_width(spec.id_digits)
    drawing.frame(1, x, y, width, _id_grid_height(spec))
    drawing.text(1, x + width / 2, y + 4.5, "考  号", 9, align="centre", bold=True)
    top = y + 6.0
    if spec.handwritten_id_boxes:
        drawing.page(1).regions.append(Region(
            "id.handwritten", RegionKind.HANDWRITTEN_ID,
            Rect(x + 2.0, top, spec.id_digits * PITCH_X, 7.0)))
        top += 8.0
    for digit in range(spec.id_digits):
        cx = x + 2.0 + PITCH_X * (digit + 0.5)
        bubbles = tuple(Bubble(str(value), round(cx, 2), round(top + PITCH_Y * (value + 0.5), 2),
                               BUBBLE_RADIUS) for value in range(10))
        drawing.page(1).fields.append(BubbleField(f"id.{digit + 1}", FieldKind.ID_DIGIT,
                                                  bubbles))


def _info_block_height(spec: SheetSpec) -> float:
    height = 27.0 + 3.0
    if spec.barcode_area:
        height += BARCODE_SIZE[1] + 3.0
    if spec.absent_box:
        height += 9.0
    return height + 13.0


def _place_info_block(drawing: _Drawing, spec: SheetSpec, x: float, y: float) -> None:
    """Student-info lines, barcode area, 缺考 box and the 填涂示例 strip, top to bottom."""
    page = drawing.page(1)
    page.regions.append(Region("student_info", RegionKind.STUDENT_INFO,
                               Rect(x, y, INFO_WIDTH, 27.0)))
    y += 30.0
    if spec.barcode_area:
        page.regions.append(Region("barcode", RegionKind.BARCODE,
                                   Rect(x + 1.0, y, *BARCODE_SIZE)))
        y += BARCODE_SIZE[1] + 3.0
    if spec.absent_box:
        drawing.text(1, x, y + 5.2, "缺考标记", 8.5, bold=True)
        bubble_x = x + 16.0
        page.fields.append(BubbleField("absent", FieldKind.ABSENT,
                                       _bubble_row(("1",), bubble_x, y + 4.0)))
        drawing.text(1, bubble_x + 2 * BUBBLE_RADIUS + 2.0, y + 5.0,
                     "考生禁填，由监考员填涂", 6.5, max_width=INFO_WIDTH - 23.0)
        y += 9.0
    drawing.extra["marking_example"] = {"page": 1, "x": round(x, 2), "y": round(y, 2),
                                        "width": INFO_WIDTH, "height": 12.0}


def _notes(drawing: _Drawing, x: float, y: float, width: float, height: float) -> None:
    drawing.frame(1, x, y, width, height)
    drawing.text(1, x + 2.0, y + 5.0, "注意事项", 8.5, bold=True)
    lines = ("1. 答题前，请将班级、姓名、考号填写清楚，并在考号栏内填涂考号。",
             "2. 选择题、判断题用 2B 铅笔填涂；其余题用黑色签字笔在对应区域内作答。",
             "3. 修改时用橡皮擦干净，不留痕迹。",
             "4. 保持卡面整洁，请勿折叠、污损。")
    drawing.text(1, x + 2.0, y + 10.0, "\n".join(lines), 7.0, max_width=width - 4.0,
                 wrap=True)


def _place_header(flow: _Flow) -> None:
    """Title band, then the student block beside (or above) the ID grid."""
    spec, drawing = flow.spec, flow.drawing
    x, y, width = flow.column_x(0), CONTENT_MARGIN, flow.column_width
    title_width = min(width, flow.qr.x - QR_CLEARANCE - x)
    drawing.text(1, x + title_width / 2, y + 8.0, spec.title, 15, align="centre",
                 max_width=title_width, bold=True)
    if spec.subtitle:
        drawing.text(1, x + title_width / 2, y + 15.0, spec.subtitle, 9.5, align="centre",
                     max_width=title_width)
    y = max(y + TITLE_BAND, flow.column_top(0))
    info_height = _info_block_height(spec)
    grid_width = _id_grid_width(spec.id_digits) if spec.id_digits else 0.0
    grid_height = _id_grid_height(spec) if spec.id_digits else 0.0
    side_by_side = INFO_WIDTH + 6.0 + grid_width <= width - 4.0
    body_top = y
    _place_info_block(drawing, spec, x + 2.0, y + 2.0)
    if spec.id_digits and side_by_side:
        grid_x = x + width - 2.0 - grid_width
        _place_id_grid(drawing, spec, grid_x, y + 2.0)
        height = max(info_height, grid_height) + 4.0
        notes_width = grid_x - (x + 2.0 + INFO_WIDTH) - 8.0
        if notes_width >= 32.0:
            _notes(drawing, x + 2.0 + INFO_WIDTH + 4.0, y + 2.0, notes_width,
                   height - 4.0)
    elif spec.id_digits:
        grid_y = y + info_height + 4.0
        _place_id_grid(drawing, spec, x + 2.0, grid_y)
        height = info_height + grid_height + 6.0
        notes_width = width - grid_width - 8.0
        if notes_width >= 32.0:
            _notes(drawing, x + grid_width + 6.0, grid_y, notes_width, grid_height)
    else:
        height = info_height + 4.0
    drawing.frame(1, x, body_top, width, height)
    flow.y = body_top + height + ELEMENT_GAP + 1.0


# --- items ------------------------------------------------------------------------------


def _block_width(block: Sequence[ItemSpec]) -> float:
    return NUMBER_WIDTH + _row_width(max(len(item.values) for item in block))


def _place_block(drawing: _Drawing, page: int, x: float, y: float,
                 block: Sequence[ItemSpec]) -> None:
    """Five (or fewer) questions, one row each: number, then its option bubbles."""
    drawing.frame(page, x - 1.5, y, _block_width(block) + 3.0, len(block) * PITCH_Y + 2.0)
    for row, item in enumerate(block):
        cy = y + 1.0 + PITCH_Y * (row + 0.5)
        drawing.text(page, x + NUMBER_WIDTH - 2.0, cy + 1.2, item.label, 8.5, align="right",
                     max_width=NUMBER_WIDTH - 2.0)
        drawing.page(page).fields.append(BubbleField(
            f"q{item.label}", _FIELD_KINDS[item.kind],
            _bubble_row(item.values, x + NUMBER_WIDTH, cy), item.label))


def _blocks(items: Sequence[ItemSpec]) -> list[list[ItemSpec]]:
    """Consecutive items of one kind, five at a time."""
    blocks: list[list[ItemSpec]] = []
    for item in items:
        last = blocks[-1] if blocks else None
        if last and len(last) < BLOCK_SIZE and last[-1].kind is item.kind:
            last.append(item)
        else:
            blocks.append([item])
    return blocks


def _block_rows(blocks: list[list[ItemSpec]], width: float) -> list[list[list[ItemSpec]]]:
    rows: list[list[list[ItemSpec]]] = []
    used = width
    for block in blocks:
        needed = _block_width(block) + (BLOCK_GAP if rows and rows[-1] else 0.0)
        if rows and used + needed <= width - 3.0:
            rows[-1].append(block)
            used += needed
        else:
            rows.append([block])
            used = _block_width(block) + 1.5
    return rows


def _block_row_element(row: list[list[ItemSpec]], heading: str | None) -> _Element:
    offset = SECTION_HEADING if heading else 0.0
    height = offset + max(len(block) for block in row) * PITCH_Y + 2.0

    def place(drawing: _Drawing, page: int, x: float, y: float) -> None:
        if heading:
            drawing.text(page, x, y + 4.5, heading, 9.5, bold=True)
        block_x = x + 1.5
        for block in row:
            _place_block(drawing, page, block_x, y + offset, block)
            block_x += _block_width(block) + BLOCK_GAP

    return _Element(height, place)


def _objective_elements(items: Sequence[ItemSpec], width: float, headed: bool
                        ) -> list[_Element]:
    kinds = dict.fromkeys(item.kind for item in items)
    heading = "、".join(_KIND_NAMES[kind] for kind in kinds) + "（用 2B 铅笔填涂）"
    heading = heading if headed else ""
    rows = _block_rows(_blocks(items), width)
    return [_block_row_element(row, heading if index == 0 else None)
            for index, row in enumerate(rows)]


def _fill_row_element(row: Sequence[ItemSpec], width: float, heading: str | None) -> _Element:
    offset = SECTION_HEADING if heading else 0.0
    per_row = max(1, int(width // FILL_BLANK_SLOT))
    slot = (width - 4.0 * (per_row - 1)) / per_row

    def place(drawing: _Drawing, page: int, x: float, y: float) -> None:
        if heading:
            drawing.text(page, x, y + 4.5, heading, 9.5, bold=True)
        for index, item in enumerate(row):
            slot_x = x + index * (slot + 4.0)
            number = min(24.0, max(10.0, 2.0 * len(item.label) + 4.0))
            drawing.text(page, slot_x + 1.0, y + offset + 8.0, f"{item.label}.", 9,
                         max_width=number - 2.0)
            drawing.page(page).regions.append(Region(
                f"f{item.label}", RegionKind.FILL_BLANK,
                Rect(round(slot_x + number, 2), round(y + offset, 2), round(slot - number, 2),
                     9.0), item.label, item.points))

    return _Element(offset + 9.0, place)


def _fill_elements(items: Sequence[ItemSpec], width: float, headed: bool
                   ) -> list[_Element]:
    per_row = max(1, int(width // FILL_BLANK_SLOT))
    heading = "填空题（用黑色签字笔在横线上作答）" if headed else None
    return [_fill_row_element(items[start:start + per_row], width,
                              heading if start == 0 else None)
            for start in range(0, len(items), per_row)]


def score_bar_fields(label: str, points: float) -> list[tuple[str, tuple[str, ...]]]:
    """The score-bar fields of a subjective item: (name, values), documented above."""
    top = math.floor(points)
    if points < 10:
        groups = [(f"s{label}.units", tuple(str(value) for value in range(top + 1)))]
    else:
        tens = tuple(str(value) for value in range(0, top + 1, 10))
        groups = [(f"s{label}.tens", tens),
                  (f"s{label}.units", tuple(str(value) for value in range(10)))]
    return [*groups, (f"s{label}.half", ("0.5",))]


_SCORE_LABEL_WIDTH = 26.0
_SCORE_GROUP_GAP = 4.0
_SCORE_ROW = 6.5
_SCORE_HINT = "阅卷教师填涂：得分为所涂数值之和"
_SCORE_HINT_WIDTH = 48.0


def _score_bar_lines(groups: list[tuple[str, tuple[str, ...]]], width: float
                     ) -> list[list[tuple[str, tuple[str, ...]]]]:
    available = width - _SCORE_LABEL_WIDTH - 3.0
    lines: list[list[tuple[str, tuple[str, ...]]]] = [[]]
    used = 0.0
    for group in groups:
        needed = _row_width(len(group[1])) + (_SCORE_GROUP_GAP if lines[-1] else 0.0)
        if lines[-1] and used + needed > available:
            lines.append([])
            needed, used = _row_width(len(group[1])), 0.0
        lines[-1].append(group)
        used += needed
    return lines


def subjective_height(points: float, limit: float, scale: float = 1.0) -> float:
    """Height of a subjective answer box: proportional to points, within [min, limit]."""
    wanted = max(SUBJECTIVE_MIN_HEIGHT, points * SUBJECTIVE_MM_PER_POINT) * scale
    return min(limit, wanted)


def _subjective_element(item: ItemSpec, width: float, limit: float, scale: float,
                        heading: str | None) -> _Element:
    offset = SECTION_HEADING if heading else 0.0
    lines = _score_bar_lines(score_bar_fields(item.label, item.points), width)
    strip = len(lines) * _SCORE_ROW + 2.0
    box = subjective_height(item.points, limit - offset - strip, scale)

    def place(drawing: _Drawing, page: int, x: float, y: float) -> None:
        if heading:
            drawing.text(page, x, y + 4.5, heading, 9.5, bold=True, max_width=width)
        top = y + offset
        drawing.frame(page, x, top, width, strip + box)
        drawing.text(page, x + 2.0, top + 5.0, f"{item.label}.（{item.points:g} 分）", 9,
                     bold=True, max_width=_SCORE_LABEL_WIDTH - 3.0)
        for row, line in enumerate(lines):
            bar_x = x + _SCORE_LABEL_WIDTH
            cy = top + 1.0 + _SCORE_ROW * (row + 0.5)
            for name, values in line:
                drawing.page(page).fields.append(BubbleField(
                    name, FieldKind.SCORE_DIGIT, _bubble_row(values, bar_x, cy), item.label))
                bar_x += _row_width(len(values)) + _SCORE_GROUP_GAP
            if row == 0 and x + width - bar_x >= _SCORE_HINT_WIDTH:
                drawing.text(page, x + width - 2.0, cy + 1.0, _SCORE_HINT, 6.5, align="right",
                             max_width=_SCORE_HINT_WIDTH - 4.0)
        drawing.page(page).regions.append(Region(
            f"a{item.label}", RegionKind.SUBJECTIVE,
            Rect(round(x, 2), round(top + strip, 2), round(width, 2), round(box, 2)),
            item.label, item.points))

    return _Element(offset + strip + box, place)


def _subjective_elements(items: Sequence[ItemSpec], width: float, limit: float,
                         scale: float, headed: bool) -> list[_Element]:
    heading = "解答题（请在各题答题区域内作答，超出边框的答案无效）" if headed else None
    return [_subjective_element(item, width, limit, scale, heading if index == 0 else None)
            for index, item in enumerate(items)]


def _selector_positions(labels: Sequence[str], width: float) -> list[tuple[float, int]]:
    """(x offset of the bubble's left edge, row) of each label, wrapping at `width`."""
    positions: list[tuple[float, int]] = []
    x, row = 2.0, 0
    for label in labels:
        step = 2 * BUBBLE_RADIUS + 1.5 + 2.2 * len(label) + 4.0
        if x + step > width and positions:
            x, row = 2.0, row + 1
        positions.append((x, row))
        x += step
    return positions


def _selector_element(group: str, labels: Sequence[str], width: float) -> _Element:
    """选做题: one bubble per item of the group, its label printed beside it."""
    positions = _selector_positions(labels, width)
    rows = positions[-1][1] + 1

    def place(drawing: _Drawing, page: int, x: float, y: float) -> None:
        drawing.text(page, x, y + 4.0, f"选做题（{group}）：请用 2B 铅笔将所选做题的题号涂黑，"
                     "并在对应区域内作答。", 8, max_width=width, bold=True)
        bubbles = []
        for label, (offset, row) in zip(labels, positions, strict=True):
            cy = y + 9.0 + row * PITCH_Y
            bubbles.append(Bubble(label, round(x + offset + BUBBLE_RADIUS, 2), round(cy, 2),
                                  BUBBLE_RADIUS))
            drawing.text(page, x + offset + 2 * BUBBLE_RADIUS + 1.5, cy + 1.2, label, 8.5)
        drawing.page(page).fields.append(BubbleField(
            f"opt.{group}", FieldKind.OPTIONAL_SELECTOR, tuple(bubbles)))

    return _Element(6.0 + rows * PITCH_Y, place)


def _category(item: ItemSpec) -> str:
    if item.kind.is_objective:
        return "objective"
    return item.kind.value


def _runs(items: Sequence[ItemSpec]) -> list[list[ItemSpec]]:
    """Consecutive items of one category (objective, fill-in, subjective) and group."""
    runs: list[list[ItemSpec]] = []
    for item in items:
        last = runs[-1][-1] if runs else None
        if last and _category(last) == _category(item) and (
                last.optional_group == item.optional_group):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _elements(spec: SheetSpec, width: float, limit: float, scale: float) -> list[_Element]:
    groups: dict[str, list[str]] = {}
    for item in spec.items:
        if item.optional_group:
            groups.setdefault(item.optional_group, []).append(item.label)
    elements: list[_Element] = []
    previous: str | None = None
    for run in _runs(spec.items):
        category = _category(run[0])
        headed = category != previous
        if category == "objective":
            made = _objective_elements(run, width, headed)
        elif category == ItemType.FILL_BLANK.value:
            made = _fill_elements(run, width, headed)
        else:
            made = _subjective_elements(run, width, limit, scale, headed)
        group = run[0].optional_group
        if group and group in groups:
            selector = _selector_element(group, groups.pop(group), width)
            if selector.height + ELEMENT_GAP + made[0].height <= limit:
                made[0] = _joined(selector, made[0])
            else:  # a column-high answer box: the selector goes just before it
                made.insert(0, selector)
        elements += made
        previous = category
    return elements


def _joined(first: _Element, second: _Element) -> _Element:
    """Two elements kept together in one column (a 选做 selector and its first item)."""

    def place(drawing: _Drawing, page: int, x: float, y: float) -> None:
        first.place(drawing, page, x, y)
        second.place(drawing, page, x, y + first.height + ELEMENT_GAP)

    return _Element(first.height + ELEMENT_GAP + second.height, place)


def design_sheet(spec: SheetSpec) -> AnswerSheetLayout:
    """Lay out `spec` in mm: anchors, QR, header, items over columns and pages.

    Answer boxes get their full height unless smaller ones (`SUBJECTIVE_SCALES`) save a
    sheet of paper; `SheetOverflowError` when even the smallest do not fit on `MAX_PAGES` pages.
    """
    _check_spec(spec)
    best: AnswerSheetLayout | None = None
    overflow: SheetOverflowError | None = None
    for scale in SUBJECTIVE_SCALES:
        try:
            layout = _design(spec, scale)
        except SheetOverflowError as error:
            overflow = error
            continue
        if best is None or _sheets_of_paper(layout) < _sheets_of_paper(best):
            best = layout
    if best is None:
        assert overflow is not None
        raise overflow
    return best


def _sheets_of_paper(layout: AnswerSheetLayout) -> int:
    """Sheets a duplex print of `layout` takes (two pages a sheet)."""
    return (len(layout.pages) + 1) // 2


def _design(spec: SheetSpec, scale: float) -> AnswerSheetLayout:
    drawing = _Drawing()
    flow = _Flow(spec, drawing)
    _place_header(flow)
    for element in _elements(spec, flow.column_width, flow.full_column, scale):
        flow.place(element)
    return _layout(spec, flow, drawing)


def _layout(spec: SheetSpec, flow: _Flow, drawing: _Drawing) -> AnswerSheetLayout:
    anchors = anchors_for(flow.width, flow.height)
    pages = tuple(
        PageLayout(number, flow.width, flow.height, anchors, flow.qr,
                   tuple(content.fields), tuple(content.regions))
        for number, content in enumerate(drawing.pages, start=1))
    extra = {
        "subtitle": spec.subtitle,
        "texts": drawing.texts,
        "frames": drawing.frames,
        "marking_example": drawing.extra.get("marking_example"),
        "item_points": {item.label: item.points for item in spec.items},
    }
    return AnswerSheetLayout(spec.exam_id, spec.layout_version, spec.title, spec.paper,
                             spec.landscape, spec.columns, pages, id_digits=spec.id_digits,
                             extra=extra)
