"""Time each compiled update kernel per corpus word, on one thread, on real jobs.

Samples the first jobs of the text8-format corpus with the training driver's sampler,
then times only the loss kernel's update (the sampler separately), from the same
initialisation the models use. This is the harness behind the per-kernel figures in
docs/benchmarks.md.

    WORDSPACE_DATA=../shared/data python bench/kernels.py [--jobs 300]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from wordspace import Corpus
from wordspace.engine import Job, Sampler, make_jobs
from wordspace.engine.layout import SHARED_BAGS, Layout
from wordspace.engine.params import GaussianParams, VectorParams
from wordspace.losses import MaxMarginLoss, NegativeSamplingLoss


def sgns_params(n, dim, rng):
    return VectorParams((rng.random((n, dim), dtype=np.float32) - 0.5) / dim,
                        np.zeros((n, dim), np.float32))


def gaussian_params(n, dim, var_dim, rng):
    # tied, as by default: the context distributions and their AdaGrad sums are the word's
    return GaussianParams(rng.normal(scale=0.1, size=(n, dim)).astype(np.float32),
                          np.ones((n, var_dim), np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    corpus = Corpus("text8", progress=False)
    tokens, offsets = np.asarray(corpus.tokens), np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    bounds = make_jobs(offsets, 10_000)[:args.jobs + 1]
    longest = int((offsets[bounds[1:]] - offsets[bounds[:-1]]).max())
    n, rng = len(counts), np.random.default_rng(1)
    gaussian = MaxMarginLoss("kl", 1.0, 5.0, 0.05, 4.0, 0.3)
    cases = [  # (name, layout, loss, params)
        ("SGNS shared negatives, 100-d", Layout(max_bags=SHARED_BAGS), NegativeSamplingLoss(),
         sgns_params(n, 100, rng)),
        ("SGNS per pair, 100-d", Layout(max_bags=1), NegativeSamplingLoss(),
         sgns_params(n, 100, rng)),
        ("CBOW, 100-d", Layout(bag="window"), NegativeSamplingLoss(), sgns_params(n, 100, rng)),
        ("Gaussian diagonal KL, 50-d", Layout(), gaussian, gaussian_params(n, 50, 50, rng)),
        ("Gaussian spherical KL, 50-d", Layout(), gaussian, gaussian_params(n, 50, 1, rng)),
    ]
    print(f"{args.jobs} jobs of the text8-format corpus, 1 thread, window 5, negative 5\n")
    print("| kernel | ns per corpus word | corpus words/s (update only) | sampler words/s |")
    print("|---|---|---|---|")
    for name, layout, loss, params in cases:
        sampler = Sampler.build(tokens, offsets, counts, window=5, negative=5, layout=layout,
                                sample=1e-4, ns_exponent=0.75)
        ex = sampler.examples(longest, longest * 10)
        scratch = loss.scratch(params, 5, layout.bags_per_example(10))
        state = np.array([7], np.uint64)
        sampled = updated = 0.0
        words = 0
        for i, (s0, s1) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            t0 = time.perf_counter()
            sampler.sample(Job(int(s0), int(s1)), state, ex)
            t1 = time.perf_counter()
            loss.update(params, ex, 0.025, scratch)
            t2 = time.perf_counter()
            if i >= 3:  # the first calls load or compile the kernels
                sampled += t1 - t0
                updated += t2 - t1
                words += int(offsets[s1] - offsets[s0])
        print(f"| {name} | {updated / words * 1e9:.0f} | {words / updated / 1e6:.2f} M | "
              f"{words / sampled / 1e6:.1f} M |", flush=True)


if __name__ == "__main__":
    main()
