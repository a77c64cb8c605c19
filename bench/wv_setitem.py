"""Time ``model.wv[word] = vector`` on a model's vectors (written into its rows).

Run it under each tree to compare (the previous commit, this one)::

    PYTHONPATH=TREE/src python bench/wv_setitem.py --rows 200000 --dim 300

A model's ``wv`` is built as the models build theirs (``Vectors(...)._owned_by``), over
random rows; no training is needed to time the write.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from wordspace.models import SkipGram
from wordspace.vectors import Vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(args.rows)]
    rows = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    wv = Vectors(words, rows)._owned_by(SkipGram())
    vector = np.ones(args.dim, np.float32)
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.writes):
            wv[words[i * 7]] = vector
        best = min(best, (time.perf_counter() - start) / args.writes)
    assert np.shares_memory(wv.vectors, rows) and (rows[0] == 1).all()  # the model's rows
    print(f"{args.rows:,} x {args.dim}: {best * 1e3:.3f} ms per wv[word] = vector "
          f"(best of {args.repeats} x {args.writes})")


if __name__ == "__main__":
    main()
