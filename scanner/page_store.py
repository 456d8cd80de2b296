"""The durable, content-addressed page store: every scanned page on disk before anything else.

A page's bytes are named by their SHA-256 and written temp file → fsync → rename → fsync of
the folder, so a crash, a kill or a full disk at any moment loses no saved page and doubles
none. Layout: `<root>/<hash[:2]>/<hash>.<suffix>`; temp files are `.tmp-<uuid>` beside them.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import PtwError
from core.i18n import LocalisedText

TEMP_PREFIX = ".tmp-"
_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
_SUFFIX_PATTERN = re.compile(r"[a-z0-9]{1,10}")
_PAGE_NAME_PATTERN = re.compile(r"(?P<hash>[0-9a-f]{64})\.(?P<suffix>[a-z0-9]{1,10})")
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

BeforeRename = Callable[[Path, Path], None]


class PageStoreError(PtwError):
    """Base of the page store's errors, so a scan session can catch them in one place."""


class PageWriteError(PageStoreError):
    """A page could not be written (permissions, read-only disk, I/O error); nothing was kept."""

    message_template = LocalisedText(
        "页面未能保存到“{folder}”：{reason}。请检查该文件夹可以写入后继续扫描，"
        "已保存的页面不受影响。",
        "The page could not be saved in “{folder}”: {reason}. Check that the folder "
        "can be written to and resume scanning; pages already saved are safe.",
    )

    def __init__(self, folder: Path, reason: str) -> None:
        message = self.message_template.format(folder=folder, reason=reason)
        super().__init__(message, detail=f"writing a page in {folder}: {reason}")
        self.folder = folder


class StorageFullError(PageWriteError):
    """The disk (or the user's quota) is full; the page was not saved and may be retried."""

    message_template = LocalisedText(
        "磁盘空间已满：页面未保存。请释放空间后继续扫描，已保存的页面不受影响。",
        "The disk is full: the page was not saved. Free some space and resume scanning; "
        "pages already saved are safe.",
    )


class PageStoreCorruptError(PageStoreError):
    """A stored page's bytes no longer match its name; the file is kept for inspection."""

    def __init__(self, path: Path, actual_hash: str) -> None:
        message = LocalisedText(
            "页面文件已损坏：“{path}”的内容与其校验值不符。请重新扫描这一页，原文件已保留以便检查。",
            "The page file is damaged: the contents of “{path}” do not match its checksum. "
            "Scan this page again; the file has been kept for inspection.",
        ).format(path=path)
        super().__init__(message, detail=f"{path}: content hashes to {actual_hash}")
        self.path = path


class PageMissingError(PageStoreError):
    """No stored page has the asked-for hash: it was never saved, or moved or deleted."""

    def __init__(self, content_hash: str, root: Path) -> None:
        message = LocalisedText(
            "在“{root}”中找不到页面 {hash}：它可能已被移动或删除。请重新扫描这一页。",
            "Page {hash} was not found in “{root}”: it may have been moved or deleted. "
            "Scan this page again.",
        ).format(root=root, hash=content_hash[:12])
        super().__init__(message, detail=f"no file for {content_hash} under {root}")


@dataclass(frozen=True, slots=True)
class StoredPage:
    """One page durably on disk: its SHA-256, path and size, and whether this call wrote it."""

    content_hash: str
    path: Path
    size: int
    created: bool


