"""Turning the bytes of a scanned page into an 8-bit grey image, or a clear refusal.

JPEG, PNG and TIFF are read (colour, CMYK, 16-bit, 1-bit, all to 8-bit grey). The size is
read from the file header first, so an image claiming too many pixels is refused before
any of it is allocated; PDFs are refused with a hint to import them through the scanner
(which rasterises their pages), and truncated or corrupt files are refused with a reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np

from core.i18n import LocalisedText

MAX_PIXELS = 60_000_000
"""Largest image accepted (≈ A3 at 600 dpi); larger ones are refused unread."""

MIN_SIDE = 200
"""Smallest width or height of a page image, in pixels."""


@dataclass(frozen=True)
class PageImage:
    """A decoded page: 8-bit grey pixels and the file format it came from."""

    gray: np.ndarray
    format: str

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.gray.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.gray.shape[0])


@dataclass(frozen=True)
class ImageRejection:
    """Why a file cannot be used as a page image (for the person) and the technical detail."""

    reason: LocalisedText
    detail: str = ""


NOT_AN_IMAGE = LocalisedText(
    "文件不是可识别的图像（支持 JPEG、PNG、TIFF），请检查扫描设置后重新扫描。",
    "The file is not an image we can read (JPEG, PNG or TIFF are supported); "
    "check the scan settings and scan again.")
PDF_GIVEN = LocalisedText(
    "这是一个 PDF 文件，不是页面图像。请通过“扫描 → 导入 PDF/TIFF”导入，程序会逐页转换。",
    "This is a PDF file, not a page image. Import it through Scan → Import PDF/TIFF, "
    "which turns each page into an image.")
TOO_LARGE = LocalisedText(
    "图像过大（{width}×{height} 像素），无法处理。请以 150–300 dpi 重新扫描。",
    "The image is too large ({width}×{height} pixels) to process. Scan again at 150–300 dpi.")
TOO_SMALL = LocalisedText(
    "图像过小（{width}×{height} 像素），不是一页扫描件。请以 150–300 dpi 重新扫描。",
    "The image is too small ({width}×{height} pixels) to be a scanned page. "
    "Scan again at 150–300 dpi.")
TRUNCATED = LocalisedText(
    "图像文件不完整（传输或保存时被截断），请重新扫描该页。",
    "The image file is incomplete (cut off while being sent or saved); scan the page again.")
UNDECODABLE = LocalisedText(
    "图像文件已损坏，无法解码，请重新扫描该页。",
    "The image file is damaged and cannot be decoded; scan the page again.")


def load_page_image(data: bytes) -> PageImage | ImageRejection:
    """Decode a page file to 8-bit grey, or say why it cannot be used (never raises)."""
    try:
        return _load(bytes(data))
    except Exception as exc:  # a bad file must never crash recognition
        return ImageRejection(UNDECODABLE, f"{type(exc).__name__}: {exc}")


def _load(data: bytes) -> PageImage | ImageRejection:
    kind = sniff_format(data)
    if kind == "pdf":
        return ImageRejection(PDF_GIVEN, "PDF signature")
    if kind is None:
        return ImageRejection(NOT_AN_IMAGE, f"unknown signature {data[:8]!r}")
    size = header_size(data, kind)
    if size is None:
        return ImageRejection(UNDECODABLE if len(data) > 64 else TRUNCATED,
                              f"{kind} header unreadable")
    rejection = size_rejection(*size)
    if rejection is not None:
        return rejection
    if kind == "jpeg" and not _jpeg_complete(data):
        return ImageRejection(TRUNCATED, "JPEG without end-of-image marker after its scan")
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        return ImageRejection(UNDECODABLE, f"cv2.imdecode could not decode the {kind}")
    rejection = size_rejection(gray.shape[1], gray.shape[0])
    if rejection is not None:
        return rejection
    return PageImage(to_gray8(gray), kind)


def size_rejection(width: int, height: int) -> ImageRejection | None:
    """A rejection when the size is outside what a scanned page can be."""
    if width * height > MAX_PIXELS:
        return ImageRejection(TOO_LARGE.format(width=width, height=height),
                              f"{width}x{height} > {MAX_PIXELS} pixels")
    if min(width, height) < MIN_SIDE:
        return ImageRejection(TOO_SMALL.format(width=width, height=height),
                              f"{width}x{height} smaller than {MIN_SIDE} px")
    return None


def to_gray8(image: np.ndarray) -> np.ndarray:
    """Any decoded image (grey/BGR/BGRA, 8/16-bit, float, bool) as contiguous 8-bit grey."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if array.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        if array.dtype == np.bool_:
            array = array.astype(np.uint8) * 255
        array = cv2.cvtColor(array, code)
    if array.ndim != 2:
        raise ValueError(f"an image needs 2 or 3 dimensions, not {array.ndim}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        top = 1.0 if float(np.nanmax(array)) <= 1.0 else 255.0
        return np.clip(np.nan_to_num(array) * (255.0 / top), 0, 255).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


THUMBNAIL_WIDTH = 400
"""Width in pixels of the page pictures shown in the exception queue."""

BLANK_INK_FRACTION = 0.001
"""A page with less of its area inked than this is blank (an empty back side)."""


def page_thumbnail(gray: np.ndarray, rotation: int = 0) -> np.ndarray:
    """A small upright copy of the page for people to recognise it by."""
    factor = min(1.0, THUMBNAIL_WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return cv2.rotate(small, cv2.ROTATE_180) if rotation == 180 else small


def is_blank_page(gray: np.ndarray) -> bool:
    """Whether the page carries next to no ink: no print, no writing, only paper and dust."""
    sample = gray[::4, ::4]
    paper = float(np.percentile(sample, 90))
    ink = np.count_nonzero(sample < paper * 0.6) / sample.size
    return bool(ink < BLANK_INK_FRACTION)


def sniff_format(data: bytes) -> str | None:
    """"jpeg", "png", "tiff", "pdf" or None, from the file's first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    return None


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) read from the file header without decoding, or None if unreadable."""
    try:
        if kind == "png":
            return _png_size(data)
        if kind == "jpeg":
            return _jpeg_size(data)
        if kind == "tiff":
            return _tiff_size(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


JPEG_TAIL_BYTES = 4096
"""Bytes at the end of a JPEG file its end-of-image marker is looked for in first."""

_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        if marker == 0xDA:
            return None
        position += 2 + length
    return None


def _jpeg_complete(data: bytes) -> bool:
    """Whether the JPEG's end-of-image marker follows its last scan (not cut off).

    The end marker is looked for near the end of the file first, so a whole scan is not
    searched backwards for the last scan marker (0xFF never precedes a marker code inside
    entropy-coded data, so a marker found is a marker).
    """
    tail = max(0, len(data) - JPEG_TAIL_BYTES)
    end = data.rfind(b"\xff\xd9", tail)
    if end >= 0:
        return data.find(b"\xff\xda", end) < 0 and 0 <= data.find(b"\xff\xda") < end
    last_scan = data.rfind(b"\xff\xda")
    end = data.rfind(b"\xff\xd9")
    return last_scan >= 0 and end > last_scan


_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack(order + "H", data[2:4])[0] == 43
    if big:
        offset = struct.unpack(order + "Q", data[8:16])[0]
        count = struct.unpack(order + "Q", data[offset:offset + 8])[0]
        entry_at, entry_size, value_at = offset + 8, 20, 12
    else:
        offset = struct.unpack(order + "I", data[4:8])[0]
        count = struct.unpack(order + "H", data[offset:offset + 2])[0]
        entry_at, entry_size, value_at = offset + 2, 12, 8
    found: dict[int, int] = {}
    for index in range(min(count, 512)):
        start = entry_at + index * entry_size
        tag, kind = struct.unpack(order + "HH", data[start:start + 4])
        if tag in (256, 257) and kind in _TIFF_TYPES:
            code, width = _TIFF_TYPES[kind]
            found[tag] = struct.unpack(order + code,
                                       data[start + value_at:start + value_at + width])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None
