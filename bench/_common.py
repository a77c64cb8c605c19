"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

DATA = Path(os.environ.get("WORDSPACE_DATA", Path(__file__).resolve().parents[2] / "shared/data"))


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB) of that process alone."""
    import subprocess

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024
