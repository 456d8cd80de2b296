"""Scanner pages are lossless PNG; two captures are two files even with the same pixels."""

import zlib

import cv2
import numpy as np

from scanner.image_bytes import capture_note, encode_png


def test_two_captures_of_the_same_pixels_differ_but_decode_alike() -> None:
    pixels = np.random.default_rng(1).integers(0, 255, (40, 30), dtype=np.uint8)
    first, second = (encode_png(pixels, capture_note("test:0")) for _ in range(2))
    assert first != second
    for data in (first, second):
        assert np.array_equal(cv2.imdecode(np.frombuffer(data, np.uint8), 0), pixels)
    assert encode_png(pixels) == encode_png(pixels)


def test_the_note_is_a_valid_text_chunk() -> None:
    data = encode_png(np.zeros((4, 4), np.uint8), "fi-7160 2026-11-30")
    length = int.from_bytes(data[33:37], "big")
    body = data[37:41 + length]
    assert body.startswith(b"tEXtSource\x00fi-7160 2026-11-30")
    assert int.from_bytes(data[41 + length:45 + length], "big") == zlib.crc32(body)
