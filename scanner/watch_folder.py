"""A folder that vendor capture software (PaperStream, CaptureOnTouch, Kodak Capture Pro) fills.

Each poll lists the page files (temporary, lock and hidden names are skipped, see
`file_names`). A file is taken only when it is complete: its size and modification
time are the same at two polls in a row, it is not empty, and it can be opened (Windows
locks a file its writer holds). A file renamed into the folder is complete at once and so
is taken at the second poll that sees it. Files that become complete together are taken in
natural name order, then by modification time; each file's pages come in file order.

Each file is taken once: when the caller asks for the page after a file's last page,
the file (name, size, modification time) is appended to a journal, by default
`.ptw-taken.jsonl` in the folder, and fsynced, so a restart does not take it again. A
file rewritten later with other content is a new file. A caller that stops iterating
before asking for the next page gets that file again after a restart (the page store,
addressed by content, keeps one copy). Cancelling stops the watch between files and
while waiting; a file being delivered is finished first, so it is never taken in part.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from core.errors import NotFoundError
from core.i18n import LocalisedText
from core.progress import CancelToken
from scanner.acquisition import CapturedPage, ColourMode
from scanner.backend import ScanBatch
from scanner.errors import ScannerUnavailableError
from scanner.file_names import is_page_name, natural_key
from scanner.file_sources import file_pages

JOURNAL_NAME = ".ptw-taken.jsonl"
Pause = Callable[[float, CancelToken], None]

_NO_FOLDER = LocalisedText(
    "找不到监视文件夹“{folder}”：请检查扫描软件的保存位置，并在这里填写同一个文件夹。",
    "The watch folder “{folder}” does not exist: check where the capture software saves "
    "its files and give that same folder here.",
)
_FOLDER_UNREADABLE = LocalisedText(
    "无法读取监视文件夹“{folder}”：{reason}。已收到的页面不受影响；请检查文件夹后继续。",
    "The watch folder “{folder}” cannot be read: {reason}. Pages already received are "
    "safe; check the folder, then continue.",
)


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A file as it was when taken: its name in the folder, size and modification time."""

    name: str
    size: int
    mtime_ns: int


class TakenJournal:
    """The files already taken from a watch folder: one JSON line each, appended and fsynced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._taken = _read_journal(path)

    def __contains__(self, stamp: object) -> bool:
        return stamp in self._taken

    def record(self, stamp: FileStamp) -> None:
        """Remember `stamp` durably before anything else happens."""
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(json.dumps(asdict(stamp), ensure_ascii=False) + "\n")
            journal.flush()
            os.fsync(journal.fileno())
        self._taken.add(stamp)


def _read_journal(path: Path) -> set[FileStamp]:
    """The stamps in a journal; a line torn by a crash mid-write is skipped."""
    if not path.exists():
        return set()
    taken = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            taken.add(FileStamp(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return taken


def wait_unless_cancelled(seconds: float, cancel: CancelToken) -> None:
    """Sleep for `seconds`, returning early (within 50 ms) once `cancel` is set."""
    deadline = time.monotonic() + seconds
    while not cancel.cancelled and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.05))


class WatchFolder:
    """Takes complete page files from `folder`, each once, until cancelled."""

    def __init__(
        self,
        folder: Path,
        poll_interval: float = 1.0,
        journal: TakenJournal | None = None,
        dpi: int = 200,
        colour: ColourMode = ColourMode.GRAY,
        pause: Pause = wait_unless_cancelled,
    ) -> None:
        self.folder = folder
        self.poll_interval = poll_interval
        self.journal = journal or TakenJournal(folder / JOURNAL_NAME)
        self._dpi = dpi
        self._colour = colour
        self._pause = pause

    def watch(self, cancel: CancelToken, first_sequence: int = 1) -> ScanBatch:
        """A batch that delivers pages as files complete, until `cancel` is set.

        A folder that does not exist raises `NotFoundError` here; one that cannot be
        listed later stops the batch with `ScannerUnavailableError` (resumable).
        """
        if not self.folder.is_dir():
            raise NotFoundError(
                _NO_FOLDER.format(folder=self.folder), detail=f"no folder {self.folder}"
            )
        return ScanBatch(self._pages(cancel), cancel, first_sequence)

    def _pages(self, cancel: CancelToken) -> Iterator[CapturedPage]:
        previous: dict[str, FileStamp] = {}
        while not cancel.cancelled:
            current = self._listing()
            for stamp in self._complete(previous, current):
                yield from file_pages(self.folder / stamp.name, self._dpi, self._colour)
                self.journal.record(stamp)
                if cancel.cancelled:
                    return
            previous = current
            self._pause(self.poll_interval, cancel)

    def _listing(self) -> dict[str, FileStamp]:
        """The page files in the folder now, as stamps by name."""
        stamps = {}
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if entry.is_file() and is_page_name(entry.name):
                        status = entry.stat()
                        stamps[entry.name] = FileStamp(
                            entry.name, status.st_size, status.st_mtime_ns
                        )
        except OSError as error:
            reason = error.strerror or str(error)
            raise ScannerUnavailableError(
                f"listing {self.folder}: {error}",
                summary=_FOLDER_UNREADABLE.format(folder=self.folder, reason=reason),
            ) from error
        return stamps

    def _complete(
        self, previous: dict[str, FileStamp], current: dict[str, FileStamp]
    ) -> list[FileStamp]:
        """Files unchanged since the last poll, not empty, readable and not yet taken, in order."""
        complete = [
            stamp
            for name, stamp in current.items()
            if previous.get(name) == stamp
            and stamp.size > 0
            and stamp not in self.journal
            and self._can_open(name)
        ]
        return sorted(complete, key=lambda stamp: (natural_key(stamp.name), stamp.mtime_ns))

    def _can_open(self, name: str) -> bool:
        try:
            with (self.folder / name).open("rb"):
                return True
        except OSError:
            return False
