"""Running the real `ptw` command in a subprocess, as scripts outside the tests do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_ptw(env: dict[str, str], *args: str, timeout: float = 120
            ) -> subprocess.CompletedProcess[str]:
    """Run `ptw ARGS` with the station environment `env`; capture its output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PTW_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "app.entry", *args], env=full_env, cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=timeout, check=False)
