"""Training words/s of two source trees on one corpus, interleaved (before/after a change).

Each run is a fresh process that imports wordspace from ``--before`` or ``--after`` (a
``src`` folder, e.g. the previous commit checked out with ``git worktree add``), fits
one model for one epoch and prints its ``report_.words_per_second``; runs alternate
between the trees so a noisy host slows both alike, and the medians are compared. With
``--identical`` it also checks that one-worker runs give bit-identical vectors.

    git worktree add /tmp/before HEAD~1
    python bench/engine_speed.py CORPUS --before /tmp/before/src --after src --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

MODELS = {
    "sgns": "SkipGram(dim=100, epochs=1, workers={workers}, seed=1, progress=False)",
    "cbow": "CBOW(dim=100, epochs=1, workers={workers}, seed=1, progress=False)",
    "gaussian": "GaussianSkipGram(dim=50, epochs=1, workers={workers}, seed=1, "
                "progress=False)",
}

SCRIPT = """
import hashlib, json, sys
import numpy as np
from wordspace import Corpus, SkipGram, CBOW, GaussianSkipGram
corpus = Corpus(sys.argv[1], progress=False)
model = {model}
model.fit(corpus)
digest = hashlib.sha256(np.ascontiguousarray(model.vectors.matrix).tobytes()).hexdigest()
print(json.dumps({{"wps": model.report_.words_per_second, "digest": digest}}))
"""


def run(src: str, corpus: str, model: str, workers: int) -> dict:
    """Fit once in a fresh process importing wordspace from ``src``."""
    code = SCRIPT.format(model=MODELS[model].format(workers=workers))
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    out = subprocess.run([sys.executable, "-c", code, corpus], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--before", required=True, help="src folder of the old tree")
    parser.add_argument("--after", required=True, help="src folder of the new tree")
    parser.add_argument("--models", default="sgns,gaussian")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    trees = {"before": args.before, "after": args.after}
    print("| model | workers | before words/s | after words/s | change | same vectors |")
    print("|---|---|---|---|---|---|")
    for model in args.models.split(","):
        for workers in map(int, args.workers.split(",")):
            for src in trees.values():  # compile and cache the kernels, untimed
                run(src, args.corpus, model, workers)
            speeds = {name: [] for name in trees}
            digests = {name: set() for name in trees}
            for _ in range(args.runs):
                for name, src in trees.items():
                    result = run(src, args.corpus, model, workers)
                    speeds[name].append(result["wps"])
                    digests[name].add(result["digest"])
            before, after = (statistics.median(speeds[n]) for n in trees)
            same = "yes" if digests["before"] == digests["after"] and \
                len(digests["after"]) == 1 else ("n/a" if workers > 1 else "NO")
            print(f"| {model} | {workers} | {before:,.0f} | {after:,.0f} | "
                  f"{after / before - 1:+.1%} | {same} |", flush=True)
            print("  runs:", json.dumps({n: [round(s) for s in v] for n, v in speeds.items()}),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
