"""The page store on a real filesystem: round trips, torn files, SIGKILLed writers, a full disk."""

from __future__ import annotations

import errno
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from scanner.page_store import (
    TEMP_PREFIX,
    PageMissingError,
    PageStore,
    PageStoreCorruptError,
    PageWriteError,
    StorageFullError,
    StoredPage,
    free_space,
)

PAGE_COUNT = 200
LARGE_PAGE_SIZE = 8 * 1024 * 1024
RECEIVE_DEADLINE_SECONDS = 120
FULL_DISK_ZH = "磁盘空间已满：页面未保存。请释放空间后继续扫描，已保存的页面不受影响。"
FULL_DISK_EN = (
    "The disk is full: the page was not saved. Free some space and resume scanning; "
    "pages already saved are safe."
)


def page_bytes(index: int, size: int | None = None) -> bytes:
    """Deterministic, distinct bytes standing in for scanned page `index`."""
    length = size if size is not None else 2_000 + (index * 7_919) % 60_000
    return random.Random(index).randbytes(length)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def temp_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob(f"{TEMP_PREFIX}*"))


def page_files(root: Path) -> list[Path]:
    return sorted(path for path in root.glob("??/*") if not path.name.startswith("."))


# --- round trips, duplicates, verification -------------------------------------------------


def test_put_then_read_returns_the_same_bytes_at_a_content_addressed_path(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "pages")
    data = page_bytes(1)
    page = store.put(data, "png")
    digest = sha256(data)
    assert page.content_hash == digest
    assert page.path == tmp_path / "pages" / digest[:2] / f"{digest}.png"
    assert page.size == len(data) and page.created
    assert store.read(digest) == data
    assert store.path_for(digest) == page.path
    assert store.find(digest) == StoredPage(digest, page.path, len(data), created=False)


def test_same_bytes_twice_make_one_file_and_the_second_put_creates_nothing(
    tmp_path: Path,
) -> None:
    store = PageStore(tmp_path)
    first = store.put(page_bytes(2), "png")
    modified = first.path.stat().st_mtime_ns
    second = store.put(page_bytes(2), ".PNG")
    third = store.put(page_bytes(2), "tif")
    assert first.created and not second.created and not third.created
    assert second.path == third.path == first.path
    assert first.path.stat().st_mtime_ns == modified
    assert page_files(tmp_path) == [first.path]


def test_different_bytes_make_different_files(tmp_path: Path) -> None:
    store = PageStore(tmp_path)
    pages = [store.put(page_bytes(index), "jpg") for index in range(5)]
    assert len({page.content_hash for page in pages}) == 5
    assert page_files(tmp_path) == sorted(page.path for page in pages)
    assert [store.read(page.content_hash) for page in pages] == [page_bytes(i) for i in range(5)]


def test_a_corrupted_file_is_refused_on_read_and_kept(tmp_path: Path) -> None:
    store = PageStore(tmp_path)
    page = store.put(page_bytes(3), "png")
    damaged = bytearray(page.path.read_bytes())
    damaged[100] ^= 0xFF
    page.path.write_bytes(bytes(damaged))
    with pytest.raises(PageStoreCorruptError) as caught:
        store.read(page.content_hash)
    assert caught.value.path == page.path
    assert "损坏" in caught.value.message("zh_CN")
    assert "damaged" in caught.value.message("en")
    assert page.path.read_bytes() == bytes(damaged)


