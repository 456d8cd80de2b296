"""SaneBackend against SANE's real `test` backend (libsane-test.so from Debian's libsane1).

The test writes a private SANE_CONFIG_DIR: a dll.conf that loads only `test`, and a
test.conf whose geometry reaches A4. The test backend's feeder ("Automatic Document
Feeder" source) holds 10 sheets; its `read-return-value` option makes every sane_read
return the chosen status, which is how a jam or an empty feeder is made.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import sane  # noqa: F401
except ImportError:
    if os.environ.get("CI") == "true":
        pytest.fail(
            "python-sane is not installed, but CI must run the SANE tests: "
            "check pyproject.toml and installer/debian-packages.txt (libsane-dev)",
            pytrace=False,
        )
    pytest.skip(
        "python-sane is not installed (pip install python-sane; it builds against "
        "Debian's libsane-dev)",
        allow_module_level=True,
    )

from core.progress import CancelToken
from scanner.acquisition import ColourMode, PageSide, ScanOptions
from scanner.backend import ScannerBackend
from scanner.errors import FeederEmptyError, PaperJamError, ScannerUnavailableError
from scanner.sane_backend import SaneBackend
from tests.scanner.sane_config import TEST_DEVICE, write_sane_config

DEVICE = TEST_DEVICE
FEEDER_SHEETS = 10
DPI = 25

@pytest.fixture(scope="module", autouse=True)
def sane_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = write_sane_config(tmp_path_factory.mktemp("sane.d"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SANE_CONFIG_DIR", str(folder))
        yield folder


@pytest.fixture
def backend() -> Iterator[SaneBackend]:
    with SaneBackend() as opened:
        yield opened


def small(**changes: object) -> ScanOptions:
    return ScanOptions(dpi=DPI, **changes)  # type: ignore[arg-type]


def test_is_a_scanner_backend_and_lists_only_the_test_device(backend: SaneBackend) -> None:
    assert isinstance(backend, ScannerBackend)
    assert [device.name for device in backend.list_devices()] == [DEVICE]


def test_capabilities_come_from_the_device_options(backend: SaneBackend) -> None:
    capabilities = backend.capabilities(DEVICE)
    assert capabilities.has_feeder and capabilities.has_flatbed
    assert not capabilities.has_duplex
    assert set(capabilities.colour_modes) == {ColourMode.GRAY, ColourMode.COLOUR}
    assert {100, 200, 300, 600} <= set(capabilities.dpi_values)


def test_feeder_batch_delivers_every_sheet_in_order_as_a4_png(backend: SaneBackend) -> None:
    batch = backend.scan(DEVICE, small(), CancelToken())
    images = list(batch)
    assert [image.sequence for image in images] == list(range(1, FEEDER_SHEETS + 1))
    assert batch.last_sequence == FEEDER_SHEETS and not batch.stopped_by_cancel
    first = images[0]
    assert first.media_type == "image/png" and first.data.startswith(b"\x89PNG")
    assert first.side == PageSide.FRONT and first.dpi == DPI and first.problem is None
    height, width = first.decode().shape
    assert (width, height) == (int(210 / 25.4 * DPI), int(297 / 25.4 * DPI))  # A4, not 80x100


def test_max_pages_stops_early_and_frees_the_device(backend: SaneBackend) -> None:
    first = list(backend.scan(DEVICE, small(max_pages=4), CancelToken()))
    assert [image.sequence for image in first] == [1, 2, 3, 4]
    again = list(backend.scan(DEVICE, small(max_pages=2, first_sequence=5), CancelToken()))
    assert [image.sequence for image in again] == [5, 6]


def test_jam_stops_after_the_pages_delivered_and_resume_continues_numbering(
    backend: SaneBackend,
) -> None:
    options = small()
    delivered = []
    with pytest.raises(PaperJamError) as jam:
        for image in backend.scan(DEVICE, options, CancelToken()):
            delivered.append(image.sequence)
            if image.sequence == 3:
                backend.set_device_option(DEVICE, "read-return-value", "SANE_STATUS_JAMMED")
    assert delivered == [1, 2, 3]
    assert jam.value.last_sequence == 3
    assert "卡纸" in jam.value.user_message.zh and "第 4 页" in jam.value.user_message.zh
    assert jam.value.user_message.en.startswith("Paper jam")

    backend.set_device_option(DEVICE, "read-return-value", "Default")
    resumed = [
        image.sequence
        for image in backend.scan(
            DEVICE, options.resumed_after(jam.value.last_sequence), CancelToken()
        )
    ]
    assert resumed[0] == 4
    assert resumed == list(range(4, 4 + len(resumed)))


def test_feeder_empty_at_the_start_is_an_error_with_no_pages(backend: SaneBackend) -> None:
    # A batch before, as at a school: the tray was emptied by it. (Also, the test driver
    # can hang cancelling the reader of a brand-new handle's first scan.)
    assert len(list(backend.scan(DEVICE, small(max_pages=1), CancelToken()))) == 1
    backend.set_device_option(DEVICE, "read-return-value", "SANE_STATUS_NO_DOCS")
    batch = backend.scan(DEVICE, small(), CancelToken())
    with pytest.raises(FeederEmptyError) as empty:
        next(batch)
    assert empty.value.last_sequence == 0
    assert "进纸器中没有纸张" in empty.value.user_message.zh


def test_feeder_running_out_mid_batch_ends_it_normally(backend: SaneBackend) -> None:
    pages = []
    for image in backend.scan(DEVICE, small(), CancelToken()):
        pages.append(image.sequence)
        if image.sequence == 2:
            backend.set_device_option(DEVICE, "read-return-value", "SANE_STATUS_NO_DOCS")
    assert pages == [1, 2]


def test_cancel_ends_the_batch_between_pages(backend: SaneBackend) -> None:
    cancel = CancelToken()
    batch = backend.scan(DEVICE, small(), cancel)
    pages = []
    for image in batch:
        pages.append(image.sequence)
        if image.sequence == 2:
            cancel.cancel()
    assert pages == [1, 2] and batch.stopped_by_cancel


def test_flatbed_gives_one_colour_page(backend: SaneBackend) -> None:
    options = small(use_feeder=False, colour=ColourMode.COLOUR)
    images = list(backend.scan(DEVICE, options, CancelToken()))
    assert len(images) == 1
    assert images[0].decode().shape[2] == 3


def test_unknown_device_is_unavailable_in_both_languages(backend: SaneBackend) -> None:
    with pytest.raises(ScannerUnavailableError) as missing:
        backend.scan("no-such-scanner:0", small(), CancelToken())
    assert "无法使用扫描仪" in missing.value.message("zh_CN")
    assert "cannot be used" in missing.value.message("en")


def test_duplex_on_a_simplex_feeder_is_refused(backend: SaneBackend) -> None:
    with pytest.raises(ScannerUnavailableError) as refused:
        backend.scan(DEVICE, small(duplex=True), CancelToken())
    assert "双面" in refused.value.user_message.zh
