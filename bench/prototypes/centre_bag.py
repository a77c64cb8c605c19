"""A design experiment for issue 12, not library code: fastText's orientation.

wordspace's FastText orients skip-gram as word2vec.c does: each *context* word's bag of
rows (its own and about 20 n-gram rows) is an input against the centre word, so a
word's bag is averaged and stepped once per window it appears in, about ten times per
centre word. fastText and gensim put the *centre* word's bag on the input side. Here
that bag is averaged once per window and meets every context at once (the positives)
and the negatives, in one fused pass over the output rows, one step for the bag.

Variants of the negatives: ``shared`` draws ``K`` per window; ``pair`` draws ``K`` per
context (fastText's count); ``scaled`` draws ``K`` per window and scales their steps by
the number of contexts (the per-pair objective in expectation, at the shared cost).
``ws`` trains wordspace's FastText on the same data for comparison. One thread, the
settings of bench/fasttext_vs_peers.py (lr 0.05 decayed linearly):

    WORDSPACE_DATA=../shared/data python bench/prototypes/centre_bag.py CORPUS EPOCHS \\
        {ws,shared,pair,scaled}
"""

from __future__ import annotations

import argparse
import logging
import time

import numba
import numpy as np

import wordspace
from wordspace.datasets import load
from wordspace.evaluate import analogies, word_similarity
from wordspace.kernels.subwords import bag_means
from wordspace.sampling import keep_probabilities
from wordspace.subwords import Subwords

DIM, WINDOW, NEGATIVE, ALPHA = 100, 5, 5, 0.05


@numba.njit(fastmath=True, boundscheck=False)
def _next(state):
    """xorshift64: the next state of ``state`` (a one-element uint64 array)."""
    x = state[0]
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    state[0] = x
    return x


@numba.njit(fastmath=True, boundscheck=False)
def _among(values, count, value):
    """Whether ``value`` is one of ``values[:count]``."""
    for q in range(count):  # noqa: SIM110 -- a generator does not compile in nopython
        if values[q] == value:
            return True
    return False


@numba.njit(fastmath=True, boundscheck=False)
def train(tokens, keep, ptr, rows, inputs, outputs, table, negatives_per_context, scaled,
          epochs, seed):
    """Centre-bag skip-gram with negative sampling over the whole of ``tokens``."""
    state = np.array([seed], np.uint64)
    n, dim = tokens.shape[0], inputs.shape[1]
    h = np.zeros(dim, np.float32)
    step = np.zeros(dim, np.float32)
    kept = np.empty(n, np.int32)
    outs = np.empty(2 * WINDOW * (NEGATIVE + 1) + NEGATIVE + 1, np.int32)
    for epoch in range(epochs):
        m = 0
        for i in range(n):  # word2vec.c's subsampling, before windows are formed
            if (_next(state) >> np.uint64(11)) * (1.0 / 2.0**53) < keep[tokens[i]]:
                kept[m] = tokens[i]
                m += 1
        for i in range(m):
            lr = np.float32(ALPHA * max(1e-4, 1.0 - (epoch + i / m) / epochs))
            b = 1 + np.int64(_next(state) % np.uint64(WINDOW))
            positives = 0
            for j in range(max(0, i - b), min(m, i + b + 1)):
                if j != i:
                    outs[positives] = kept[j]
                    positives += 1
            if positives == 0:
                continue
            drawn = NEGATIVE * positives if negatives_per_context else NEGATIVE
            for k in range(drawn):
                outs[positives + k] = table[np.int64(_next(state) % np.uint64(len(table)))]
            start, stop = ptr[kept[i]], ptr[kept[i] + 1]
            # explicit loops: array expressions would allocate in this hot loop
            scale = np.float32(1.0) / np.float32(stop - start)
            h[:] = 0.0
            for p in range(start, stop):
                row = inputs[rows[p]]
                for t in range(dim):
                    h[t] += scale * row[t]
            step[:] = 0.0
            for k in range(positives + drawn):
                if k >= positives and _among(outs, positives, outs[k]):
                    continue  # a negative that is a context word
                u = outputs[outs[k]]
                s = np.float32(0.0)
                for t in range(dim):
                    s += u[t] * h[t]
                label = np.float32(1.0) if k < positives else np.float32(0.0)
                g = (label - np.float32(1.0) / (np.float32(1.0) + np.exp(-s))) * lr
                if scaled and k >= positives:
                    g *= np.float32(positives)
                for t in range(dim):
                    step[t] += g * u[t]
                    u[t] += g * h[t]
            for p in range(start, stop):
                row = inputs[rows[p]]
                for t in range(dim):
                    row[t] += step[t]


def score(vectors, label: str, seconds: float, words: int) -> None:
    google = analogies(vectors, load("google"))
    print(f"{label:<32} {seconds:6.1f} s {words / seconds / 1e6:5.2f} M words/s  "
          f"WS353 {word_similarity(vectors, load('ws353')).spearman:.3f}  "
          f"SimLex {word_similarity(vectors, load('simlex999')).spearman:.3f}  "
          f"Google {100 * google.accuracy:.1f} % (syntactic {100 * google.subset(False):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("epochs", type=int)
    parser.add_argument("variant", choices=["ws", "shared", "pair", "scaled"])
    a = parser.parse_args()
    logging.disable(logging.WARNING)
    corpus = wordspace.Corpus(a.corpus, min_count=5, progress=False)
    tokens, counts = np.asarray(corpus.tokens), corpus.vocab.counts
    words = len(tokens) * a.epochs
    if a.variant == "ws":
        model = wordspace.FastText(dim=DIM, epochs=a.epochs, workers=1, progress=False)
        model.fit(corpus)
        # plain vectors: the vocabulary protocol, as the variants below are scored
        v = model.vectors
        score(wordspace.Vectors(v.words, v.matrix), "wordspace FastText", model.report_.seconds,
              words)
        return
    sub, n = Subwords(3, 6, 2_000_000), len(counts)
    bags = sub.table(corpus.vocab.words)
    inputs = np.random.default_rng(1).random((sub.rows(n), DIM), dtype=np.float32)
    inputs -= 0.5
    inputs *= 2 / DIM
    outputs = np.zeros((n, DIM), np.float32)
    noise = counts.astype(np.float64) ** 0.75
    table = np.repeat(np.arange(n, dtype=np.int32),
                      np.round(noise / noise.sum() * 10_000_000).astype(np.int64))
    keep = keep_probabilities(counts, 1e-4).astype(np.float64)
    options = dict(negatives_per_context=a.variant == "pair", scaled=a.variant == "scaled")
    train(tokens[:1000], keep, bags.ptr, bags.rows, inputs.copy(), outputs.copy(), table,
          epochs=1, seed=7, **options)  # compile
    start = time.perf_counter()
    train(tokens, keep, bags.ptr, bags.rows, inputs, outputs, table, epochs=a.epochs, seed=7,
          **options)
    seconds = time.perf_counter() - start
    vectors = np.empty((n, DIM), np.float32)
    bag_means(inputs, bags.ptr, bags.rows, vectors)
    score(wordspace.Vectors(corpus.vocab.words, vectors), f"centre bag, {a.variant}", seconds,
          words)


if __name__ == "__main__":
    main()
