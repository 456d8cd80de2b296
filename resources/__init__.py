"""Data shipped with the program: knowledge-point trees, import templates, fonts, demo data.

Files are found through `resource_path` so they resolve the same way from a source
checkout, an installed wheel and a PyInstaller bundle.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The path of a shipped data file, e.g. `resource_path("templates", "roster.xlsx")`."""
    return Path(str(resources.files(__name__).joinpath(*parts)))
