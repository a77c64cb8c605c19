"""Reading a corpus, this working tree against an earlier commit.

What ``Corpus(path, min_count=5)`` costs the first time (reading, counting, encoding and
writing the cache) and the next (loading the cache, with its checks), for the
text8-format corpus (``corpora/enwiki2015-text8.gz``, 16.9 M words), each run in a fresh
process that imports wordspace from its tree, the trees interleaved (before, after,
before, after, ...) so that this shared host's noise falls on both alike; each tree's
first read gets a cache home of its own, emptied before every first read. Prints the
medians and their ratio.

    WORDSPACE_DATA=../shared/data .venv/bin/python bench/corpus_read.py --base HEAD~1 \\
        [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import DATA, ROOT, earlier_tree

CORPUS = DATA / "corpora" / "enwiki2015-text8.gz"

#: one timed read, in the tree on PYTHONPATH, printed as JSON
WORK = """
import json, logging, sys, time
logging.disable(logging.WARNING)
from wordspace import Corpus
start = time.perf_counter()
corpus = Corpus(sys.argv[1], min_count=5, progress=False)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "tokens": int(len(corpus.tokens)),
                  "words": len(corpus.vocab)}))
"""


def read_once(tree: Path, home: Path) -> dict:
    """One read of the corpus by ``tree``'s wordspace, its cache in ``home``."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "WORDSPACE_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", WORK, str(CORPUS)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the earlier commit")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, \
            earlier_tree(args.base, Path(scratch) / "base") as base:
        trees = {"before": base, "after": ROOT}
        times: dict[str, dict[str, list[float]]] = {
            name: {"first": [], "cached": []} for name in trees}
        for name, tree in trees.items():  # compile and import once, untimed
            read_once(tree, Path(scratch) / f"warm-{name}")
        for _ in range(args.repeats):
            for name, tree in trees.items():
                home = Path(scratch) / f"home-{name}"
                shutil.rmtree(home, ignore_errors=True)
                first = read_once(tree, home)
                times[name]["first"].append(first["seconds"])
                times[name]["cached"].append(read_once(tree, home)["seconds"])
        print(f"corpus {CORPUS.name}: {first['tokens']:,} tokens kept, {first['words']:,} "
              f"words (min_count 5); medians of {args.repeats} interleaved runs, "
              f"base {args.base}")
        for kind in ("first", "cached"):
            before = statistics.median(times["before"][kind])
            after = statistics.median(times["after"][kind])
            print(f"{kind:>7} read: before {before:6.2f} s  after {after:6.2f} s  "
                  f"after/before {after / before:.2f}")


if __name__ == "__main__":
    main()
