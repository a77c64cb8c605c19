"""Approximate neighbours: ``most_similar(word, indexer=AnnoyIndexer)`` against the exact
search, in wordspace and in gensim, on the same vectors.

The vectors are synthetic (no corpus here has millions of words): ``--words`` rows of
``--dim`` dimensions around 2,000 random centres, noise of 0.4 of their scale, so that
each word has neighbours worth finding as in trained vectors. Each library's exact
``most_similar(word, topn=10)`` and its Annoy indexer's (the same ``--trees``) are timed
on ``--queries`` words, interleaved query by query so the host's noise falls on all
four alike; the medians per query are printed with recall@10 against the exact answer.

    .venv/bin/python bench/indexer.py [--words 1000000] [--dim 100] [--trees 10] \
        [--search-k -1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from wordspace import Vectors
from wordspace.indexers import AnnoyIndexer


def clustered(words: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, dim)).astype(np.float32)
    rows = centres[rng.integers(0, len(centres), words)]
    rows += 0.4 * rng.normal(size=rows.shape).astype(np.float32)
    return rows


def timed(call, *args, **kwargs):
    start = time.perf_counter()
    answer = call(*args, **kwargs)
    return time.perf_counter() - start, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--trees", type=int, default=10)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--search-k", type=int, default=None,
                        help="Annoy's search_k for wordspace's indexer (default: "
                             "wordspace's, max(trees, 300) x neighbours; -1: Annoy's own, "
                             "trees x neighbours, which gensim's indexer uses)")
    args = parser.parse_args()

    matrix = clustered(args.words, args.dim)
    words = [f"w{i}" for i in range(args.words)]
    ours = Vectors(words, matrix)
    ours.fill_norms()
    build_ours, index = timed(AnnoyIndexer, ours, num_trees=args.trees,
                               search_k=args.search_k)
    libraries = {"wordspace": (ours, index)}
    builds = {"wordspace": build_ours}
    try:
        from gensim.models import KeyedVectors
        from gensim.similarities.annoy import AnnoyIndexer as GensimAnnoy
    except ImportError:
        print("gensim is not installed: wordspace alone")
    else:
        theirs = KeyedVectors(args.dim)
        theirs.add_vectors(words, matrix)
        theirs.fill_norms()
        builds["gensim"], gensim_index = timed(GensimAnnoy, theirs, args.trees)
        libraries["gensim"] = (theirs, gensim_index)

    rng = np.random.default_rng(1)
    queries = [words[i] for i in rng.choice(args.words, args.queries, replace=False)]
    times = {(lib, how): [] for lib in libraries for how in ("exact", "annoy")}
    recall = {lib: [] for lib in libraries}
    for word in queries:
        for lib, (vectors, indexer) in libraries.items():
            t_exact, exact = timed(vectors.most_similar, word, topn=10)
            t_annoy, approx = timed(vectors.most_similar, word, topn=10, indexer=indexer)
            times[lib, "exact"].append(t_exact)
            times[lib, "annoy"].append(t_annoy)
            # gensim's indexer returns the query word itself: leave it out of the count
            found = [w for w, _ in approx if w != word][:10]
            recall[lib].append(len({w for w, _ in exact} & set(found)) / 10)

    print(f"{args.words:,} vectors x {args.dim}, {args.trees} trees, {args.queries} "
          f"queries (median per query), wordspace's search_k "
          f"{'default' if args.search_k is None else args.search_k}")
    print(f"{'library':10} {'build s':>8} {'exact ms':>9} {'annoy ms':>9} {'speed-up':>9} "
          f"{'recall@10':>10}")
    for lib in libraries:
        exact = statistics.median(times[lib, "exact"]) * 1e3
        annoy = statistics.median(times[lib, "annoy"]) * 1e3
        print(f"{lib:10} {builds[lib]:8.1f} {exact:9.2f} {annoy:9.3f} {exact / annoy:8.0f}x "
              f"{np.mean(recall[lib]):10.3f}")


if __name__ == "__main__":
    main()
