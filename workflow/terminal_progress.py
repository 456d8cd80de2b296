"""A progress bar on the terminal for long CLI work (drawn on stderr only when it is a TTY)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from core.progress import ProgressUpdate


class TerminalProgressBar:
    """A `ProgressCallback` that redraws one line: stage, bar, count and rate."""

    def __init__(self, language: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.language = language
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.enabled = self.stream.isatty()

    def __call__(self, update: ProgressUpdate) -> None:
        """Redraw the bar for `update`."""
        if not self.enabled:
            return
        stage = update.stage.in_language(self.language) if update.stage else ""
        fraction = update.fraction
        if fraction is None:
            bar = "…"
        else:
            filled = int(self.width * min(1.0, fraction))
            bar = "[" + "#" * filled + "-" * (self.width - filled) + "]"
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = update.done / elapsed
        self.stream.write(f"\r{stage} {bar} {update.done}/{update.total or '?'} "
                          f"({rate:.1f}/s)\x1b[K")
        if update.total and update.done >= update.total:
            self.stream.write("\n")
        self.stream.flush()
