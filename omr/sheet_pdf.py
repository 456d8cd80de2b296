"""Printing an answer sheet: `render_sheet_pdf` draws an `AnswerSheetLayout` with reportlab.

Everything is vector: the corner anchors (solid black), the page QR code (segno modules
drawn as rectangles), bubbles with their value printed small inside in light grey (light
enough never to read as a mark), score bars, answer regions, the header and the
decorations the designer put in `layout.extra` (see `omr.sheet_design`). Lines are thin
and light grey; only the anchors and the QR code are black. The CJK font is embedded so
Chinese prints and extracts everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import segno
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from omr.layout import (
    AnswerSheetLayout,
    Bubble,
    BubbleField,
    FieldKind,
    PageLayout,
    Rect,
    Region,
    RegionKind,
)
from omr.sheet_font import register_sheet_font

LINE_GREY = 0.55
"""Grey level (0 black, 1 white) of frames and bubble outlines."""

VALUE_GREY = 0.62
"""Grey level of the values printed inside bubbles: light, so never read as a mark."""

TEXT_GREY = 0.15
"""Grey level of ordinary printed text."""

LINE_WIDTH = 0.5
"""Width of thin lines, points."""

QR_QUIET_MODULES = 2
"""Quiet-zone modules kept around the QR symbol inside its square."""

FOOTER_NOTE = "请勿折叠、污损；用 2B 铅笔填涂"
"""The note printed at the bottom of every page."""

_TRUE_FALSE_MARKS = {"T": "对", "F": "错"}
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)")  # punctuation never starts a line


@dataclass(frozen=True, slots=True)
class SheetStudent:
    """A student a sheet is printed for: printed in the info lines and put in the QR."""

    student_number: str
    name: str
    class_name: str = ""


class _Page:
    """Drawing on one page in layout millimetres (y down) with the sheet font."""

    def __init__(self, canvas: Canvas, page: PageLayout, font: str) -> None:
        self.canvas = canvas
        self.height = page.height
        self.font = font

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Layout mm (y down) → PDF points (y up)."""
        return x * mm, (self.height - y) * mm

    def rect(self, x: float, y: float, width: float, height: float, *, fill: bool = False,
             stroke: bool = True) -> None:
        """A rectangle with its top-left corner at (x, y)."""
        left, bottom = self.point(x, y + height)
        self.canvas.rect(left, bottom, width * mm, height * mm, stroke=int(stroke),
                         fill=int(fill))

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        """A straight line."""
        self.canvas.line(*self.point(x1, y1), *self.point(x2, y2))

    def circle(self, cx: float, cy: float, r: float, *, fill: bool = False) -> None:
        """A circle around (cx, cy)."""
        self.canvas.circle(*self.point(cx, cy), r * mm, stroke=1, fill=int(fill))

    def fitted_size(self, text: str, size: float, max_width: float | None) -> float:
        """`size`, shrunk so `text` is at most `max_width` mm wide."""
        if max_width is None:
            return size
        width = stringWidth(text, self.font, size) / mm
        return size if width <= max_width else max(4.0, size * max_width / width)

    def wrapped(self, text: str, size: float, max_width: float) -> list[str]:
        """`text` broken into lines at most `max_width` mm wide (CJK: between any two
        characters)."""
        lines = [""]
        for char in text:
            too_wide = stringWidth(lines[-1] + char, self.font, size) / mm > max_width
            if lines[-1] and too_wide and char not in _NO_LINE_START:
                lines.append("")
            lines[-1] += char
        return lines

    def text(self, x: float, y: float, text: str, size: float, *, align: str = "left",
             grey: float = TEXT_GREY, bold: bool = False) -> None:
        """`text` with its baseline at y, aligned at x."""
        canvas = self.canvas
        canvas.saveState()  # the text render mode is graphics state: keep it to this text
        canvas.setFillGray(grey)
        canvas.setStrokeGray(grey)
        width = stringWidth(text, self.font, size) / mm
        left = {"left": x, "centre": x - width / 2, "right": x - width}[align]
        obj = canvas.beginText(*self.point(left, y))
        obj.setFont(self.font, size)
        if bold:
            canvas.setLineWidth(size / 30)
            obj.setTextRenderMode(2)
        obj.textOut(text)
        canvas.drawText(obj)
        canvas.restoreState()


def _draw_anchors(page: _Page, layout_page: PageLayout) -> None:
    page.canvas.setFillGray(0)
    for anchor in layout_page.anchors:
        half = anchor.size / 2
        page.rect(anchor.cx - half, anchor.cy - half, anchor.size, anchor.size, fill=True,
                  stroke=False)


