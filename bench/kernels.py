"""Time each compiled update kernel per centre word, on one thread, on real jobs.

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
from wordspace.kernels.sampling import sample_job
from wordspace.losses import Examples, MaxMarginLoss, NegativeSamplingLoss
from wordspace.sampling import keep_probabilities, noise_tables
from wordspace.train import make_jobs


def sgns_params(n, dim, rng):
    return ((rng.random((n, dim), dtype=np.float32) - 0.5) / dim,
            np.zeros((n, dim), np.float32))


def gaussian_params(n, dim, var_dim, rng):
    mu = rng.normal(scale=0.1, size=(n, dim)).astype(np.float32)
    var = np.ones((n, var_dim), np.float32)
    acc = np.zeros(n)
    return mu, var, mu, var, acc, acc.copy(), acc, acc.copy()  # tied, as by default


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()
    corpus = Corpus("text8", progress=False)
    tokens, offsets = np.asarray(corpus.tokens), np.asarray(corpus.offsets)
    counts = corpus.vocab.counts
    keep = keep_probabilities(counts, 1e-4)
    alias_prob, alias_index = noise_tables(counts)
    bounds = make_jobs(offsets, 10_000)[:args.jobs + 1]
    longest = int((offsets[bounds[1:]] - offsets[bounds[:-1]]).max())
    n, rng = len(counts), np.random.default_rng(1)
    cases = [
        ("SGNS shared negatives, 100-d", NegativeSamplingLoss("shared"), sgns_params(n, 100, rng)),
        ("SGNS per pair, 100-d", NegativeSamplingLoss("pair"), sgns_params(n, 100, rng)),
        ("CBOW, 100-d", NegativeSamplingLoss("cbow"), sgns_params(n, 100, rng)),
        ("Gaussian diagonal KL, 50-d",
         MaxMarginLoss("kl", 1.0, 5.0, 0.05, 4.0, 0.3, tied=True),
         gaussian_params(n, 50, 50, rng)),
        ("Gaussian spherical KL, 50-d",
         MaxMarginLoss("kl", 1.0, 5.0, 0.05, 4.0, 0.3, tied=True),
         gaussian_params(n, 50, 1, rng)),
    ]
    print(f"{args.jobs} jobs of the text8-format corpus, 1 thread, window 5, negative 5\n")
    print("| kernel | ns per centre word | corpus words/s (update only) | sampler words/s |")
    print("|---|---|---|---|")
    for name, loss, params in cases:
        rows = longest * 10 if loss.negative_block else longest
        ex = Examples(np.empty(longest, np.int32), np.empty(longest + 1, np.int64),
                      np.empty(longest * 10, np.int32), np.empty((rows, 5), np.int32))
        scratch = loss.scratch(params, 5, 10)
        state, buffer = np.array([7], np.uint64), np.empty(longest, np.int32)
        no_tags = np.empty(0, np.int32)
        sampled = updated = 0.0
        words = centres = 0
        for i, (s0, s1) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            t0 = time.perf_counter()
            ex.n_examples, ex.n_contexts = sample_job(
                tokens, offsets, s0, s1, keep, 5, 5, loss.negative_block, alias_prob,
                alias_index, no_tags, state, buffer, ex.centres, ex.ctx_ptr, ex.contexts,
                ex.negatives)
            t1 = time.perf_counter()
            loss.update(params, ex, 0.025, scratch)
            t2 = time.perf_counter()
            if i >= 3:  # the first calls load or compile the kernels
                sampled += t1 - t0
                updated += t2 - t1
                words += int(offsets[s1] - offsets[s0])
                centres += ex.n_examples
        print(f"| {name} | {updated / centres * 1e9:.0f} | {words / updated / 1e6:.2f} M | "
              f"{words / sampled / 1e6:.1f} M |", flush=True)


if __name__ == "__main__":
    main()
