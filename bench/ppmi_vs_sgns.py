"""Count-based PPMI + SVD against skip-gram on the text8-format corpus.

Each model is trained by ``wordspace train`` in its own process (timed from launch to
exit, peak RSS of that process), then both are scored by the same code: WS353 and
SimLex-999 Spearman, Google analogies (3CosAdd, 30k).

    WORDSPACE_DATA=../shared/data python bench/ppmi_vs_sgns.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import run
from wordspace import load_model
from wordspace.evaluate import evaluate

MODELS = {"SGNS (shared negatives)": ["--model", "sgns"],
          "PPMI + SVD (dynamic window, cds 0.75, eig 0.5, w+c)": ["--model", "ppmi-svd"]}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # --help
    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as tmp:
        env = {**os.environ, "WORDSPACE_HOME": str(Path(tmp) / "home")}
        common = ["--dim", "100", "--window", "5", "--min-count", "5", "--sample", "1e-4",
                  "--quiet"]
        # read the corpus once, so both runs start from the encoded cache
        run([sys.executable, "-m", "wordspace", "train", "text8", "-o", str(Path(tmp) / "w"),
             "--epochs", "1", "--dim", "4", "--quiet"], env)
        print("| model | wall time | peak memory | WS353 | SimLex-999 | Google analogy |")
        print("|---|---|---|---|---|---|")
        for name, args in MODELS.items():
            out = Path(tmp) / name.split()[0]
            wall, rss = run([sys.executable, "-m", "wordspace", "train", "text8", "-o",
                             str(out), *common, *args], env)
            r = evaluate(load_model(out), ["ws353", "simlex999", "google"])["cosine"]
            print(f"| {name} | {wall:.1f} s | {rss / 1024:.2f} GB | {r['ws353']['spearman']:.3f} "
                  f"| {r['simlex999']['spearman']:.3f} | "
                  f"{100 * r['google/3cosadd']['accuracy']:.1f} % |", flush=True)


if __name__ == "__main__":
    main()
