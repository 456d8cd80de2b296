"""Remembering where the main window was: the only thing the GUI keeps in QSettings.

The geometry lives in an INI file in the station's data folder, so a temporary data
folder (tests, screenshots) never touches the real user's window placement.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

GEOMETRY_FILE_NAME = "window.ini"
_GEOMETRY_KEY = "main_window/geometry"


class WindowGeometryStore:
    """Saves and restores a window's geometry in `<data dir>/window.ini`."""

    def __init__(self, data_dir: Path) -> None:
        self._settings = QSettings(str(data_dir / GEOMETRY_FILE_NAME),
                                   QSettings.Format.IniFormat)

    def restore(self, window: QWidget) -> bool:
        """Put `window` where it was last time; False when nothing was saved."""
        saved = self._settings.value(_GEOMETRY_KEY)
        return isinstance(saved, QByteArray) and window.restoreGeometry(saved)

    def save(self, window: QWidget) -> None:
        """Remember where `window` is now."""
        self._settings.setValue(_GEOMETRY_KEY, window.saveGeometry())
        self._settings.sync()
