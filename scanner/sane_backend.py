"""SANE scanners on Linux through python-sane (module `sane`).

Each page is started with `sane_start` and read whole without `sane_cancel` between
pages, so a feeder batch runs until SANE reports the feeder empty; `sane_cancel` ends
the batch. Pages are delivered as lossless PNG of the driver's 8-bit pixels.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from itertools import cycle, repeat
from types import ModuleType
from typing import Any

import cv2
import numpy as np

from core.i18n import LocalisedText
from core.progress import CancelToken
from scanner import sane_options
from scanner.acquisition import (
    PNG,
    CapturedPage,
    DeviceInfo,
    PageSide,
    ScannerCapabilities,
    ScanOptions,
)
from scanner.backend import ScanBatch
from scanner.errors import ScannerUnavailableError
from scanner.image_bytes import capture_note, encode_png
from scanner.sane_status import sane_error_for

_NOT_INSTALLED = LocalisedText(
    "未安装 SANE 扫描支持（python-sane）：请安装本软件的 Linux 版完整依赖后重试。",
    "SANE scanning support (python-sane) is not installed: install the Linux "
    "dependencies of this program, then try again.",
)
_NO_FEEDER = LocalisedText(
    "这台扫描仪不支持所选的扫描方式（自动进纸器、双面或平板）：请在扫描设置中改选它支持的方式。",
    "This scanner does not offer the chosen way of scanning (document feeder, two-sided or "
    "flatbed): choose one it offers in the scan settings.",
)
_DOUBLE_FEED_SENSORS = ("double_feed", "multifeed", "multi_feed")


def load_sane() -> ModuleType:
    """The python-sane module, or ScannerUnavailableError saying it is not installed."""
    try:
        return importlib.import_module("sane")
    except ImportError as error:
        raise ScannerUnavailableError(f"import sane: {error}", summary=_NOT_INSTALLED) from error


class SaneBackend:
    """The SANE driver family: one open handle per device, kept open between batches."""

    def __init__(self) -> None:
        self._sane = load_sane()
        self._sane.init()
        self._handles: dict[str, Any] = {}

    def list_devices(self) -> list[DeviceInfo]:
        """The devices SANE finds now (its dll.conf decides which backends are asked)."""
        return [DeviceInfo(*entry) for entry in self._sane.get_devices()]

    def capabilities(self, device: str) -> ScannerCapabilities:
        """Resolutions, colour modes and feeding the device lists in its options."""
        handle = self._handle(device)
        sources = _constraint(handle, "source") or []
        return ScannerCapabilities(
            dpi_values=sane_options.resolution_choices(_constraint(handle, "resolution")),
            colour_modes=sane_options.colour_modes(_constraint(handle, "mode") or []),
            has_feeder=any(sane_options.is_feeder_source(name) for name in sources),
            has_duplex=any(sane_options.is_duplex_source(name) for name in sources),
            has_flatbed=not sources
            or any(not sane_options.is_feeder_source(name) for name in sources),
        )

    def scan(self, device: str, options: ScanOptions, cancel: CancelToken) -> ScanBatch:
        """Set the device up for `options` and return the batch; scanning starts on iteration."""
        handle = self._handle(device)
        try:
            feeding = _apply_options(handle, options)
        except (AttributeError, self._sane._sane.error) as error:
            raise ScannerUnavailableError(f"{device}: setting up {options}: {error}") from error
        pages = _read_pages(self._sane, handle, device, options, cancel, feeding)
        return ScanBatch(pages, cancel, options.first_sequence, options.max_pages)

    def set_device_option(self, device: str, option: str, value: object) -> None:
        """Set a driver-specific SANE option (e.g. a vendor's double-feed setting) by name.

        Allowed between pages of a batch and between batches.
        """
        handle = self._handle(device)
        try:
            setattr(handle, option.replace("-", "_"), value)
        except (AttributeError, self._sane._sane.error) as error:
            raise ScannerUnavailableError(f"{device}: set {option}={value!r}: {error}") from error

    def close(self) -> None:
        """Close every device and leave SANE, so the next backend reads its config again."""
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        self._sane.exit()

    def __enter__(self) -> SaneBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _handle(self, device: str) -> Any:
        if device not in self._handles:
            try:
                self._handles[device] = self._sane.open(device)
            except (RuntimeError, self._sane._sane.error) as error:
                raise ScannerUnavailableError(f"open SANE device {device!r}: {error}") from error
        return self._handles[device]


def _option(handle: Any, name: str) -> Any:
    option = handle.opt.get(name.replace("-", "_"))
    return option if option is not None and option.is_active() else None


def _constraint(handle: Any, name: str) -> Any:
    option = _option(handle, name)
    return None if option is None else option.constraint


def _set(handle: Any, name: str, value: object) -> None:
    option = _option(handle, name)
    if option is not None and option.is_settable():
        if option.type == sane_options.SANE_TYPE_FIXED:
            value = float(value)  # type: ignore[arg-type]
        setattr(handle, option.py_name, value)


def _apply_options(handle: Any, options: ScanOptions) -> bool:
    """Set source, mode, depth, resolution and page area; True if the feeder is used."""
    feeding = _apply_source(handle, options)
    mode = sane_options.mode_name_for(_constraint(handle, "mode") or [], options.colour)
    if mode is not None:
        _set(handle, "mode", mode)
    if 8 in (_constraint(handle, "depth") or []):
        _set(handle, "depth", 8)
    _set(
        handle,
        "resolution",
        sane_options.nearest_resolution(_constraint(handle, "resolution"), options.dpi),
    )
    _apply_page_area(handle, options)
    return feeding


def _apply_source(handle: Any, options: ScanOptions) -> bool:
    sources = _constraint(handle, "source")
    if not sources:
        if options.duplex:
            raise ScannerUnavailableError("device has no source option", summary=_NO_FEEDER)
        return False
    name = sane_options.source_name_for(sources, options.use_feeder, options.duplex)
    if name is None:
        raise ScannerUnavailableError(f"no source for {options} in {sources}", summary=_NO_FEEDER)
    _set(handle, "source", name)
    return options.use_feeder


def _apply_page_area(handle: Any, options: ScanOptions) -> None:
    for corner, start, size in (
        ("br-x", "tl-x", options.page_width_mm),
        ("br-y", "tl-y", options.page_height_mm),
    ):
        limits = _constraint(handle, corner)
        if isinstance(limits, tuple):
            _set(handle, start, limits[0])
            _set(handle, corner, sane_options.page_corner(limits[0], limits[1], size))


def _read_pages(
    sane: ModuleType,
    handle: Any,
    device: str,
    options: ScanOptions,
    cancel: CancelToken,
    feeding: bool,
) -> Iterator[CapturedPage]:
    """Start and read pages until the feeder is empty (or one page from a flatbed)."""
    sides = cycle((PageSide.FRONT, PageSide.BACK)) if options.duplex else repeat(PageSide.FRONT)
    dpi = round(getattr(handle, "resolution", options.dpi))
    try:
        for side in sides:
            if cancel.cancelled:
                return
            pixels = _read_one_page(sane, handle, device)
            yield CapturedPage(encode_png(pixels, capture_note(device)), PNG, device, side, dpi)
            if not feeding:
                return
    finally:
        handle.cancel()


def _read_one_page(sane: ModuleType, handle: Any, device: str) -> np.ndarray:
    try:
        handle.start()
        data, width, height, samples, sample_size = handle.dev.snap(True, True, None)
    except sane._sane.error as error:
        raise sane_error_for(str(error), device, _double_feed_flagged(handle)) from error
    dtype = np.uint16 if sample_size == 2 else np.uint8
    pixels = np.frombuffer(data, dtype).reshape(height, width, samples)
    if samples == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    return pixels[:, :, 0]


def _double_feed_flagged(handle: Any) -> bool:
    """Whether the device's double-feed sensor (where it has one) is set after a stop."""
    for name in _DOUBLE_FEED_SENSORS:
        if _option(handle, name) is not None:
            try:
                return bool(getattr(handle, name))
            except AttributeError:
                return False
    return False
