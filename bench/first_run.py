"""A first run's reported speed: the words/s a run reports when Numba must compile its
kernels (an empty cache, as after ``pip install``) against a second run (kernels loaded
from the cache), for this tree and an earlier commit.

Each model trains one epoch on ``--words`` words of text8 in a fresh interpreter with
its own empty ``NUMBA_CACHE_DIR`` (first run), then again with that cache (second). The
reported words/s (``report_.words_per_second``, what the summary line and
``training.json`` say) should not depend on whether the kernels were compiled.

    python bench/first_run.py --base 4b2098d~1 [--models sgns cbow] [--words 2000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, earlier_tree, text8_words

TRAIN = """
import json, sys, time
from wordspace import Corpus
from wordspace.models import MODELS
corpus = Corpus(sys.argv[2], min_count=5, progress=False)
start = time.perf_counter()
model = MODELS[sys.argv[1]](epochs=1, workers=2, progress=False).fit(corpus)
print(json.dumps({"reported": model.report_.words_per_second,
                  "wall": time.perf_counter() - start}))
"""


def once(tree: Path, model: str, corpus: Path, cache: Path) -> dict:
    """One run's reported words/s and fit() wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "NUMBA_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", TRAIN, model, str(corpus)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the commit to compare against")
    parser.add_argument("--models", nargs="+", default=["sgns", "cbow"])
    parser.add_argument("--words", type=int, default=2_000_000)
    a = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wordspace-bench-") as scratch, \
            earlier_tree(a.base, Path(scratch) / "base") as base:
        corpus = Path(scratch) / "text8-part.txt"
        corpus.write_text(text8_words(a.words))
        print(f"{'model':<8} {'tree':<12} {'first: reported':>16} {'fit wall':>9} "
              f"{'second: reported':>17} {'fit wall':>9}")
        for model in a.models:
            for name, tree in ((a.base, base), ("this tree", ROOT)):
                cache = Path(scratch) / f"numba-{model}-{name.replace(' ', '-')}"
                first = once(tree, model, corpus, cache)
                second = once(tree, model, corpus, cache)
                print(f"{model:<8} {name:<12} {first['reported'] / 1e6:>12.2f} M/s "
                      f"{first['wall']:>8.1f}s {second['reported'] / 1e6:>13.2f} M/s "
                      f"{second['wall']:>8.1f}s")


if __name__ == "__main__":
    main()
