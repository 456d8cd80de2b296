"""The `ptw` console script: the workflow CLI plus `ptw gui`.

Qt is imported only when `ptw gui` runs, so the headless commands start fast and work
on a machine without a display.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from core.settings import Settings
from workflow.cli import CommandExtension
from workflow.cli import main as cli_main


def _configure_gui(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="save a PNG of the main window once it is ready, then quit")


def _run_gui(args: argparse.Namespace, settings: Settings) -> int:
    from app.launch import run_gui

    return run_gui(settings, screenshot=args.screenshot)


GUI_COMMAND = CommandExtension("gui", "start the desktop workstation", _configure_gui, _run_gui)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `ptw` with the GUI command available."""
    multiprocessing.freeze_support()  # a frozen (PyInstaller) build starting a pool worker
    return cli_main(argv, extensions=[GUI_COMMAND])


if __name__ == "__main__":
    sys.exit(main())
