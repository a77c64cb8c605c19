"""Word Mover's Distance: wordspace's ``Vectors.wmdistance`` (with POT's solver, and with
SciPy's linear programme) against gensim's ``KeyedVectors.wmdistance`` (POT).

The same random vectors (5,000 words, dim 100) in both; for each document length the
same pairs of random documents, each tool timed on all of them, the tools interleaved
over ``--repeats`` rounds; prints the median milliseconds per pair and checks that the
three agree::

    .venv/bin/python bench/wmd_vs_gensim.py [--pairs 20] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import gensim.models.keyedvectors as kv

    import wordspace.vectors
    from wordspace import Vectors
    from wordspace.transport import earth_movers_distance

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(5000)]
    matrix = rng.normal(size=(5000, 100)).astype(np.float32)
    ours = Vectors(words, matrix.copy())
    theirs = kv.KeyedVectors(100)
    theirs.add_vectors(words, matrix.copy())
    theirs.wmdistance(words[:2], words[2:4])  # imports POT before any timing
    solvers = {"pot": lambda a, b, c: earth_movers_distance(a, b, c, solver="pot"),
               "highs": lambda a, b, c: earth_movers_distance(a, b, c, solver="highs")}

    def wordspace_with(solver):
        def run(d1, d2):
            wordspace.vectors.earth_movers_distance = solvers[solver]
            return ours.wmdistance(d1, d2)
        return run

    tools = {"gensim (POT)": theirs.wmdistance, "wordspace (POT)": wordspace_with("pot"),
             "wordspace (HiGHS)": wordspace_with("highs")}
    print(f"{'words a document':>16} " + " ".join(f"{t:>18}" for t in tools)
          + "   (ms per pair, median)")
    for length in (10, 30, 100, 300):
        pairs = [(list(rng.choice(words, length)), list(rng.choice(words, length)))
                 for _ in range(args.pairs)]
        times = {t: [] for t in tools}
        answers = {}
        for _ in range(args.repeats):
            for name, tool in tools.items():
                start = time.perf_counter()
                answers[name] = [tool(d1, d2) for d1, d2 in pairs]
                times[name].append((time.perf_counter() - start) / len(pairs) * 1e3)
        reference = np.array(answers["gensim (POT)"])
        for name, got in answers.items():
            if not np.allclose(got, reference, rtol=1e-6):
                sys.exit(f"{name} disagrees with gensim at {length} words")
        print(f"{length:>16} " + " ".join(f"{statistics.median(times[t]):>18.2f}"
                                          for t in tools))
    wordspace.vectors.earth_movers_distance = earth_movers_distance
    print("all three agree on every pair (rtol 1e-6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
