"""TWAIN capability settings for `ScanOptions`, as a pure function the TWAIN backend applies.

Numbers are the TWAIN 2.x specification's (twain.h); pytwain 2.3 lacks some of them
(CAP_DOUBLEFEEDDETECTION), so they are listed here. Settings come in the order a data
source needs: units before resolutions, the feeder before duplex and auto-feed, the
transfer count last. Optional features (blank-page discarding, double-feed detection)
are set only when the driver lists them in CAP_SUPPORTEDCAPS; a missing feeder or duplex
unit that the options ask for is an error, since the batch could not be what was asked.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from core.i18n import LocalisedText
from scanner.acquisition import ColourMode, ScanOptions
from scanner.errors import ScannerUnavailableError

CAPABILITY_IDS: dict[str, int] = {
    "CAP_XFERCOUNT": 0x0001,
    "ICAP_PIXELTYPE": 0x0101,
    "ICAP_UNITS": 0x0102,
    "ICAP_XFERMECH": 0x0103,
    "CAP_FEEDERENABLED": 0x1002,
    "CAP_FEEDERLOADED": 0x1003,
    "CAP_SUPPORTEDCAPS": 0x1005,
    "CAP_AUTOFEED": 0x1007,
    "CAP_DUPLEX": 0x1012,
    "CAP_DUPLEXENABLED": 0x1013,
    "CAP_DOUBLEFEEDDETECTION": 0x103F,
    "ICAP_XRESOLUTION": 0x1118,
    "ICAP_YRESOLUTION": 0x1119,
    "ICAP_AUTODISCARDBLANKPAGES": 0x1134,
}
TYPE_IDS: dict[str, int] = {
    "TWTY_INT16": 1,
    "TWTY_INT32": 2,
    "TWTY_UINT16": 4,
    "TWTY_BOOL": 6,
    "TWTY_FIX32": 7,
}
TWUN_INCHES = 0
TWSX_NATIVE = 0
TWPT_GRAY = 1
TWPT_RGB = 2
TWBP_DISABLE = -2
TWBP_AUTO = -1
TWDF_ULTRASONIC = 0
ALL_PAGES = -1

_NOT_OFFERED = LocalisedText(
    "这台扫描仪的驱动不支持所选的进纸方式（{feature}）：请改用其他扫描方式。",
    "This scanner's driver does not offer the chosen feeding ({feature}): choose another "
    "way of scanning.",
)


class TwainCapabilitySetting(NamedTuple):
    """One MSG_SET of a TW_ONEVALUE: capability name, TWTY_ item type name, value."""

    capability: str
    item_type: str
    value: int | float | bool

    @property
    def capability_id(self) -> int:
        """The capability's number in the TWAIN specification."""
        return CAPABILITY_IDS[self.capability]

    @property
    def type_id(self) -> int:
        """The item type's number in the TWAIN specification."""
        return TYPE_IDS[self.item_type]


def twain_capabilities(
    options: ScanOptions, supported: Collection[str]
) -> list[TwainCapabilitySetting]:
    """The capability settings, in order, for `options` on a driver offering `supported`."""
    settings = [
        TwainCapabilitySetting("ICAP_XFERMECH", "TWTY_UINT16", TWSX_NATIVE),
        TwainCapabilitySetting("ICAP_UNITS", "TWTY_UINT16", TWUN_INCHES),
        TwainCapabilitySetting("ICAP_PIXELTYPE", "TWTY_UINT16", _pixel_type(options.colour)),
        TwainCapabilitySetting("ICAP_XRESOLUTION", "TWTY_FIX32", float(options.dpi)),
        TwainCapabilitySetting("ICAP_YRESOLUTION", "TWTY_FIX32", float(options.dpi)),
    ]
    settings += _feeder_settings(options, supported)
    settings += _optional_settings(options, supported)
    settings.append(TwainCapabilitySetting("CAP_XFERCOUNT", "TWTY_INT16", ALL_PAGES))
    return settings


def _pixel_type(colour: ColourMode) -> int:
    return TWPT_RGB if colour == ColourMode.COLOUR else TWPT_GRAY


def _feeder_settings(
    options: ScanOptions, supported: Collection[str]
) -> list[TwainCapabilitySetting]:
    _require(options.use_feeder, "CAP_FEEDERENABLED", supported, "ADF / 自动进纸器")
    _require(options.duplex, "CAP_DUPLEXENABLED", supported, "duplex / 双面")
    settings = []
    if "CAP_FEEDERENABLED" in supported:
        settings.append(
            TwainCapabilitySetting("CAP_FEEDERENABLED", "TWTY_BOOL", options.use_feeder)
        )
    if options.use_feeder and "CAP_AUTOFEED" in supported:
        settings.append(TwainCapabilitySetting("CAP_AUTOFEED", "TWTY_BOOL", True))
    if "CAP_DUPLEXENABLED" in supported:
        settings.append(TwainCapabilitySetting("CAP_DUPLEXENABLED", "TWTY_BOOL", options.duplex))
    return settings


def _optional_settings(
    options: ScanOptions, supported: Collection[str]
) -> list[TwainCapabilitySetting]:
    settings = []
    if "ICAP_AUTODISCARDBLANKPAGES" in supported:
        discard = TWBP_AUTO if options.skip_blank_pages else TWBP_DISABLE
        settings.append(TwainCapabilitySetting("ICAP_AUTODISCARDBLANKPAGES", "TWTY_INT32", discard))
    if options.detect_double_feed and "CAP_DOUBLEFEEDDETECTION" in supported:
        settings.append(
            TwainCapabilitySetting("CAP_DOUBLEFEEDDETECTION", "TWTY_UINT16", TWDF_ULTRASONIC)
        )
    return settings


def _require(wanted: bool, capability: str, supported: Collection[str], feature: str) -> None:
    if wanted and capability not in supported:
        raise ScannerUnavailableError(
            f"driver lacks {capability}", summary=_NOT_OFFERED.format(feature=feature)
        )


def capability_names(capability_ids: Collection[int]) -> set[str]:
    """The names of the capabilities among `capability_ids` (CAP_SUPPORTEDCAPS) known here."""
    return {name for name, number in CAPABILITY_IDS.items() if number in capability_ids}


def capability_values(answer: object) -> list:
    """The values in pytwain's answer to `get_capability`, whatever its container.

    One value `(type, v)`, an array `(type, [v...])`, an enumeration
    `(type, (current, default, [v...]))`, or a range dict with MinValue/MaxValue/StepSize
    (expanded to its values, at most 2,000 of them).
    """
    if isinstance(answer, dict):
        low, high = answer["MinValue"], answer["MaxValue"]
        step = answer["StepSize"] or 1
        count = min(int((high - low) / step) + 1, 2000)
        return [low + index * step for index in range(count)]
    if not isinstance(answer, tuple) or len(answer) != 2:
        return []
    content = answer[1]
    if isinstance(content, list):
        return content
    if isinstance(content, tuple) and len(content) == 3 and isinstance(content[2], list):
        return content[2]
    return [content]
