"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import contextlib
import gzip
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def text8_words(count: int, skip: int = 0) -> str:
    """``count`` words of the text8-format corpus after the first ``skip``."""
    with gzip.open(DATA / "corpora" / "enwiki2015-text8.gz", "rt") as f:
        words: list[str] = []
        seen, tail = 0, ""
        while len(words) < count:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            parts = (tail + chunk).split(" ")
            tail = parts.pop()  # perhaps cut in two: the next chunk completes it
            parts = [p for p in parts if p]  # the file starts with a space
            take = parts[max(skip - seen, 0):]
            seen += len(parts)
            words.extend(take[:count - len(words)])
    return " ".join(words)


@contextlib.contextmanager
def earlier_tree(commit: str, where: Path) -> Iterator[Path]:
    """``commit`` checked out at ``where`` (a ``git worktree``), removed on exit: the
    tree a benchmark compares this one against."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                    str(where), commit], check=True)
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                       check=False)
