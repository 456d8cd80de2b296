"""The CJK font printed sheets embed: WenQuanYi Micro Hei (TrueType outlines, Apache-2.0).

reportlab embeds TrueType subsets, so Chinese text renders and extracts on every PC. The
font ships in `resources/fonts/` (data only); `register_sheet_font` registers it once
under `SHEET_FONT` and returns that name.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from resources import resource_path

SHEET_FONT = "WQY"
"""The name the font is registered under in reportlab."""

FONT_FILE = ("fonts", "wqy-microhei.ttc")
"""Where the font lives among the shipped resources."""


def default_font_path() -> Path:
    """The shipped WenQuanYi Micro Hei collection."""
    return resource_path(*FONT_FILE)


def register_sheet_font(path: Path | None = None) -> str:
    """Register subfont 0 of the collection at `path` (default: the shipped one) once."""
    if SHEET_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(SHEET_FONT, str(path or default_font_path()),
                                       subfontIndex=0))
    return SHEET_FONT
