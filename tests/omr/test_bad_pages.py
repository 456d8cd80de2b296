"""One test per bad input: each gives a result with a reason in both languages, none raises."""

import io
import re
import struct
import time
import tracemalloc
import zlib

import cv2
import numpy as np
import pytest

from core.settings import RecognitionThresholds
from omr.page_image import MAX_PIXELS, ImageRejection, PageImage, load_page_image
from omr.page_recognition import recognise_page
from omr.page_result import PageResult, PageStatus
from tests.omr.synthetic_pages import jpeg, paint_page, random_marks, sample_layout

SETTINGS = RecognitionThresholds()
LAYOUT = sample_layout()
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def page() -> tuple[np.ndarray, dict[str, str]]:
    marks, truth = random_marks(LAYOUT, 31)
    return paint_page(LAYOUT, marks), truth


def _explained(result: PageResult, status: PageStatus) -> None:
    assert result.status == status
    assert result.reasons, "a bad page must say why"
    for reason in result.reasons:
        assert CJK.search(reason.zh) and reason.en and not CJK.search(reason.en)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width`×`height`, with one tiny IDAT (pixels never exist)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_blank_page_is_flagged() -> None:
    blank = np.full((2339, 1654), 250, np.uint8)
    _explained(recognise_page(blank, [LAYOUT], SETTINGS), PageStatus.FLAGGED)


def test_page_of_another_exam_is_flagged() -> None:
    marks, _ = random_marks(LAYOUT, 32)
    image = paint_page(LAYOUT, marks, qr_text="PTW:77:2:1:")
    result = recognise_page(image, [LAYOUT], SETTINGS)
    _explained(result, PageStatus.FLAGGED)
    assert (result.exam_id, result.layout_version, result.fields) == (77, 2, [])


def test_upside_down_page_reads(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image, truth = page
    result = recognise_page(cv2.rotate(image, cv2.ROTATE_180), [LAYOUT], SETTINGS)
    assert result.status == PageStatus.OK and result.rotation == 180
    assert result.answers == truth


@pytest.mark.parametrize("part", ["top", "bottom", "left"])
def test_half_a_page_is_flagged(page: tuple[np.ndarray, dict[str, str]], part: str) -> None:
    image, _ = page
    height, width = image.shape
    half = {"top": image[: height // 2], "bottom": image[height // 2:],
            "left": image[:, : width // 2]}[part]
    _explained(recognise_page(half, [LAYOUT], SETTINGS), PageStatus.FLAGGED)


def test_photo_of_a_screen_is_flagged(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image, _ = page
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]].astype(np.float32)
    moire = 25 * np.sin(xx * 0.9 + yy * 0.05) * np.sin(yy * 0.83 - xx * 0.04)
    rng = np.random.default_rng(0)
    faint = 120 + 0.25 * image.astype(np.float32) + moire + rng.normal(0, 20, image.shape)
    screen = np.clip(faint, 0, 255).astype(np.uint8)
    _explained(recognise_page(screen, [LAYOUT], SETTINGS), PageStatus.FLAGGED)


@pytest.mark.parametrize("size", [(1, 1), (40, 60)])
def test_tiny_image_is_rejected(size: tuple[int, int]) -> None:
    ok, data = cv2.imencode(".png", np.zeros(size, np.uint8))
    assert ok
    result = recognise_page(data.tobytes(), [LAYOUT], SETTINGS)
    _explained(result, PageStatus.REJECTED)
    assert "too small" in result.reasons[0].en
    _explained(recognise_page(np.zeros(size, np.uint8), [LAYOUT], SETTINGS),
               PageStatus.REJECTED)


def test_huge_png_header_is_rejected_fast_without_allocating() -> None:
    data = _png_header_only(30_000, 30_000)
    tracemalloc.start()
    started = time.perf_counter()
    result = recognise_page(data, [LAYOUT], SETTINGS)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    _explained(result, PageStatus.REJECTED)
    assert "too large" in result.reasons[0].en and "30000×30000" in result.reasons[0].en
    assert elapsed < 0.5 and peak < 5_000_000
    assert MAX_PIXELS < 30_000 * 30_000


@pytest.mark.parametrize("kind", [".jpg", ".tif"])
def test_huge_header_of_other_formats_is_refused_unread(kind: str) -> None:
    _, data = cv2.imencode(kind, np.full((300, 300), 255, np.uint8))
    raw = bytearray(data.tobytes())
    if kind == ".jpg":
        at = raw.index(b"\xff\xc0") + 5
        raw[at:at + 4] = struct.pack(">HH", 60000, 60000)
    else:
        patched = _patch_tiff_size(bytes(raw), 40000)
        raw = bytearray(patched)
    result = load_page_image(bytes(raw))
    assert isinstance(result, ImageRejection) and "too large" in result.reason.en


def _patch_tiff_size(data: bytes, side: int) -> bytes:
    order = "<" if data[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", data[4:8])[0]
    count = struct.unpack(order + "H", data[offset:offset + 2])[0]
    raw = bytearray(data)
    for index in range(count):
        start = offset + 2 + 12 * index
        tag, kind = struct.unpack(order + "HH", data[start:start + 4])
        if tag in (256, 257):
            code = "H" if kind == 3 else "I"
            raw[start + 8:start + 8 + struct.calcsize(code)] = struct.pack(order + code, side)
    return bytes(raw)


def test_truncated_jpeg_is_rejected(page: tuple[np.ndarray, dict[str, str]]) -> None:
    data = jpeg(page[0], 80)
    for cut in (len(data) // 2, len(data) - 10, 400, 3):
        result = recognise_page(data[:cut], [LAYOUT], SETTINGS)
        _explained(result, PageStatus.REJECTED)


def test_jpeg_with_padding_after_its_end_reads(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image, truth = page
    for padding in (b"\x00" * 100, b"\x00" * 10_000):  # some scanners pad files
        result = recognise_page(jpeg(image, 80) + padding, [LAYOUT], SETTINGS)
        assert result.status == PageStatus.OK and result.answers == truth


def test_cmyk_tiff_reads(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image_module = pytest.importorskip("PIL.Image")
    image, truth = page
    ink = 255 - image
    zeros = np.zeros_like(ink)
    cmyk = image_module.fromarray(np.dstack([zeros, zeros, zeros, ink]), "CMYK")
    buffer = io.BytesIO()
    cmyk.save(buffer, "TIFF", compression="tiff_lzw")
    loaded = load_page_image(buffer.getvalue())
    assert isinstance(loaded, PageImage) and loaded.format == "tiff"
    result = recognise_page(buffer.getvalue(), [LAYOUT], SETTINGS)
    assert result.status == PageStatus.OK and result.answers == truth


def test_sixteen_bit_png_reads(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image, truth = page
    ok, data = cv2.imencode(".png", image.astype(np.uint16) * 257)
    assert ok
    result = recognise_page(data.tobytes(), [LAYOUT], SETTINGS)
    assert result.status == PageStatus.OK and result.answers == truth


def test_one_bit_tiff_reads(page: tuple[np.ndarray, dict[str, str]]) -> None:
    image_module = pytest.importorskip("PIL.Image")
    image, truth = page
    buffer = io.BytesIO()
    image_module.fromarray(image > 128).convert("1").save(buffer, "TIFF",
                                                          compression="group4")
    result = recognise_page(buffer.getvalue(), [LAYOUT], SETTINGS)
    assert result.status == PageStatus.OK and result.answers == truth


def test_pdf_bytes_are_rejected_with_a_hint() -> None:
    data = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    result = recognise_page(data, [LAYOUT], SETTINGS)
    _explained(result, PageStatus.REJECTED)
    assert "PDF" in result.reasons[0].en and "PDF" in result.reasons[0].zh


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                                  b"II*\x00" + b"\xff" * 100, bytes(range(256)) * 50])
def test_garbage_bytes_are_rejected(data: bytes) -> None:
    _explained(recognise_page(data, [LAYOUT], SETTINGS), PageStatus.REJECTED)


def test_no_layouts_is_rejected(page: tuple[np.ndarray, dict[str, str]]) -> None:
    _explained(recognise_page(page[0], [], SETTINGS), PageStatus.REJECTED)


def test_odd_arrays_do_not_raise() -> None:
    for odd in (np.zeros((0, 0), np.uint8), np.zeros(5, np.uint8),
                np.full((600, 400, 3), 255, np.uint8), np.random.default_rng(0).random((600, 400))):
        result = recognise_page(odd, [LAYOUT], SETTINGS)
        assert result.status in (PageStatus.REJECTED, PageStatus.FLAGGED) and result.reasons


@pytest.mark.parametrize("kind", [".png", ".tif"])
def test_truncated_png_and_tiff_are_rejected(page: tuple[np.ndarray, dict[str, str]],
                                             kind: str) -> None:
    _, data = cv2.imencode(kind, page[0])
    raw = data.tobytes()
    for cut in (len(raw) // 2, len(raw) - 20):
        _explained(recognise_page(raw[:cut], [LAYOUT], SETTINGS), PageStatus.REJECTED)