def _draw_qr(page: _Page, rect: Rect, payload: str) -> None:
    """The QR code as black module rectangles (runs of a row merged), quiet zone inside."""
    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    count = len(matrix) + 2 * QR_QUIET_MODULES
    module = min(rect.width, rect.height) / count
    page.canvas.setFillGray(0)
    for row_index, row in enumerate(matrix):
        y = rect.y + (row_index + QR_QUIET_MODULES) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            x = rect.x + (start + QR_QUIET_MODULES) * module
            page.rect(x, y, (column - start) * module, module, fill=True, stroke=False)


def _bubble_caption(field: BubbleField, bubble: Bubble) -> str:
    if field.kind in (FieldKind.ABSENT, FieldKind.OPTIONAL_SELECTOR):
        return ""  # the label is printed beside these
    if field.kind is FieldKind.TRUE_FALSE:
        return _TRUE_FALSE_MARKS.get(bubble.value, bubble.value)
    return bubble.value


def _draw_field(page: _Page, field: BubbleField) -> None:
    canvas = page.canvas
    for bubble in field.bubbles:
        canvas.setStrokeGray(LINE_GREY)
        canvas.setLineWidth(LINE_WIDTH)
        page.circle(bubble.cx, bubble.cy, bubble.r)
        caption = _bubble_caption(field, bubble)
        if caption:
            size = page.fitted_size(caption, 6.0, bubble.r * 1.6)
            page.text(bubble.cx, bubble.cy + size * 0.353 * 0.38, caption, size,
                      align="centre", grey=VALUE_GREY)


def _draw_student_info(page: _Page, rect: Rect, student: SheetStudent | None) -> None:
    rows = (("班级", student.class_name if student else ""),
            ("姓名", student.name if student else ""),
            ("考号", student.student_number if student else ""))
    step = rect.height / len(rows)
    for index, (label, value) in enumerate(rows):
        baseline = rect.y + step * (index + 1) - 2.0
        page.text(rect.x, baseline, label + "：", 9)
        page.canvas.setStrokeGray(LINE_GREY)
        page.canvas.setLineWidth(LINE_WIDTH)
        page.line(rect.x + 11.0, baseline + 1.0, rect.x + rect.width, baseline + 1.0)
        if value:
            page.text(rect.x + 13.0, baseline - 0.3, value, 10, grey=0)


def _draw_region(page: _Page, region: Region, layout: AnswerSheetLayout,
                 student: SheetStudent | None) -> None:
    canvas, rect = page.canvas, region.rect
    canvas.setStrokeGray(LINE_GREY)
    canvas.setLineWidth(LINE_WIDTH)
    if region.kind is RegionKind.STUDENT_INFO:
        _draw_student_info(page, rect, student)
    elif region.kind is RegionKind.BARCODE:
        canvas.setDash(3, 2)
        page.rect(rect.x, rect.y, rect.width, rect.height)
        canvas.setDash()
        page.text(rect.x + rect.width / 2, rect.y + rect.height / 2 + 1.5, "条形码粘贴区", 10,
                  align="centre", grey=0.5)
        page.text(rect.x + rect.width / 2, rect.y + rect.height / 2 + 6.0,
                  "（请将条形码贴在虚线框内）", 7, align="centre", grey=0.5)
    elif region.kind is RegionKind.HANDWRITTEN_ID:
        cells = max(1, layout.id_digits)
        page.rect(rect.x, rect.y, rect.width, rect.height)
        for cell in range(1, cells):
            x = rect.x + rect.width * cell / cells
            page.line(x, rect.y, x, rect.y + rect.height)
    elif region.kind is RegionKind.FILL_BLANK:
        page.line(rect.x, rect.y + rect.height, rect.x + rect.width, rect.y + rect.height)
    elif region.kind is RegionKind.SUBJECTIVE:
        page.line(rect.x, rect.y, rect.x + rect.width, rect.y)


def _draw_marking_example(page: _Page, spec: dict[str, Any]) -> None:
    """填涂示例: a filled bubble is right; a tick, a cross and a circled outline are wrong."""
    canvas = page.canvas
    x, y = spec["x"], spec["y"]
    page.text(x, y + 3.5, "填涂示例", 8.5, bold=True)
    row = y + 8.5
    page.text(x, row + 1.2, "正确填涂", 7.5)
    canvas.setStrokeGray(0)
    canvas.setFillGray(0.1)
    canvas.setLineWidth(0.4)
    page.circle(x + 15.0, row, 2.1, fill=True)
    page.text(x + 20.5, row + 1.2, "错误填涂", 7.5)
    for index, mark in enumerate(("tick", "cross", "circle", "dot")):
        _wrong_example(page, x + 35.5 + index * 6.8, row, mark)


