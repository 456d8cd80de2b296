"""TWAIN scanners on Windows through pytwain (an optional, GPL-2 extra: `pip install .[twain]`).

`import twain` happens only when a `TwainBackend` is made, so this module imports
everywhere; without Windows or without pytwain the constructor raises a
`ScannerUnavailableError` that says which. The 64-bit TWAIN 2 Data Source Manager
(TWAINDSM.dll) is used (protocol major version 2). pytwain runs its own message loop for
the whole batch, so one worker thread owns the TWAIN session and hands each page
(native in-memory transfer, re-encoded as lossless PNG) to the batch through a queue:
pages reach the caller, and the page store, as the scanner produces them.
"""

from __future__ import annotations

import importlib
import queue
import sys
import tempfile
import threading
from collections.abc import Iterator
from itertools import cycle, repeat
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2

from core.i18n import LocalisedText
from core.progress import CancelToken
from scanner.acquisition import (
    PNG,
    CapturedPage,
    ColourMode,
    DeviceInfo,
    PageSide,
    ScannerCapabilities,
    ScanOptions,
    standard_dpi_within,
)
from scanner.backend import ScanBatch
from scanner.errors import (
    DoubleFeedError,
    FeederEmptyError,
    PaperJamError,
    ScannerError,
    ScannerUnavailableError,
)
from scanner.image_bytes import capture_note, encode_png
from scanner.twain_capabilities import (
    CAPABILITY_IDS,
    TWPT_RGB,
    capability_names,
    capability_values,
    twain_capabilities,
)

_NOT_WINDOWS = LocalisedText(
    "TWAIN 扫描只能在 Windows 上使用：在 Linux 上请选择 SANE 扫描仪或监视文件夹。",
    "TWAIN scanning works only on Windows: on Linux choose a SANE scanner or a watch folder.",
)
_NOT_INSTALLED = LocalisedText(
    "未安装 TWAIN 扫描支持（pytwain）：请安装带 TWAIN 扫描组件的版本，或改用监视文件夹。",
    "TWAIN scanning support (pytwain) is not installed: install the edition with the "
    "TWAIN component, or use a watch folder instead.",
)
_ERRORS_BY_PYTWAIN_NAME: dict[str, type[ScannerError]] = {
    "PaperJam": PaperJamError,
    "PaperDoubleFeedError": DoubleFeedError,
}
_END_OF_BATCH = object()


def load_twain(platform: str = sys.platform) -> ModuleType:
    """The pytwain module; ScannerUnavailableError off Windows or when it is not installed."""
    if platform != "win32":
        raise ScannerUnavailableError(f"TWAIN on {platform}", summary=_NOT_WINDOWS)
    try:
        return importlib.import_module("twain")
    except ImportError as error:
        raise ScannerUnavailableError(f"import twain: {error}", summary=_NOT_INSTALLED) from error


def twain_error_for(error: BaseException) -> ScannerError | None:
    """The scanner error for what pytwain raised, or None when the user cancelled in the driver."""
    if isinstance(error, ScannerError):
        return error
    name = type(error).__name__
    if name in ("DSTransferCancelled", "CancelAll"):
        return None
    return _ERRORS_BY_PYTWAIN_NAME.get(name, ScannerUnavailableError)(f"TWAIN: {name}: {error}")


