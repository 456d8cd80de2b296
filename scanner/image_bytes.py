"""Encoding pixels as lossless PNG and recognising an image file's type from its bytes."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
import zlib

import cv2
import numpy as np

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
    (b"%PDF-", "application/pdf"),
)


def encode_png(pixels: np.ndarray, note: str | None = None) -> bytes:
    """Lossless PNG of 8- or 16-bit gray, BGR or BGRA pixels (OpenCV channel order).

    `note` goes into a tEXt chunk ("Source"): a scanner names the capture in it (device,
    time, sequence), so two captures are two files even when their pixels are the same.
    """
    ok, encoded = cv2.imencode(".png", pixels)
    if not ok:
        raise ValueError(f"cannot encode pixels of shape {pixels.shape} as PNG")
    data = encoded.tobytes()
    return data if note is None else _with_text_chunk(data, "Source", note)


def capture_note(device: str) -> str:
    """A note that makes one capture unique: the device and the moment, to the microsecond."""
    return f"{device} {dt.datetime.now(dt.UTC).isoformat()} {uuid.uuid4().hex[:8]}"


def _with_text_chunk(png: bytes, keyword: str, text: str) -> bytes:
    """`png` with a tEXt chunk inserted right after IHDR (always the first chunk, 25 bytes)."""
    body = b"tEXt" + keyword.encode("latin-1") + b"\x00" + text.encode("latin-1", "replace")
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    header_end = 8 + 25
    return png[:header_end] + chunk + png[header_end:]


def media_type_of(data: bytes) -> str | None:
    """The media type that `data` starts like, or None if it is no format we read."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None
