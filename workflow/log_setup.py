"""Logging to a rotating file in the data folder. Log lines never carry student names."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def configure_logging(data_dir: Path) -> Path | None:
    """Send log records to `<data dir>/logs/ptw.log`; return its path (None if unwritable)."""
    folder = data_dir / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            folder / "ptw.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.FileHandler)]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return folder / "ptw.log"
