"""``import wordspace`` (what every command and script pays first) against an earlier
commit: each tree imported by a fresh interpreter, the runs interleaved, medians.

    python bench/import_time.py --base 1dfdec1 [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, earlier_tree


def import_seconds(tree: Path) -> float:
    """Seconds for a fresh interpreter to import wordspace from ``tree`` and exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import wordspace"], check=True,
                   env={"PYTHONPATH": str(tree / "src")})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare against")
    parser.add_argument("--repeats", type=int, default=15)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as scratch, \
            earlier_tree(a.base, Path(scratch) / "base") as base:
        trees = {a.base: base, "this tree": ROOT}
        for tree in trees.values():  # untimed: byte-compile each tree's modules
            import_seconds(tree)
        times: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(a.repeats):
            for name, tree in trees.items():
                times[name].append(import_seconds(tree))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:>12}: {median:.3f} s (median of {a.repeats})")
    print(f"ratio this tree / {a.base}: {medians['this tree'] / medians[a.base]:.2f}")


if __name__ == "__main__":
    main()
