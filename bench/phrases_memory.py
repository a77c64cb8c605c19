"""Phrase learning's time and memory, this working tree against an earlier commit.

Each tree, in a fresh process that imports wordspace from it, reads the first
``--words`` words of the text8-format corpus (17 M: all of it) as a ``Corpus`` (from
its cache, built before any timing), then learns ``Phrases`` on it twice: in a forked
child, timed, for the peak resident memory learning adds (the child's peak RSS, which
starts from its RSS at the fork, less its RSS once the corpus's tokens are mapped in),
and under ``tracemalloc`` for the peak of the memory NumPy allocates while learning.
Every run's table (phrases, scores, counts) is digested, and the trees' must be the
same. Medians of ``--repeats`` runs, the trees interleaved (before, after, before, ...)
so that this shared host's noise falls on both alike; with ``--connectors``, gensim's
English connector words too (candidates with connectors inside are hashed). With
``--copies K`` the corpus is those words K times over: the same distinct words and
pairs, K times the tokens, which shows what memory follows::

    WORDSPACE_DATA=../shared/data .venv/bin/python bench/phrases_memory.py --base HEAD~1 \\
        [--words 17000000] [--repeats 5] [--connectors] [--copies 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, earlier_tree, text8_words

#: one run, in the tree on PYTHONPATH, printed as JSON
WORK = """
import hashlib, json, logging, os, resource, sys, time, tracemalloc
import numpy as np
logging.disable(logging.WARNING)
from wordspace import Corpus, Phrases
options = {"connector_words": json.loads(sys.argv[2])}
corpus = Corpus(sys.argv[1], min_count=1, progress=False)
Phrases([["a", "of", "b"]], progress=False, **options)  # the kernels loaded
child = os.fork()
if not child:  # its peak RSS starts from its RSS now, not from the reading's peak
    int(np.asarray(corpus.tokens).sum())  # the cached corpus's pages mapped in
    before = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    start = time.perf_counter()
    phrases = Phrases(corpus, **options)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    table = sorted((p, s, c) for t in phrases.tables for p, s, c in t.values())
    print(json.dumps({"s": seconds, "rss": (peak - before) / 2**20, "phrases": len(phrases),
                      "digest": hashlib.sha256(repr(table).encode()).hexdigest()}),
          flush=True)
    os._exit(0)
os.waitpid(child, 0)
tracemalloc.start()
Phrases(corpus, **options)
print(json.dumps({"traced": tracemalloc.get_traced_memory()[1] / 2**20}))
"""


def once(tree: Path, corpus: Path, home: Path, connectors: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "WORDSPACE_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", WORK, str(corpus), json.dumps(connectors)],
                         env=env, check=True, capture_output=True, text=True).stdout
    learned, traced = out.strip().splitlines()[-2:]
    return {**json.loads(learned), **json.loads(traced)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the earlier commit")
    parser.add_argument("--words", type=int, default=17_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--copies", type=int, default=1, metavar="K",
                        help="the words K times over, as one corpus")
    parser.add_argument("--connectors", action="store_true",
                        help="with gensim's ENGLISH_CONNECTOR_WORDS")
    args = parser.parse_args()
    connectors = []
    if args.connectors:
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS
        connectors = sorted(ENGLISH_CONNECTOR_WORDS)
    with tempfile.TemporaryDirectory() as scratch, \
            earlier_tree(args.base, Path(scratch) / "base") as base:
        corpus, home = Path(scratch) / "words.txt", Path(scratch) / "home"
        corpus.write_text(" ".join([text8_words(args.words)] * args.copies))
        trees = {"before": base, "after": ROOT}
        for tree in trees.values():  # the corpus cached, the kernels compiled
            once(tree, corpus, home, connectors)
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.repeats):
            for name, tree in trees.items():
                runs[name].append(once(tree, corpus, home, connectors))
    print(f"{args.words / 1e6:.0f} M words x {args.copies}, {len(connectors)} connector words; "
          f"Phrases "
          f"at gensim's defaults, median of {args.repeats} interleaved runs")
    for name, found in runs.items():
        median = {key: statistics.median(run[key] for run in found)
                  for key in found[0] if key != "digest"}
        print(f"  {name:<7} ({args.base if name == 'before' else 'this tree'}): "
              f"{median['s']:.2f} s, peak RSS +{median['rss']:.0f} MiB, NumPy peak "
              f"{median['traced']:.0f} MiB; {median['phrases']:,.0f} phrases")
        print("           seconds: " + ", ".join(f"{run['s']:.2f}" for run in found))
    digests = {run["digest"] for found in runs.values() for run in found}
    print("the same phrases, scores and counts in every run" if len(digests) == 1 else
          f"the trees' tables differ ({len(digests)} distinct)")


if __name__ == "__main__":
    main()
