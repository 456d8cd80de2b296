import io
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from omr.layout import AnswerSheetLayout, FieldKind, Paper
from omr.sheet_design import design_sheet
from omr.sheet_pdf import SheetStudent, render_sheet_pdf
from tests.omr.test_sheet_design import demo_spec

DPI = 100


@pytest.fixture(scope="module", params=[(Paper.A4, False, 1), (Paper.A3, True, 2)],
                ids=["A4", "A3-2col"])
def printed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[AnswerSheetLayout, Path]:
    layout = design_sheet(demo_spec(*request.param, barcode_area=True))
    pdf = tmp_path_factory.mktemp("sheet") / "sheet.pdf"
    render_sheet_pdf(layout, pdf)
    return layout, pdf


def pdf_text(pdf: Path) -> str:
    """The text pdftotext extracts, without white space (it drops some between CJK)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return "".join(text.split())


def raster(pdf: Path, page: int) -> np.ndarray:
    png = subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", str(page),
                          "-l", str(page), str(pdf)], check=True, capture_output=True).stdout
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)


def px(value_mm: float) -> int:
    return round(value_mm / 25.4 * DPI)


def patch_mean(image: np.ndarray, x_mm: float, y_mm: float, half: int = 1) -> float:
    x, y = px(x_mm), px(y_mm)
    return float(image[y - half:y + half + 1, x - half:x + half + 1].mean())


def test_pdf_text_is_chinese_and_extractable(printed: tuple[AnswerSheetLayout, Path]) -> None:
    layout, pdf = printed
    text = pdf_text(pdf)
    for expected in (layout.title, "缺考", "填涂示例", "第1页", f"共{len(layout.pages)}页",
                     "正确填涂", "错误填涂", "条形码粘贴区", "请勿折叠", "2B铅笔", "考号", "27."):
        assert expected in text, expected
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert f"Pages: {len(layout.pages)}" in " ".join(pages.split())


def test_the_cjk_font_is_embedded(printed: tuple[AnswerSheetLayout, Path]) -> None:
    fonts = subprocess.run(["pdffonts", str(printed[1])], check=True, capture_output=True,
                           text=True).stdout
    lines = fonts.splitlines()[2:]
    assert len(lines) == 1, "only the sheet font, every glyph from it"
    assert "WenQuanYiMicroHei" in lines[0] and "TrueType" in lines[0]
    assert lines[0].split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, unicode


def test_anchors_are_dark_and_bubbles_light(printed: tuple[AnswerSheetLayout, Path]) -> None:
    layout, pdf = printed
    for page in layout.pages:
        image = raster(pdf, page.number)
        assert abs(image.shape[0] - px(page.height)) <= 1
        assert abs(image.shape[1] - px(page.width)) <= 1
        for anchor in page.anchors:
            assert patch_mean(image, anchor.cx, anchor.cy, half=5) < 40
        centres = [patch_mean(image, b.cx, b.cy) for f in page.fields for b in f.bubbles]
        assert min(centres) > 140, min(centres)
        rims = [patch_mean(image, b.cx + b.r, b.cy, half=0) for f in page.fields
                for b in f.bubbles]
        assert np.median(rims) < 235


def test_each_page_qr_decodes_to_its_payload(printed: tuple[AnswerSheetLayout, Path]) -> None:
    layout, pdf = printed
    for page in layout.pages:
        results = zxingcpp.read_barcodes(raster(pdf, page.number))
        texts = [result.text for result in results]
        assert texts == [layout.qr_payload(page.number).encode()]
        position = results[0].position
        assert px(page.qr.x) - 2 <= position.top_left.x <= px(page.qr.x + page.qr.width)
        assert px(page.qr.y) - 2 <= position.top_left.y <= px(page.qr.y + page.qr.height)


def test_a_personal_sheet_carries_the_student(tmp_path: Path) -> None:
    layout = design_sheet(demo_spec())
    stream = io.BytesIO()
    render_sheet_pdf(layout, stream, student=SheetStudent("D70107", "赵同学07", "七年级(1)班"))
    pdf = tmp_path / "personal.pdf"
    pdf.write_bytes(stream.getvalue())
    assert stream.getvalue().startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "赵同学07" in text and "D70107" in text and "七年级(1)班" in text
    decoded = zxingcpp.read_barcodes(raster(pdf, 1))[0].text
    assert decoded == layout.qr_payload(1, "D70107").encode()


def test_values_print_inside_bubbles_in_light_grey(tmp_path: Path) -> None:
    layout = design_sheet(demo_spec())
    pdf = tmp_path / "sheet.pdf"
    render_sheet_pdf(layout, pdf)
    image = raster(pdf, 1)
    field = layout.page(1).field("q1")
    assert field.kind is FieldKind.SINGLE_CHOICE
    for bubble in field.bubbles:
        x, y, r = px(bubble.cx), px(bubble.cy), px(bubble.r * 0.6)
        inside = image[y - r:y + r + 1, x - r:x + r + 1]
        assert inside.min() >= 0.55 * 255, "a letter darker than light grey"
        assert inside.min() < 250, "no letter printed inside"
