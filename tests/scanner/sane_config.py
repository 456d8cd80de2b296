"""A private SANE configuration that loads only SANE's own `test` driver, reaching A4."""

from __future__ import annotations

from pathlib import Path

TEST_DEVICE = "test:0"

TEST_CONF = """\
number_of_devices 1
mode Gray
depth 8
resolution 50.0
test-picture "Grid"
read-status-code "Default"
geometry_min 0.0
geometry_max 300.0
geometry_quant 1.0
tl_x 0.0
tl_y 0.0
br_x 80.0
br_y 100.0
"""
"""test.conf: one gray device; geometry_max raised from its 200 mm default so A4 fits."""


def write_sane_config(folder: Path) -> Path:
    """Write dll.conf (only `test`) and test.conf into `folder`; use it as SANE_CONFIG_DIR."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dll.conf").write_text("test\n")
    (folder / "test.conf").write_text(TEST_CONF)
    return folder
