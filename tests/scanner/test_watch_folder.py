"""The watch folder with real files; polls are paced by the test's `pause`, never by sleeping."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import NotFoundError
from core.progress import CancelToken
from scanner.errors import ScannerUnavailableError
from scanner.watch_folder import JOURNAL_NAME, TakenJournal, WatchFolder, wait_unless_cancelled

HANDSHAKE_TIMEOUT = 10.0


def png_bytes(shade: int, size: int = 200) -> bytes:
    pixels = np.random.default_rng(shade).integers(0, 256, (size, size), dtype=np.uint8)
    return cv2.imencode(".png", pixels)[1].tobytes()


class PollScript:
    """A `pause` that runs one action per poll and cancels after `limit` polls (a safety net)."""

    def __init__(self, cancel: CancelToken, actions: dict[int, Callable[[], None]], limit: int):
        self.cancel = cancel
        self.actions = actions
        self.limit = limit
        self.polls = 0

    def __call__(self, seconds: float, cancel: CancelToken) -> None:
        self.polls += 1
        self.actions.get(self.polls, lambda: None)()
        if self.polls >= self.limit:
            self.cancel.cancel()


def test_a_file_written_slowly_is_taken_only_when_complete(tmp_path: Path) -> None:
    content = png_bytes(1)
    chunks = [
        content[i : i + len(content) // 4 + 1]
        for i in range(0, len(content), len(content) // 4 + 1)
    ]
    chunk_written, poll_done, writer_finished = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    sizes_seen_by_polls: list[int] = []

    def write_slowly() -> None:
        with (tmp_path / "scan_0001.png").open("wb") as page:
            for index, chunk in enumerate(chunks):
                if index:
                    assert poll_done.wait(HANDSHAKE_TIMEOUT)
                    poll_done.clear()
                page.write(chunk)
                page.flush()
                chunk_written.set()
        writer_finished.set()
        chunk_written.set()

    def pause(seconds: float, cancel: CancelToken) -> None:
        sizes_seen_by_polls.append((tmp_path / "scan_0001.png").stat().st_size)
        poll_done.set()
        if not writer_finished.is_set():
            assert chunk_written.wait(HANDSHAKE_TIMEOUT)
            chunk_written.clear()

    writer = threading.Thread(target=write_slowly)
    writer.start()
    assert chunk_written.wait(HANDSHAKE_TIMEOUT)
    chunk_written.clear()
    cancel = CancelToken()
    batch = WatchFolder(tmp_path, poll_interval=0.0, pause=pause).watch(cancel)
    image = next(batch)
    cancel.cancel()
    assert list(batch) == []
    writer.join(HANDSHAKE_TIMEOUT)

    assert writer_finished.is_set()
    assert image.sequence == 1 and image.problem is None
    assert image.data == content  # the whole file, never a part of it
    assert len(chunks) > 2 and sizes_seen_by_polls[0] < len(content)
    assert batch.stopped_by_cancel


def test_a_file_renamed_into_the_folder_is_taken_and_temp_names_never(tmp_path: Path) -> None:
    content = png_bytes(2)
    (tmp_path / "scan_0002.png.tmp").write_bytes(content)
    (tmp_path / "~scan_0003.png").write_bytes(content)
    (tmp_path / "scan_0004.png.partial").write_bytes(content)
    cancel = CancelToken()
    script = PollScript(
        cancel,
        {1: lambda: os.replace(tmp_path / "scan_0002.png.tmp", tmp_path / "scan_0002.png")},
        limit=10,
    )
    batch = WatchFolder(tmp_path, pause=script).watch(cancel)
    image = next(batch)
    assert image.origin == str(tmp_path / "scan_0002.png") and image.data == content
    assert script.polls == 2  # seen first at poll 2, unchanged at poll 3, taken then
    cancel.cancel()
    assert list(batch) == []


def test_files_are_taken_in_natural_order_each_once(tmp_path: Path) -> None:
    for name in ["page10.png", "page2.png", "page1.png"]:
        (tmp_path / name).write_bytes(png_bytes(len(name)))
    cancel = CancelToken()
    script = PollScript(cancel, {}, limit=6)
    images = list(WatchFolder(tmp_path, pause=script).watch(cancel))
    assert [Path(image.origin).name for image in images] == ["page1.png", "page2.png", "page10.png"]
    assert [image.sequence for image in images] == [1, 2, 3]


def test_taken_files_survive_a_restart(tmp_path: Path) -> None:
    (tmp_path / "a1.png").write_bytes(png_bytes(1))
    (tmp_path / "a2.png").write_bytes(png_bytes(2))
    first_cancel = CancelToken()
    first = list(
        WatchFolder(tmp_path, pause=PollScript(first_cancel, {}, limit=4)).watch(first_cancel)
    )
    assert [Path(image.origin).name for image in first] == ["a1.png", "a2.png"]
    with (tmp_path / JOURNAL_NAME).open("a") as journal:
        journal.write('{"name": "torn')  # a crash in the middle of a line

    (tmp_path / "a3.png").write_bytes(png_bytes(3))
    cancel = CancelToken()
    restarted = WatchFolder(tmp_path, pause=PollScript(cancel, {}, limit=4)).watch(
        cancel, first_sequence=3
    )
    after_restart = list(restarted)
    assert [(Path(i.origin).name, i.sequence) for i in after_restart] == [("a3.png", 3)]


def test_a_rewritten_file_is_a_new_file(tmp_path: Path) -> None:
    page = tmp_path / "scan.png"
    page.write_bytes(png_bytes(1))
    journal = TakenJournal(tmp_path / "elsewhere.jsonl")
    cancel = CancelToken()
    rewrite = {3: lambda: page.write_bytes(png_bytes(2, size=300))}
    script = PollScript(cancel, rewrite, limit=8)
    images = list(WatchFolder(tmp_path, journal=journal, pause=script).watch(cancel))
    assert [image.data for image in images] == [png_bytes(1), png_bytes(2, size=300)]
    assert not (tmp_path / JOURNAL_NAME).exists()


def test_a_corrupt_file_is_delivered_flagged_and_not_again(tmp_path: Path) -> None:
    (tmp_path / "bad.jpg").write_bytes(b"\x00 not an image")
    cancel = CancelToken()
    images = list(WatchFolder(tmp_path, pause=PollScript(cancel, {}, limit=5)).watch(cancel))
    assert len(images) == 1 and images[0].problem is not None
    assert images[0].data == b"\x00 not an image"


def test_waiting_ends_at_once_when_cancelled() -> None:
    cancel = CancelToken()
    cancelled_from_thread = threading.Thread(target=cancel.cancel)
    cancelled_from_thread.start()
    cancelled_from_thread.join()
    started = time.monotonic()
    wait_unless_cancelled(60.0, cancel)
    assert time.monotonic() - started < 5.0


def test_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as missing:
        WatchFolder(tmp_path / "nowhere").watch(CancelToken())
    assert "找不到监视文件夹" in missing.value.message("zh_CN")
    assert "does not exist" in missing.value.message("en")


def test_a_folder_that_vanishes_stops_the_batch_resumably(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "p1.png").write_bytes(png_bytes(1))
    cancel = CancelToken()
    script = PollScript(cancel, {2: lambda: shutil.rmtree(folder)}, limit=6)
    batch = WatchFolder(folder, journal=TakenJournal(tmp_path / "taken.jsonl"), pause=script).watch(
        cancel
    )
    assert next(batch).sequence == 1
    with pytest.raises(ScannerUnavailableError) as gone:
        next(batch)
    assert gone.value.last_sequence == 1
    assert "无法读取监视文件夹" in gone.value.user_message.zh