class PageStore:
    """Pages on disk named by content; `put` is atomic, durable and idempotent.

    `before_rename` is a test seam: it is called with (temp, final) once the temp file is
    written and fsynced but before it is renamed, so a crash test can kill the writer there.
    """

    def __init__(self, root: Path, *, before_rename: BeforeRename | None = None) -> None:
        self.root = Path(root)
        self._before_rename = before_rename

    def put(self, data: bytes, suffix: str) -> StoredPage:
        """Store `data` durably; the same bytes again return the stored page and write nothing.

        A file already under the page's name but with other contents (torn by a crash) is
        replaced. Raises `StorageFullError` on a full disk, `PageWriteError` on other
        failures; either way no temp or partial file is left behind.
        """
        extension = _suffix(suffix)
        content_hash = hashlib.sha256(data).hexdigest()
        existing = self._locate(content_hash)
        if existing is not None and _file_holds(existing, data):
            return StoredPage(content_hash, existing, len(data), created=False)
        target = existing or self._shard_dir(content_hash) / f"{content_hash}.{extension}"
        self._write_atomically(target, data)
        return StoredPage(content_hash, target, len(data), created=True)

    def find(self, content_hash: str) -> StoredPage | None:
        """The stored page named `content_hash`, or None; checks the name only, not the bytes."""
        path = self._locate(_checked_hash(content_hash))
        if path is None:
            return None
        return StoredPage(content_hash, path, path.stat().st_size, created=False)

    def path_for(self, content_hash: str) -> Path:
        """Where the page named `content_hash` is; raises `PageMissingError` if it is not stored."""
        path = self._locate(_checked_hash(content_hash))
        if path is None:
            raise PageMissingError(content_hash, self.root)
        return path

    def read(self, content_hash: str) -> bytes:
        """The page's bytes, verified against its hash (`PageStoreCorruptError` if they differ)."""
        path = self.path_for(content_hash)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise PageMissingError(content_hash, self.root) from None
        actual_hash = hashlib.sha256(data).hexdigest()
        if actual_hash != content_hash:
            raise PageStoreCorruptError(path, actual_hash)
        return data

    def iter_stored(self) -> Iterator[StoredPage]:
        """Every page under its final name, one per hash, in hash order: what a crash left to adopt.

        Names are trusted here, bytes are not read; `read` verifies them.
        """
        for shard in self._shard_dirs():
            seen: set[str] = set()
            for path in sorted(shard.iterdir()):
                match = _PAGE_NAME_PATTERN.fullmatch(path.name)
                if match is None or not match["hash"].startswith(shard.name):
                    continue
                if match["hash"] in seen or not path.is_file():
                    continue
                seen.add(match["hash"])
                yield StoredPage(match["hash"], path, path.stat().st_size, created=False)

    def remove_orphan_temps(self) -> list[Path]:
        """Delete temp files a crash left behind and return them; call before any `put` starts.

        A temp file belonging to a `put` still running in another process would be deleted too,
        so this belongs at start-up, while no scan is writing to this store.
        """
        removed: list[Path] = []
        folders = [self.root, *self._shard_dirs()] if self.root.is_dir() else []
        for folder in folders:
            for path in folder.iterdir():
                if path.name.startswith(TEMP_PREFIX) and path.is_file():
                    path.unlink(missing_ok=True)
                    removed.append(path)
        return sorted(removed)

    def _write_atomically(self, target: Path, data: bytes) -> None:
        """Temp file, flush, fsync, rename over `target`, fsync the folder; undo on failure."""
        temp = target.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            _make_dirs_durably(target.parent)
            with open(temp, "xb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if self._before_rename is not None:
                self._before_rename(temp, target)
            os.replace(temp, target)
            _fsync_dir(target.parent)
        except OSError as error:
            _discard(temp)
            raise _write_error(target.parent, error) from error
        except BaseException:
            _discard(temp)
            raise

    def _locate(self, content_hash: str) -> Path | None:
        """The final file for `content_hash` under any suffix, or None."""
        shard = self._shard_dir(content_hash)
        if not shard.is_dir():
            return None
        for path in sorted(shard.glob(f"{content_hash}.*")):
            if _PAGE_NAME_PATTERN.fullmatch(path.name) and path.is_file():
                return path
        return None

    def _shard_dir(self, content_hash: str) -> Path:
        """The folder a hash lives in: its first two hex digits, so no folder grows huge."""
        return self.root / content_hash[:2]

    def _shard_dirs(self) -> list[Path]:
        """The two-hex-digit folders under the root, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            path
            for path in self.root.iterdir()
            if re.fullmatch(r"[0-9a-f]{2}", path.name) and path.is_dir()
        )


def free_space(root: Path) -> int:
    """Bytes free on the disk holding `root` (or its nearest existing parent), to warn early."""
    folder = Path(root).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _write_error(folder: Path, error: OSError) -> PageWriteError:
    """The page store error for a failed write: `StorageFullError` when the disk is full."""
    reason = error.strerror or str(error)
    if error.errno in _DISK_FULL_ERRNOS:
        return StorageFullError(folder, reason)
    return PageWriteError(folder, reason)


def _discard(temp: Path) -> None:
    """Remove a temp file after a failed write; a failure here must not hide the first one."""
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def _file_holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` has exactly `data`: size first, then the bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def _checked_hash(content_hash: str) -> str:
    """`content_hash` if it is a lowercase SHA-256 hex digest; ValueError otherwise."""
    if not _HASH_PATTERN.fullmatch(content_hash):
        raise ValueError(f"not a SHA-256 hex digest: {content_hash!r}")
    return content_hash


def _suffix(suffix: str) -> str:
    """The extension without its dot, lowercased; ValueError unless short and alphanumeric."""
    cleaned = suffix.removeprefix(".").lower()
    if not _SUFFIX_PATTERN.fullmatch(cleaned):
        raise ValueError(f"not a usable file extension: {suffix!r}")
    return cleaned


def _make_dirs_durably(folder: Path) -> None:
    """Create `folder` and any missing parents, fsyncing each parent so the new entry survives."""
    missing: list[Path] = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        _fsync_dir(directory.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a folder's entries durable; skipped on Windows and where the filesystem refuses."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)
