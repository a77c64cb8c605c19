"""Loading saved vectors: the word2vec binary format against a vectors directory
(``Vectors.save``), read into memory and memory-mapped, and gensim's
``KeyedVectors.load(mmap='r')`` of the same vectors when gensim is installed.

Random vectors of ROWS x DIM are saved once in each format; then each load runs in a
fresh interpreter (the files in the page cache, as a web service's workers find them),
the formats interleaved, REPEATS times; the medians of the seconds the load call takes
(imports excluded) and of the resident memory it adds (mapped pages of the
page cache that it touched count too) are printed.

    python bench/vectors_load.py [--rows 1000000] [--dim 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT

LOADERS = {
    "word2vec binary (Vectors.load_word2vec_format)":
        "from wordspace import Vectors; v = Vectors.load_word2vec_format(W2V)",
    "vectors directory (Vectors.load, mmap=None)":
        "from wordspace import Vectors; v = Vectors.load(VD)",
    "vectors directory (Vectors.load, mmap='r')":
        "from wordspace import Vectors; v = Vectors.load(VD, mmap='r')",
    "gensim (KeyedVectors.load, mmap='r')":
        "from gensim.models import KeyedVectors; v = KeyedVectors.load(GS, mmap='r')",
}

CHILD = """
import json, os, sys, time
W2V, VD, GS = sys.argv[1:4]
{imports}
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
before = resident()
start = time.perf_counter()
{load}
seconds = time.perf_counter() - start
added = resident() - before
v.most_similar(v.index_to_key[0], topn=3)  # a query works
print(json.dumps({{"seconds": seconds, "rss_mib": added}}))
"""


def child(code: str, paths: list[str]) -> dict:
    imports, load = code.split("; ", 1)
    out = subprocess.run([sys.executable, "-c", CHILD.format(imports=imports, load=load),
                          *paths], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    if out.returncode:
        sys.exit(f"{code} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import numpy as np

    from wordspace import Vectors

    try:
        from gensim.models import KeyedVectors
    except ImportError:
        KeyedVectors = None
    loaders = {k: v for k, v in LOADERS.items() if KeyedVectors or "gensim" not in k}
    with tempfile.TemporaryDirectory(dir=ROOT / "bench") as tmp:
        rng = np.random.default_rng(0)
        matrix = rng.standard_normal((args.rows, args.dim), dtype=np.float32)
        words = [f"w{i}" for i in range(args.rows)]
        vectors = Vectors(words, matrix, np.arange(args.rows, 0, -1))
        paths = [str(Path(tmp) / "v.bin"), str(Path(tmp) / "vd"), str(Path(tmp) / "kv")]
        start = time.perf_counter()
        vectors.save_word2vec_format(paths[0], binary=True)
        print(f"saved word2vec binary in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        vectors.save(paths[1])
        print(f"saved vectors directory in {time.perf_counter() - start:.1f} s")
        if KeyedVectors is not None:
            kv = KeyedVectors(args.dim)
            kv.add_vectors(words, matrix)
            kv.save(paths[2])
            del kv
        del vectors, matrix, words
        results: dict[str, list[dict]] = {name: [] for name in loaders}
        for _ in range(args.repeats):
            for name, code in loaders.items():  # interleaved
                results[name].append(child(code, paths))
    print(f"{args.rows:,} x {args.dim} float32 ({args.rows * args.dim * 4 / 2**30:.2f} GiB), "
          f"medians of {args.repeats} interleaved runs, each in a fresh interpreter")
    print(f"{'load':<52} {'seconds':>8} {'RSS added MiB':>14}")
    for name, runs in results.items():
        print(f"{name:<52} {statistics.median(r['seconds'] for r in runs):>8.2f} "
              f"{statistics.median(r['rss_mib'] for r in runs):>14,.0f}")


if __name__ == "__main__":
    main()
