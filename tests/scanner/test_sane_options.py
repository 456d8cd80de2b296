"""Choosing SANE option values from the names real drivers use (fujitsu, epson, brother)."""

from __future__ import annotations

from scanner.acquisition import ColourMode
from scanner.sane_options import (
    colour_modes,
    mode_name_for,
    nearest_resolution,
    resolution_choices,
    source_name_for,
)

FUJITSU_SOURCES = ["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"]


def test_feeding_is_matched_to_the_driver_names() -> None:
    assert source_name_for(FUJITSU_SOURCES, use_feeder=True, duplex=False) == "ADF Front"
    assert source_name_for(FUJITSU_SOURCES, use_feeder=True, duplex=True) == "ADF Duplex"
    assert source_name_for(FUJITSU_SOURCES, use_feeder=False, duplex=False) == "Flatbed"
    assert source_name_for(["Flatbed"], use_feeder=True, duplex=False) is None
    assert (
        source_name_for(["Automatic Document Feeder"], True, False) == "Automatic Document Feeder"
    )


def test_colour_mode_names_vary_by_driver() -> None:
    assert mode_name_for(["Lineart", "Grey", "Color"], ColourMode.GRAY) == "Grey"
    assert mode_name_for(["Lineart"], ColourMode.GRAY) is None
    assert colour_modes(["Lineart", "Gray"]) == (ColourMode.GRAY,)


def test_resolutions_from_lists_and_ranges() -> None:
    assert resolution_choices([600, 150, 300]) == (150, 300, 600)
    assert resolution_choices((50.0, 300.0, 1.0)) == (75, 100, 150, 200, 240, 300)
    assert nearest_resolution([150, 300, 600], 200) == 150
    assert nearest_resolution((50.0, 300.0, 1.0), 600) == 300.0
