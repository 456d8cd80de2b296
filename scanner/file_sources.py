"""Pages from files: PDF (rendered with pypdfium2), multi-page TIFF, JPEG/PNG/BMP, folders of them.

A file's type is read from its first bytes, not its name. A one-page image keeps its own
bytes; a PDF page is rendered at the asked dpi (gray unless colour is asked) and a page
of a multi-page TIFF is decoded, each as lossless PNG. Files are decoded from memory
(`cv2.imdecodemulti`), which, unlike `cv2.imreadmulti`, also reads Chinese paths on Windows.

A file that cannot be read does not stop the batch: it yields one page with `problem`
set, the raw bytes kept and the media type `application/octet-stream`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pypdfium2

from core.errors import NotFoundError
from core.i18n import LocalisedText
from core.progress import CancelToken
from scanner.acquisition import PNG, UNREADABLE, CapturedPage, ColourMode
from scanner.backend import ScanBatch
from scanner.file_names import is_page_name, path_key
from scanner.image_bytes import encode_png, media_type_of

POINTS_PER_INCH = 72
_PLAIN_IMAGES = frozenset({"image/png", "image/jpeg", "image/bmp"})

CANNOT_OPEN = LocalisedText(
    "无法打开文件“{name}”：{reason}。请检查文件是否存在、是否有读取权限。",
    "Cannot open “{name}”: {reason}. Check that the file exists and can be read.",
)
NOT_AN_IMAGE = LocalisedText(
    "文件“{name}”不是可识别的图像或 PDF，或已损坏。文件已原样保留，请检查后重新扫描这些页。",
    "“{name}” is not a recognised image or PDF, or it is damaged. It was kept as it is; "
    "check it and scan those pages again.",
)
PDF_PAGE_UNREADABLE = LocalisedText(
    "PDF 文件“{name}”的第 {page} 页无法显示。文件已原样保留，请检查后重新扫描这一页。",
    "Page {page} of the PDF “{name}” cannot be rendered. The file was kept as it is; "
    "check it and scan that page again.",
)
_NO_SUCH_PATH = LocalisedText(
    "找不到“{path}”：请检查文件或文件夹的路径。",
    "“{path}” does not exist: check the path of the file or folder.",
)


def file_pages(
    path: Path, dpi: int = 200, colour: ColourMode = ColourMode.GRAY
) -> Iterator[CapturedPage]:
    """The pages of one file, in order; an unreadable file gives one page with a problem."""
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = CANNOT_OPEN.format(name=path.name, reason=error.strerror or error)
        yield CapturedPage(b"", UNREADABLE, str(path), problem=problem)
        return
    media_type = media_type_of(data)
    if media_type == "application/pdf":
        yield from _pdf_pages(path, data, dpi, colour)
    elif media_type == "image/tiff":
        yield from _tiff_pages(path, data)
    elif media_type in _PLAIN_IMAGES and _decodes(data):
        yield CapturedPage(data, media_type, str(path))
    else:
        yield _unreadable(path, data)


def collect_files(paths: Iterable[Path], recursive: bool = False) -> list[Path]:
    """The files named, folders expanded to their page files in natural order.

    A missing path raises `NotFoundError` before anything is read; a file named
    explicitly is taken whatever its name, a folder contributes only page file names.
    """
    collected: list[Path] = []
    for path in paths:
        if path.is_dir():
            collected += _folder_files(path, recursive)
        elif path.exists():
            collected.append(path)
        else:
            raise NotFoundError(_NO_SUCH_PATH.format(path=path), detail=f"no such path: {path}")
    return collected


def import_files(
    paths: Iterable[Path],
    cancel: CancelToken,
    dpi: int = 200,
    colour: ColourMode = ColourMode.GRAY,
    recursive: bool = False,
    first_sequence: int = 1,
) -> ScanBatch:
    """A batch of every page of the files and folders in `paths`, checked for cancel per page."""
    files = collect_files(paths, recursive)
    return ScanBatch(_pages_of(files, cancel, dpi, colour), cancel, first_sequence)


def _pages_of(
    files: list[Path], cancel: CancelToken, dpi: int, colour: ColourMode
) -> Iterator[CapturedPage]:
    for path in files:
        for page in file_pages(path, dpi, colour):
            if cancel.cancelled:
                return
            yield page


def _folder_files(folder: Path, recursive: bool) -> list[Path]:
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    files = [
        path
        for path in candidates
        if path.is_file()
        and is_page_name(path.name)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda path: path_key(path.relative_to(folder)))


def _decodes(data: bytes) -> bool:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) is not None


def _unreadable(path: Path, data: bytes) -> CapturedPage:
    return CapturedPage(data, UNREADABLE, str(path), problem=NOT_AN_IMAGE.format(name=path.name))


def _tiff_pages(path: Path, data: bytes) -> Iterator[CapturedPage]:
    ok, pages = cv2.imdecodemulti(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if not ok or not pages:
        yield _unreadable(path, data)
    elif len(pages) == 1:
        yield CapturedPage(data, "image/tiff", str(path))
    else:
        for number, pixels in enumerate(pages, 1):
            yield CapturedPage(encode_png(pixels), PNG, f"{path}#page={number}")


def _pdf_pages(path: Path, data: bytes, dpi: int, colour: ColourMode) -> Iterator[CapturedPage]:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        yield _unreadable(path, data)
        return
    try:
        for index in range(len(document)):
            yield _pdf_page(path, data, document, index, dpi, colour)
    finally:
        document.close()


def _pdf_page(
    path: Path,
    data: bytes,
    document: pypdfium2.PdfDocument,
    index: int,
    dpi: int,
    colour: ColourMode,
) -> CapturedPage:
    origin = f"{path}#page={index + 1}"
    try:
        bitmap = document[index].render(
            scale=dpi / POINTS_PER_INCH, grayscale=colour == ColourMode.GRAY
        )
        pixels = bitmap.to_numpy()
    except pypdfium2.PdfiumError:
        problem = PDF_PAGE_UNREADABLE.format(name=path.name, page=index + 1)
        return CapturedPage(data, UNREADABLE, origin, problem=problem)
    return CapturedPage(encode_png(pixels), PNG, origin, dpi=dpi)
