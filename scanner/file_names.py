"""Which file names hold pages, and their natural order (page2.png before page10.png).

Capture software writes a page under a temporary name and renames it when done, or
keeps lock and partial files beside the pages; those names are never pages.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

PAGE_SUFFIXES = frozenset({".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp"})
TEMPORARY_PATTERNS = (
    "*.tmp",
    "*.temp",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "~*",
    ".*",
    "*~",
)
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that compares runs of digits as numbers and the rest case-insensitively."""
    parts = _DIGITS.split(name)
    return tuple(
        (0, int(part)) if index % 2 else (1, part.casefold()) for index, part in enumerate(parts)
    )


def path_key(relative: Path) -> tuple[tuple[tuple[int, int | str], ...], ...]:
    """Natural order of a relative path, folder by folder."""
    return tuple(natural_key(part) for part in relative.parts)


def is_temporary_name(name: str) -> bool:
    """Whether `name` is a file still being written, a lock file or a hidden file."""
    lowered = name.casefold()
    return any(fnmatch(lowered, pattern) for pattern in TEMPORARY_PATTERNS)


def is_page_name(name: str) -> bool:
    """Whether `name` looks like a finished page file (a page suffix, not a temporary name)."""
    return Path(name).suffix.casefold() in PAGE_SUFFIXES and not is_temporary_name(name)
