"""Peak memory and fit time of PPMI + SVD, in a fresh process per run.

Run it under each tree to compare (the previous commit, this one), interleaved::

    for tree in BEFORE AFTER BEFORE AFTER; do
        PYTHONPATH=$tree/src python bench/ppmi_memory.py text8.txt --label $tree; done

The corpus is encoded (or read from the cache) before the fit, so the peak RSS printed
is the fit's on top of the encoded corpus (whose own figure is printed beside it).
"""

from __future__ import annotations

import argparse
import resource
import time

from wordspace import PPMISVD, Corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    corpus = Corpus(args.corpus, progress=False)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    start = time.perf_counter()
    model = PPMISVD(progress=False).fit(corpus)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.label}: peak RSS {peak:.2f} GiB (the corpus alone {loaded:.2f}), fit "
          f"{time.perf_counter() - start:.1f} s, {model.report_.cells:,} cells")


if __name__ == "__main__":
    main()
