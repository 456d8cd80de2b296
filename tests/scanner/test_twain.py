"""TWAIN: the capability mapping, the error mapping and the guarded import (no scanner here)."""

from __future__ import annotations

import sys

import pytest

from scanner.acquisition import ColourMode, ScanOptions
from scanner.errors import (
    DoubleFeedError,
    PaperJamError,
    ScannerError,
    ScannerUnavailableError,
)
from scanner.twain_backend import TwainBackend, load_twain, twain_error_for
from scanner.twain_capabilities import (
    CAPABILITY_IDS,
    capability_names,
    capability_values,
    twain_capabilities,
)

FULL_DRIVER = frozenset(
    {
        "CAP_FEEDERENABLED",
        "CAP_AUTOFEED",
        "CAP_DUPLEXENABLED",
        "ICAP_AUTODISCARDBLANKPAGES",
        "CAP_DOUBLEFEEDDETECTION",
    }
)


def as_dict(options: ScanOptions, supported: frozenset[str] = FULL_DRIVER) -> dict:
    return {s.capability: s.value for s in twain_capabilities(options, supported)}


def test_capability_numbers_match_the_twain_specification() -> None:
    assert CAPABILITY_IDS["CAP_XFERCOUNT"] == 1
    assert CAPABILITY_IDS["ICAP_PIXELTYPE"] == 257
    assert CAPABILITY_IDS["CAP_FEEDERENABLED"] == 4098
    assert CAPABILITY_IDS["CAP_DUPLEXENABLED"] == 4115
    assert CAPABILITY_IDS["ICAP_XRESOLUTION"] == 4376
    assert CAPABILITY_IDS["ICAP_AUTODISCARDBLANKPAGES"] == 4404
    assert CAPABILITY_IDS["CAP_DOUBLEFEEDDETECTION"] == 0x103F


def test_gray_feeder_batch_on_a_full_driver() -> None:
    settings = twain_capabilities(ScanOptions(dpi=300), FULL_DRIVER)
    values = {s.capability: s.value for s in settings}
    assert values["CAP_FEEDERENABLED"] is True and values["CAP_AUTOFEED"] is True
    assert values["CAP_DUPLEXENABLED"] is False
    assert values["ICAP_XRESOLUTION"] == values["ICAP_YRESOLUTION"] == 300.0
    assert values["ICAP_PIXELTYPE"] == 1  # TWPT_GRAY
    assert values["ICAP_XFERMECH"] == 0  # TWSX_NATIVE: in-memory transfer
    assert values["CAP_XFERCOUNT"] == -1
    assert values["ICAP_AUTODISCARDBLANKPAGES"] == -2  # TWBP_DISABLE unless asked
    assert values["CAP_DOUBLEFEEDDETECTION"] == 0  # TWDF_ULTRASONIC
    names = [s.capability for s in settings]
    assert names.index("ICAP_UNITS") < names.index("ICAP_XRESOLUTION")
    assert names.index("CAP_FEEDERENABLED") < names.index("CAP_DUPLEXENABLED")
    assert names[-1] == "CAP_XFERCOUNT"


def test_colour_duplex_and_blank_page_skipping() -> None:
    values = as_dict(ScanOptions(colour=ColourMode.COLOUR, duplex=True, skip_blank_pages=True))
    assert values["ICAP_PIXELTYPE"] == 2  # TWPT_RGB
    assert values["CAP_DUPLEXENABLED"] is True
    assert values["ICAP_AUTODISCARDBLANKPAGES"] == -1  # TWBP_AUTO


def test_optional_capabilities_are_left_out_when_the_driver_lacks_them() -> None:
    values = as_dict(ScanOptions(skip_blank_pages=True), frozenset({"CAP_FEEDERENABLED"}))
    assert "ICAP_AUTODISCARDBLANKPAGES" not in values
    assert "CAP_DOUBLEFEEDDETECTION" not in values
    assert "CAP_DUPLEXENABLED" not in values and "CAP_AUTOFEED" not in values


def test_double_feed_detection_can_be_switched_off() -> None:
    assert "CAP_DOUBLEFEEDDETECTION" not in as_dict(ScanOptions(detect_double_feed=False))


def test_flatbed_batch_turns_the_feeder_off() -> None:
    assert as_dict(ScanOptions(use_feeder=False))["CAP_FEEDERENABLED"] is False


def test_asking_for_a_missing_feeder_or_duplex_is_refused() -> None:
    with pytest.raises(ScannerUnavailableError) as no_feeder:
        twain_capabilities(ScanOptions(), frozenset())
    assert "自动进纸器" in no_feeder.value.user_message.zh
    with pytest.raises(ScannerUnavailableError) as no_duplex:
        twain_capabilities(ScanOptions(duplex=True), frozenset({"CAP_FEEDERENABLED"}))
    assert "duplex" in no_duplex.value.user_message.en


def test_type_ids_follow_the_specification() -> None:
    by_name = {s.capability: s for s in twain_capabilities(ScanOptions(), FULL_DRIVER)}
    assert by_name["ICAP_XRESOLUTION"].type_id == 7  # TWTY_FIX32
    assert by_name["CAP_FEEDERENABLED"].type_id == 6  # TWTY_BOOL
    assert by_name["CAP_XFERCOUNT"].type_id == 1  # TWTY_INT16
    assert by_name["CAP_FEEDERENABLED"].capability_id == 0x1002


def test_pytwain_answers_are_unpacked_whatever_the_container() -> None:
    assert capability_values((4, 1)) == [1]
    assert capability_values((4, [1, 2])) == [1, 2]
    assert capability_values((7, (0, 0, [100.0, 200.0]))) == [100.0, 200.0]
    answer = {
        "MinValue": 100,
        "MaxValue": 300,
        "StepSize": 100,
        "DefaultValue": 200,
        "CurrentValue": 200,
    }
    assert capability_values(answer) == [100, 200, 300]
    assert capability_names([0x1002, 0x1013, 0x9999]) == {"CAP_FEEDERENABLED", "CAP_DUPLEXENABLED"}


class PaperJam(Exception):
    """Stands in for twain.exceptions.PaperJam, matched by class name."""


class PaperDoubleFeedError(Exception):
    """Stands in for twain.exceptions.PaperDoubleFeedError."""


class DSTransferCancelled(Exception):
    """Stands in for twain.exceptions.DSTransferCancelled."""


def test_pytwain_errors_become_scanner_errors() -> None:
    assert isinstance(twain_error_for(PaperJam()), PaperJamError)
    assert isinstance(twain_error_for(PaperDoubleFeedError()), DoubleFeedError)
    assert isinstance(twain_error_for(OSError("device gone")), ScannerUnavailableError)
    assert twain_error_for(DSTransferCancelled()) is None
    own = PaperJamError("already ours")
    assert twain_error_for(own) is own
    assert isinstance(own, ScannerError)


@pytest.mark.skipif(sys.platform == "win32", reason="checks the message off Windows")
def test_backend_off_windows_says_so_in_both_languages() -> None:
    with pytest.raises(ScannerUnavailableError) as refused:
        TwainBackend()
    assert "只能在 Windows 上使用" in refused.value.message("zh_CN")
    assert "only on Windows" in refused.value.message("en")


def test_missing_pytwain_on_windows_says_so_in_both_languages() -> None:
    try:
        import twain  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pytwain is installed here")
    with pytest.raises(ScannerUnavailableError) as refused:
        load_twain(platform="win32")
    assert "pytwain" in refused.value.message("zh_CN")
    assert "not installed" in refused.value.message("en")