@pytest.mark.parametrize("damage", ["truncated", "same size, wrong bytes"])
def test_put_rewrites_a_torn_file_under_the_page_name(tmp_path: Path, damage: str) -> None:
    store = PageStore(tmp_path)
    data = page_bytes(4)
    page = store.put(data, "png")
    if damage == "truncated":
        page.path.write_bytes(data[: len(data) // 2])
    else:
        page.path.write_bytes(bytes(len(data)))
    again = store.put(data, "tif")
    assert again.created and again.path == page.path
    assert store.read(page.content_hash) == data
    assert page_files(tmp_path) == [page.path] and temp_files(tmp_path) == []


def test_unknown_and_malformed_hashes_and_suffixes_are_refused(tmp_path: Path) -> None:
    store = PageStore(tmp_path)
    missing = sha256(b"never stored")
    assert store.find(missing) is None
    with pytest.raises(PageMissingError) as caught:
        store.read(missing)
    assert missing[:12] in caught.value.message("en") and "找不到" in caught.value.message("zh")
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_for("../../etc/passwd")
    for bad_suffix in ("", "../png", "p.ng", "verylongextension"):
        with pytest.raises(ValueError, match="extension"):
            store.put(b"page", bad_suffix)
    assert not tmp_path.joinpath(sha256(b"page")[:2]).exists()


def test_iter_stored_lists_pages_only_and_orphan_temps_are_removed(tmp_path: Path) -> None:
    store = PageStore(tmp_path)
    pages = [store.put(page_bytes(index), "png") for index in range(3)]
    shard = pages[0].path.parent
    orphan = shard / f"{TEMP_PREFIX}0123abcd"
    orphan.write_bytes(b"half a page")
    (tmp_path / "notes.txt").write_text("not a page")
    (shard / "garbage.png").write_bytes(b"not named by hash")
    (tmp_path / "zz").mkdir()
    assert list(store.iter_stored()) == sorted(
        (StoredPage(p.content_hash, p.path, p.size, created=False) for p in pages),
        key=lambda stored: stored.content_hash,
    )
    assert store.remove_orphan_temps() == [orphan]
    assert not orphan.exists() and (shard / "garbage.png").exists()
    assert store.remove_orphan_temps() == []


def test_a_store_whose_folder_cannot_be_made_raises_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "pages"
    blocker.write_bytes(b"a file where the folder should be")
    with pytest.raises(PageWriteError) as caught:
        PageStore(blocker).put(page_bytes(5), "png")
    assert not isinstance(caught.value, StorageFullError)
    assert "could not be saved" in caught.value.message("en")
    assert temp_files(tmp_path) == []


def test_free_space_reports_the_disk_of_the_nearest_existing_folder(tmp_path: Path) -> None:
    free = free_space(tmp_path / "not" / "yet" / "made")
    assert free > 0
    assert abs(free - shutil.disk_usage(tmp_path).free) < 64 * 1024 * 1024


# --- crash simulation: a real child process killed with SIGKILL ----------------------------


def _put_pages_and_report(root: Path, report: Connection) -> None:
    """Child: store the batch, report each saved hash, then wait to be killed."""
    store = PageStore(root)
    for index in range(PAGE_COUNT):
        report.send(store.put(page_bytes(index), "png").content_hash)
    report.recv()


def _put_large_page_and_pause_before_rename(root: Path, report: Connection) -> None:
    """Child: store three pages, then a large one, and stop once its temp file is written."""

    def pause(temp: Path, final: Path) -> None:
        report.send(("paused", str(temp), str(final)))
        report.recv()

    store = PageStore(root)
    for index in range(3):
        report.send(("stored", store.put(page_bytes(index), "png").content_hash))
    PageStore(root, before_rename=pause).put(page_bytes(99, LARGE_PAGE_SIZE), "tif")


ChildTarget = Callable[[Path, Connection], None]
Spawn = Callable[[ChildTarget, Path], tuple[multiprocessing.Process, Connection]]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start writer children over a pipe; any still alive at teardown are killed."""
    children: list[multiprocessing.Process] = []

    def start(target: ChildTarget, root: Path) -> tuple[multiprocessing.Process, Connection]:
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe()
        process = context.Process(target=target, args=(root, child_end), daemon=True)
        process.start()
        child_end.close()
        children.append(process)
        return process, parent_end

    yield start
    for process in children:
        if process.is_alive():
            process.kill()
        process.join(timeout=60)


def _receive(connection: Connection) -> Any:
    """The child's next message; fails the test instead of hanging if the child goes quiet."""
    if not connection.poll(RECEIVE_DEADLINE_SECONDS):
        pytest.fail(f"the writer child sent nothing for {RECEIVE_DEADLINE_SECONDS} s")
    return connection.recv()


def _kill(process: multiprocessing.Process) -> None:
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=60)
    assert process.exitcode == -signal.SIGKILL


def _drain(connection: Connection) -> list[object]:
    """Everything the killed child managed to send before it died."""
    messages: list[object] = []
    while True:
        try:
            if not connection.poll():
                return messages
            messages.append(connection.recv())
        except (EOFError, OSError):
            return messages


def _assert_store_is_clean_and_intact(store: PageStore, must_hold: set[str]) -> list[str]:
    """After recovery: no temps, each page once, every page readable and a known page."""
    store.remove_orphan_temps()
    assert temp_files(store.root) == []
    stored = [page.content_hash for page in store.iter_stored()]
    assert len(stored) == len(set(stored)) == len(page_files(store.root))
    assert must_hold <= set(stored)
    for content_hash in stored:
        assert sha256(store.read(content_hash)) == content_hash
    return stored


@pytest.mark.parametrize("kill_after", [0, 1, 9, 60])
def test_a_writer_killed_at_any_moment_loses_no_reported_page_and_doubles_none(
    tmp_path: Path, spawn: Spawn, kill_after: int
) -> None:
    root = tmp_path / "pages"
    process, report = spawn(_put_pages_and_report, root)
    reported = [_receive(report) for _ in range(kill_after)]
    _kill(process)
    reported += _drain(report)
    assert len(reported) < PAGE_COUNT, "the kill should land while the batch is being written"

    store = PageStore(root)
    stored = _assert_store_is_clean_and_intact(store, set(reported))
    batch = {sha256(page_bytes(index)) for index in range(PAGE_COUNT)}
    assert set(stored) <= batch

    resumed = [store.put(page_bytes(index), "png") for index in range(PAGE_COUNT)]
    assert {page.content_hash for page in resumed if not page.created} == set(stored)
    assert len(list(store.iter_stored())) == PAGE_COUNT == len(page_files(root))


def test_a_writer_killed_between_temp_file_and_rename_leaves_only_a_temp(
    tmp_path: Path, spawn: Spawn
) -> None:
    root = tmp_path / "pages"
    process, report = spawn(_put_large_page_and_pause_before_rename, root)
    reported = [_receive(report) for _ in range(3)]
    kind, temp, final = _receive(report)
    assert kind == "paused"
    assert Path(temp).stat().st_size == LARGE_PAGE_SIZE and not Path(final).exists()
    _kill(process)

    store = PageStore(root)
    assert store.remove_orphan_temps() == [Path(temp)]
    stored = _assert_store_is_clean_and_intact(store, {hash_ for _, hash_ in reported})
    assert sorted(stored) == sorted(hash_ for _, hash_ in reported)
    large = page_bytes(99, LARGE_PAGE_SIZE)
    assert store.find(sha256(large)) is None
    retried = store.put(large, "tif")
    assert retried.created and retried.path == Path(final)
    assert store.read(retried.content_hash) == large


# --- a full disk: a real 1 MiB tmpfs --------------------------------------------------------


def _cannot_mount(reason: str) -> None:
    message = f"cannot mount a small tmpfs to fill: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: the full-disk test must run in CI)")
    pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for this test and unmounted after it."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        _cannot_mount("needs root on Linux and the mount command")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        _cannot_mount(result.stderr.strip() or f"mount exited {result.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def _fill(path: Path) -> None:
    """Write to `path` until the disk refuses with ENOSPC."""
    chunk = b"\0" * 16_384
    with open(path, "wb", buffering=0) as stream:
        while True:
            try:
                stream.write(chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                return


def test_a_full_disk_saves_nothing_half_written_and_the_same_page_succeeds_later(
    small_disk: Path,
) -> None:
    store = PageStore(small_disk / "pages")
    earlier = [store.put(page_bytes(index, 100_000), "png") for index in range(3)]
    slack = small_disk / "slack"
    slack.write_bytes(b"\0" * 96 * 1024)
    filler = small_disk / "filler"
    _fill(filler)
    slack.unlink()
    page = page_bytes(7, 300_000)
    assert 0 < free_space(small_disk) < len(page)

    with pytest.raises(StorageFullError) as caught:
        store.put(page, "png")
    assert caught.value.message("zh_CN") == FULL_DISK_ZH
    assert caught.value.message("en") == FULL_DISK_EN
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == errno.ENOSPC
    assert temp_files(small_disk) == []
    assert store.find(sha256(page)) is None
    assert [store.read(saved.content_hash) for saved in earlier] == [
        page_bytes(index, 100_000) for index in range(3)
    ]

    filler.unlink()
    retried = store.put(page, "png")
    assert retried.created and store.read(retried.content_hash) == page
    assert len(list(store.iter_stored())) == 4 and temp_files(small_disk) == []
