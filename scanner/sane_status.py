"""SANE status messages turned into scanner errors.

python-sane raises `_sane.error` with the text of `sane_strstatus()`, which SANE keeps in
English whatever the locale (frontends translate it), so the text identifies the status.
"""

from __future__ import annotations

from scanner.errors import (
    CoverOpenError,
    DoubleFeedError,
    FeederEmptyError,
    PaperJamError,
    ScannerError,
    ScannerUnavailableError,
)

NO_DOCS = "Document feeder out of documents"
JAMMED = "Document feeder jammed"
COVER_OPEN = "Scanner cover is open"

_FEEDER_EVENTS: dict[str, type[ScannerError]] = {
    NO_DOCS: FeederEmptyError,
    JAMMED: PaperJamError,
    COVER_OPEN: CoverOpenError,
}


def sane_error_for(status_text: str, device: str, double_feed: bool = False) -> ScannerError:
    """The scanner error for a SANE status text; a jam the device flags as double feed is one."""
    detail = f"SANE device {device}: {status_text}"
    if status_text == JAMMED and double_feed:
        return DoubleFeedError(detail)
    return _FEEDER_EVENTS.get(status_text, ScannerUnavailableError)(detail)