class TwainBackend:
    """The TWAIN driver family through the TWAIN 2 Data Source Manager."""

    def __init__(self, dsm_path: str | None = None) -> None:
        self._twain = load_twain()
        self._dsm_path = dsm_path

    def list_devices(self) -> list[DeviceInfo]:
        """The TWAIN data sources installed on this computer."""
        with self._source_manager() as manager:
            return [DeviceInfo(name, "", name, "TWAIN") for name in manager.source_list]

    def capabilities(self, device: str) -> ScannerCapabilities:
        """What the data source named `device` reports for resolution, pixel type and feeding."""
        with self._source_manager() as manager, self._open(manager, device) as source:
            supported = _supported(source)
            answer = source.get_capability(CAPABILITY_IDS["ICAP_XRESOLUTION"])
            resolutions = capability_values(answer)
            pixel_types = capability_values(source.get_capability(CAPABILITY_IDS["ICAP_PIXELTYPE"]))
        return ScannerCapabilities(
            dpi_values=_dpi_values(answer, resolutions),
            colour_modes=(ColourMode.GRAY,)
            + ((ColourMode.COLOUR,) if TWPT_RGB in pixel_types else ()),
            has_feeder="CAP_FEEDERENABLED" in supported,
            has_duplex="CAP_DUPLEXENABLED" in supported,
            has_flatbed=True,
        )

    def scan(self, device: str, options: ScanOptions, cancel: CancelToken) -> ScanBatch:
        """A batch whose pages a worker thread acquires from `device` as the caller iterates."""
        pages = self._pages(device, options, cancel)
        return ScanBatch(pages, cancel, options.first_sequence, options.max_pages)

    def close(self) -> None:
        """Nothing stays open between calls: each one opens and closes the source manager."""

    def _source_manager(self) -> Any:
        try:
            return self._twain.SourceManager(ProtocolMajor=2, dsm_name=self._dsm_path)
        except Exception as error:
            raise ScannerUnavailableError(f"TWAIN source manager: {error}") from error

    def _open(self, manager: Any, device: str) -> Any:
        try:
            source = manager.open_source(device)
        except Exception as error:
            raise ScannerUnavailableError(f"open TWAIN source {device!r}: {error}") from error
        if source is None:
            raise ScannerUnavailableError(f"TWAIN source {device!r} not opened")
        return source

    def _pages(
        self, device: str, options: ScanOptions, cancel: CancelToken
    ) -> Iterator[CapturedPage]:
        handoff: queue.Queue[object] = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(
            target=self._acquire,
            args=(device, options, cancel, stop, handoff),
            name=f"twain-{device}",
            daemon=True,
        )
        worker.start()
        try:
            while (item := handoff.get()) is not _END_OF_BATCH:
                if isinstance(item, BaseException):
                    error = twain_error_for(item)
                    if error is None:
                        return
                    if error is item:
                        raise error
                    raise error from item
                yield item  # type: ignore[misc]
        finally:
            stop.set()

    def _acquire(
        self,
        device: str,
        options: ScanOptions,
        cancel: CancelToken,
        stop: threading.Event,
        handoff: queue.Queue[object],
    ) -> None:
        """Worker thread: the whole TWAIN session, each page and the end put on `handoff`."""
        sides = cycle((PageSide.FRONT, PageSide.BACK)) if options.duplex else repeat(PageSide.FRONT)

        def after(image: Any, more: int) -> None:
            handoff.put(_page_from_native(image, device, next(sides), options))
            if cancel.cancelled or stop.is_set():
                raise self._twain.exceptions.CancelAll()

        try:
            with self._source_manager() as manager, self._open(manager, device) as source:
                _configure(source, options)
                source.acquire_natively(after=after, show_ui=False)
            handoff.put(_END_OF_BATCH)
        except BaseException as error:
            handoff.put(error)


def _supported(source: Any) -> set[str]:
    return capability_names(
        capability_values(source.get_capability(CAPABILITY_IDS["CAP_SUPPORTEDCAPS"]))
    )


def _configure(source: Any, options: ScanOptions) -> None:
    """Apply the capability settings, then refuse to start on an empty feeder."""
    supported = _supported(source)
    for setting in twain_capabilities(options, supported):
        source.set_capability(setting.capability_id, setting.type_id, setting.value)
    if options.use_feeder and "CAP_FEEDERLOADED" in supported:
        loaded = source.get_capability_current(CAPABILITY_IDS["CAP_FEEDERLOADED"])
        if not capability_values(loaded)[0]:
            raise FeederEmptyError("TWAIN: CAP_FEEDERLOADED is false")


def _dpi_values(answer: object, resolutions: list) -> tuple[int, ...]:
    if isinstance(answer, dict):
        return standard_dpi_within(answer["MinValue"], answer["MaxValue"])
    return tuple(sorted({round(value) for value in resolutions}))


def _page_from_native(
    image: Any, device: str, side: PageSide, options: ScanOptions
) -> CapturedPage:
    """A native (DIB) transfer as a lossless PNG page; the DIB memory is freed."""
    flags = cv2.IMREAD_COLOR if options.colour == ColourMode.COLOUR else cv2.IMREAD_GRAYSCALE
    with tempfile.TemporaryDirectory(prefix="ptw-twain-") as folder:
        bitmap = Path(folder) / "page.bmp"
        try:
            image.save(str(bitmap))
        finally:
            image.close()
        pixels = cv2.imread(str(bitmap), flags)
    if pixels is None:
        raise ScannerUnavailableError(f"TWAIN {device}: the driver's image could not be read")
    return CapturedPage(encode_png(pixels, capture_note(device)), PNG, device, side,
                        options.dpi)
