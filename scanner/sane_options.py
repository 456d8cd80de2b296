"""Choosing SANE option values for `ScanOptions`, and reading capabilities from them.

SANE devices name their choices freely ("Gray"/"Grey", "ADF Duplex"/"Automatic Document
Feeder"); these functions pick from the values a device lists (`Option.constraint`),
so they work on the option tuples alone and need no device.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.acquisition import STANDARD_DPI, ColourMode, standard_dpi_within

_COLOUR_NAMES = {
    ColourMode.GRAY: ("gray", "grey", "grayscale", "greyscale", "true gray"),
    ColourMode.COLOUR: ("color", "colour", "24bit color", "rgb"),
}
_FEEDER_WORDS = ("adf", "feeder", "automatic document")
SANE_TYPE_FIXED = 2


def resolution_choices(constraint: Any) -> tuple[int, ...]:
    """The dpi values a resolution option allows: its list, or the standard ones in its range."""
    if isinstance(constraint, list):
        return tuple(sorted({int(value) for value in constraint}))
    if isinstance(constraint, tuple):
        return standard_dpi_within(constraint[0], constraint[1])
    return STANDARD_DPI


def nearest_resolution(constraint: Any, dpi: int) -> float:
    """The allowed resolution closest to `dpi` (clamped into a range, nearest of a list)."""
    if isinstance(constraint, list) and constraint:
        return min(constraint, key=lambda value: abs(value - dpi))
    if isinstance(constraint, tuple):
        return min(max(dpi, constraint[0]), constraint[1])
    return dpi


def colour_modes(mode_names: Sequence[str]) -> tuple[ColourMode, ...]:
    """The colour modes a device's `mode` option offers."""
    return tuple(mode for mode in ColourMode if mode_name_for(mode_names, mode) is not None)


def mode_name_for(mode_names: Sequence[str], colour: ColourMode) -> str | None:
    """The device's name for `colour`, or None if it has no such mode."""
    wanted = _COLOUR_NAMES[colour]
    return next((name for name in mode_names if name.lower() in wanted), None)


def is_feeder_source(source_name: str) -> bool:
    """Whether a `source` value names the document feeder."""
    lowered = source_name.lower()
    return any(word in lowered for word in _FEEDER_WORDS)


def is_duplex_source(source_name: str) -> bool:
    """Whether a `source` value names two-sided feeding."""
    return "duplex" in source_name.lower()


def source_name_for(source_names: Sequence[str], use_feeder: bool, duplex: bool) -> str | None:
    """The device's `source` value for the asked feeding, or None if it has none."""
    if not use_feeder:
        return next((name for name in source_names if not is_feeder_source(name)), None)
    feeders = [name for name in source_names if is_feeder_source(name) or is_duplex_source(name)]
    matching = [name for name in feeders if is_duplex_source(name) == duplex]
    return next(iter(matching), None)


def page_corner(low: float, high: float, size_mm: float) -> float:
    """Bottom-right coordinate for a page of `size_mm` from `low`, kept inside the device."""
    return min(low + size_mm, high)
