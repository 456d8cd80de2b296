from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core.errors import NotFoundError
from core.progress import CancelToken
from scanner.file_sources import collect_files, file_pages, import_files


def sheet(shade: int, height: int = 60, width: int = 40) -> np.ndarray:
    pixels = np.full((height, width), 255, np.uint8)
    pixels[10:20, 10:30] = shade
    return pixels


def write_png(path: Path, shade: int) -> bytes:
    data = cv2.imencode(".png", sheet(shade))[1].tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def write_pdf(path: Path, pages: int) -> None:
    document = canvas.Canvas(str(path), pagesize=A4)
    for number in range(pages):
        document.rect(100, 100, 200 + 50 * number, 100, fill=1)
        document.showPage()
    document.save()


def test_single_images_keep_their_own_bytes(tmp_path: Path) -> None:
    png = write_png(tmp_path / "a.png", 0)
    jpeg = cv2.imencode(".jpg", sheet(0))[1].tobytes()
    (tmp_path / "b.jpg").write_bytes(jpeg)
    pages = [*file_pages(tmp_path / "a.png"), *file_pages(tmp_path / "b.jpg")]
    assert [(p.data, p.media_type) for p in pages] == [(png, "image/png"), (jpeg, "image/jpeg")]
    assert all(p.problem is None for p in pages)


def test_pdf_pages_are_rendered_gray_at_the_asked_dpi(tmp_path: Path) -> None:
    write_pdf(tmp_path / "exam.pdf", pages=3)
    batch = import_files([tmp_path / "exam.pdf"], CancelToken(), dpi=50)
    images = list(batch)
    assert [image.sequence for image in images] == [1, 2, 3]
    assert [image.origin.rsplit("#", 1)[1] for image in images] == ["page=1", "page=2", "page=3"]
    pixels = images[0].decode()
    assert pixels.ndim == 2  # gray
    assert pixels.shape == (math.ceil(A4[1] / 72 * 50), math.ceil(A4[0] / 72 * 50))
    assert images[0].dpi == 50 and images[0].media_type == "image/png"
    assert images[0].data != images[2].data  # the pages differ, in order


def test_multipage_tiff_gives_one_png_per_page(tmp_path: Path) -> None:
    path = tmp_path / "batch.tif"
    assert cv2.imwritemulti(str(path), [sheet(0), sheet(100), sheet(200)])
    images = list(import_files([path], CancelToken()))
    assert len(images) == 3
    assert [int(image.decode()[15, 15]) for image in images] == [0, 100, 200]


def test_single_page_tiff_keeps_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "one.tiff"
    assert cv2.imwrite(str(path), sheet(0))
    (page,) = file_pages(path)
    assert page.data == path.read_bytes() and page.media_type == "image/tiff"


def test_corrupt_files_become_flagged_pages_and_the_batch_goes_on(tmp_path: Path) -> None:
    (tmp_path / "1.jpg").write_bytes(b"this is not a jpeg")
    (tmp_path / "2.pdf").write_bytes(b"%PDF-1.4 truncated")
    (tmp_path / "3.tif").write_bytes(b"II*\x00garbage")
    good = write_png(tmp_path / "4.png", 0)
    images = list(import_files([tmp_path], CancelToken()))
    assert [image.sequence for image in images] == [1, 2, 3, 4]
    for image, name in zip(images[:3], ["1.jpg", "2.pdf", "3.tif"], strict=True):
        assert image.problem is not None and name in image.problem.zh and name in image.problem.en
        assert image.media_type == "application/octet-stream"
        assert image.data == (tmp_path / name).read_bytes()  # kept as it was
    assert images[3].problem is None and images[3].data == good


def test_folders_in_natural_order_and_recursive_on_request(tmp_path: Path) -> None:
    for name in ["page10.png", "page2.png", "page1.png", "sub/page3.png"]:
        write_png(tmp_path / name, 0)
    for ignored in ["~page0.png", "page5.png.tmp", ".hidden.png", "notes.txt", "page6.partial"]:
        (tmp_path / ignored).write_bytes(b"x")
    flat = [path.name for path in collect_files([tmp_path])]
    assert flat == ["page1.png", "page2.png", "page10.png"]
    deep = [path.relative_to(tmp_path).as_posix() for path in collect_files([tmp_path], True)]
    assert deep == ["page1.png", "page2.png", "page10.png", "sub/page3.png"]


def test_missing_path_is_reported_before_any_page(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as missing:
        import_files([tmp_path / "nowhere.pdf"], CancelToken())
    assert "nowhere.pdf" in missing.value.message("zh_CN")
    assert "does not exist" in missing.value.message("en")


def test_cancel_stops_between_pages(tmp_path: Path) -> None:
    for number in range(1, 5):
        write_png(tmp_path / f"{number}.png", number)
    cancel = CancelToken()
    batch = import_files([tmp_path], cancel)
    taken = []
    for image in batch:
        taken.append(image.sequence)
        cancel.cancel()
    assert taken == [1] and batch.stopped_by_cancel
