"""What scanners, copiers and phones do to a page, applied to a clean raster on purpose.

Each `Degradation` is one recipe (rotation, scale, shift, blur, noise, JPEG quality,
photocopy contrast, uneven light, 180° turn, ADF streaks); `apply_degradation` returns
the encoded file bytes a scanner would have written, so the recogniser is tested on the
same path as real scans. `CONDITIONS` names the recipes benches report on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Degradation:
    """One recipe of damage; the defaults do nothing."""

    rotation_deg: float = 0.0
    scale: float = 1.0
    shift_px: tuple[float, float] = (0.0, 0.0)
    blur_sigma: float = 0.0
    noise_sd: float = 0.0
    salt_pepper: float = 0.0
    jpeg_quality: int = 90
    photocopy: float = 0.0
    uneven_light: float = 0.0
    upside_down: bool = False
    streaks: int = 0


CONDITIONS = ("clean", "skew", "scale", "shift", "blur", "noise", "jpeg", "photocopy",
              "uneven_light", "upside_down", "streaks", "mixed")


def degradation_for(condition: str, rng: np.random.Generator) -> Degradation:
    """A random recipe of the named condition (see `CONDITIONS`)."""
    skew = float(rng.uniform(-5, 5))
    match condition:
        case "clean":
            return Degradation(jpeg_quality=90)
        case "skew":
            return Degradation(rotation_deg=skew)
        case "scale":
            return Degradation(scale=float(rng.uniform(0.97, 1.03)))
        case "shift":
            return Degradation(shift_px=(float(rng.uniform(-40, 40)), float(rng.uniform(-40, 40))))
        case "blur":
            return Degradation(blur_sigma=float(rng.uniform(0.6, 1.6)))
        case "noise":
            return Degradation(noise_sd=float(rng.uniform(6, 18)),
                               salt_pepper=float(rng.uniform(0.0005, 0.003)))
        case "jpeg":
            return Degradation(jpeg_quality=int(rng.integers(30, 60)))
        case "photocopy":
            return Degradation(photocopy=float(rng.uniform(0.3, 0.8)), blur_sigma=0.6)
        case "uneven_light":
            return Degradation(uneven_light=float(rng.uniform(0.2, 0.45)))
        case "upside_down":
            return Degradation(upside_down=True, rotation_deg=skew / 3)
        case "streaks":
            return Degradation(streaks=int(rng.integers(1, 4)))
        case "mixed":
            return Degradation(
                rotation_deg=skew / 2, scale=float(rng.uniform(0.98, 1.02)),
                shift_px=(float(rng.uniform(-20, 20)), float(rng.uniform(-20, 20))),
                blur_sigma=float(rng.uniform(0, 1.0)), noise_sd=float(rng.uniform(0, 10)),
                jpeg_quality=int(rng.integers(40, 90)), photocopy=float(rng.uniform(0, 0.4)),
                uneven_light=float(rng.uniform(0, 0.25)), upside_down=bool(rng.random() < 0.1),
                streaks=int(rng.integers(0, 2)))
    raise ValueError(f"unknown condition {condition}")


def _geometry(gray: np.ndarray, d: Degradation) -> np.ndarray:
    """Skew, scale and shift the sheet inside the scanner's window.

    A skewed sheet's corners reach beyond an upright page's rectangle; high-speed
    scanners scan past the paper (overscan) and crop to the skewed sheet's bounding box,
    so the canvas grows by what the rotation needs and the whole sheet stays on it.
    """
    height, width = gray.shape
    angle = np.deg2rad(abs(d.rotation_deg))
    grow_x = round((width * np.cos(angle) + height * np.sin(angle)) * d.scale - width) // 2
    grow_y = round((width * np.sin(angle) + height * np.cos(angle)) * d.scale - height) // 2
    grow_x, grow_y = max(0, grow_x), max(0, grow_y)
    size = (width + 2 * grow_x, height + 2 * grow_y)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), d.rotation_deg, d.scale)
    matrix[:, 2] += np.array([d.shift_px[0] + grow_x, d.shift_px[1] + grow_y])
    return cv2.warpAffine(gray, matrix, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(235,))


def _photocopy(gray: np.ndarray, strength: float) -> np.ndarray:
    """Darker grey paper, crushed contrast and thicker black, as a worn copier makes."""
    values = gray.astype(np.float32) / 255.0
    values = values ** (1 + strength)
    paper = 1.0 - 0.25 * strength
    return (np.clip(values * paper, 0, 1) * 255).astype(np.uint8)


def _uneven_light(gray: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    height, width = gray.shape
    ys, xs = np.mgrid[0:height:8, 0:width:8].astype(np.float32)
    cx, cy = rng.uniform(0, width), rng.uniform(0, height)
    distance = np.hypot(xs - cx, ys - cy) / np.hypot(width, height)
    small = 1.0 - strength * distance / max(float(distance.max()), 1e-6)
    light = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(gray.astype(np.float32) * light, 0, 255).astype(np.uint8)


def _streaks(gray: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Vertical lines left by dust on an ADF's glass."""
    out = gray.copy()
    width = gray.shape[1]
    for _ in range(count):
        x = int(rng.integers(0, width - 3))
        thickness = int(rng.integers(1, 4))
        level = int(rng.integers(60, 170))
        out[:, x:x + thickness] = np.minimum(out[:, x:x + thickness], level)
    return out


def apply_degradation(gray: np.ndarray, d: Degradation, rng: np.random.Generator) -> bytes:
    """Damage a clean 8-bit gray page by recipe `d`; return it as JPEG file bytes."""
    page = _geometry(gray, d) if (d.rotation_deg or d.scale != 1 or any(d.shift_px)) else gray
    if d.photocopy:
        page = _photocopy(page, d.photocopy)
    if d.uneven_light:
        page = _uneven_light(page, d.uneven_light, rng)
    if d.blur_sigma:
        page = cv2.GaussianBlur(page, (0, 0), d.blur_sigma)
    if d.streaks:
        page = _streaks(page, d.streaks, rng)
    if d.noise_sd:
        noise = rng.normal(0, d.noise_sd, page.shape)
        page = np.clip(page.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if d.salt_pepper:
        spots = rng.random(page.shape)
        page = page.copy()
        page[spots < d.salt_pepper / 2] = 0
        page[spots > 1 - d.salt_pepper / 2] = 255
    if d.upside_down:
        page = cv2.rotate(page, cv2.ROTATE_180)
    ok, encoded = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()