def _wrong_example(page: _Page, cx: float, cy: float, mark: str) -> None:
    canvas = page.canvas
    canvas.setStrokeGray(LINE_GREY)
    canvas.setLineWidth(LINE_WIDTH)
    page.circle(cx, cy, 2.1)
    canvas.setStrokeGray(0.1)
    canvas.setFillGray(0.1)
    canvas.setLineWidth(0.9)
    if mark == "tick":
        page.line(cx - 1.6, cy, cx - 0.4, cy + 1.4)
        page.line(cx - 0.4, cy + 1.4, cx + 1.8, cy - 1.8)
    elif mark == "cross":
        page.line(cx - 1.4, cy - 1.4, cx + 1.4, cy + 1.4)
        page.line(cx - 1.4, cy + 1.4, cx + 1.4, cy - 1.4)
    elif mark == "circle":
        page.circle(cx, cy, 2.1)
    else:
        page.circle(cx, cy, 0.7, fill=True)


def _draw_paragraphs(page: _Page, entry: dict[str, Any]) -> None:
    """Wrapped text: each "\n"-separated paragraph wrapped to `max_width`, a gap between."""
    size, y = entry["size"], entry["y"]
    for paragraph in entry["text"].split("\n"):
        for line in page.wrapped(paragraph, size, entry["max_width"]):
            page.text(entry["x"], y, line, size, align=entry["align"],
                      bold=entry.get("bold", False))
            y += size * 0.45
        y += size * 0.2


def _draw_texts(page: _Page, texts: list[dict[str, Any]], number: int) -> None:
    for entry in texts:
        if entry["page"] != number:
            continue
        if entry.get("wrap") and entry.get("max_width"):
            _draw_paragraphs(page, entry)
            continue
        size = page.fitted_size(entry["text"], entry["size"], entry.get("max_width"))
        page.text(entry["x"], entry["y"], entry["text"], size, align=entry["align"],
                  bold=entry.get("bold", False))


def _draw_frames(page: _Page, frames: list[dict[str, Any]], number: int) -> None:
    canvas = page.canvas
    canvas.setStrokeGray(LINE_GREY)
    canvas.setLineWidth(LINE_WIDTH)
    for frame in frames:
        if frame["page"] != number:
            continue
        if frame.get("style") == "dashed":
            canvas.setDash(3, 2)
        page.rect(frame["x"], frame["y"], frame["width"], frame["height"])
        canvas.setDash()


def _draw_running_head(page: _Page, layout: AnswerSheetLayout, layout_page: PageLayout
                       ) -> None:
    """On pages after the first: the title, small, in the top margin between the anchors."""
    if layout_page.number > 1:
        page.text(20.0, 12.5, f"{layout.title} · 答题卡", 7.5, grey=0.35)


def _draw_footer(page: _Page, layout_page: PageLayout, page_count: int) -> None:
    baseline = layout_page.height - 9.8
    page.text(layout_page.width / 2, baseline, f"第 {layout_page.number} 页 / 共 {page_count} 页",
              8.5, align="centre")
    page.text(20.0, baseline, FOOTER_NOTE, 7.5, grey=0.35)


def _draw_page(page: _Page, layout: AnswerSheetLayout, layout_page: PageLayout,
               student: SheetStudent | None) -> None:
    extra = layout.extra
    number = layout_page.number
    _draw_frames(page, extra.get("frames", []), number)
    for region in layout_page.regions:
        _draw_region(page, region, layout, student)
    example = extra.get("marking_example")
    if example and example["page"] == number:
        _draw_marking_example(page, example)
    _draw_texts(page, extra.get("texts", []), number)
    for field in layout_page.fields:
        _draw_field(page, field)
    _draw_anchors(page, layout_page)
    student_number = student.student_number if student else ""
    _draw_qr(page, layout_page.qr, layout.qr_payload(number, student_number).encode())
    _draw_running_head(page, layout, layout_page)
    _draw_footer(page, layout_page, len(layout.pages))


def render_sheet_pdf(layout: AnswerSheetLayout, target: str | Path | IO[bytes], *,
                     student: SheetStudent | None = None,
                     font_path: Path | None = None) -> None:
    """Write the printable sheet of `layout` (one PDF page per layout page) to `target`.

    `student` personalises it: name, class and number in the info lines and the number
    in every page's QR code. `font_path` overrides the shipped CJK font.
    """
    font = register_sheet_font(font_path)
    first = layout.pages[0]
    canvas = Canvas(str(target) if isinstance(target, Path) else target,
                    pagesize=(first.width * mm, first.height * mm),
                    initialFontName=font, initialFontSize=9)  # no unembedded Helvetica
    canvas.setTitle(layout.title)
    canvas.setAuthor("精准教学工作站")
    canvas.setSubject(f"answer sheet: exam {layout.exam_id}, layout version {layout.version}")
    for layout_page in layout.pages:
        canvas.setPageSize((layout_page.width * mm, layout_page.height * mm))
        _draw_page(_Page(canvas, layout_page, font), layout, layout_page, student)
        canvas.showPage()
    canvas.save()
