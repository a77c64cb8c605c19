"""Windowed co-occurrence counting over the encoded corpus.

:func:`count_pairs` emits the weighted (word, context) pairs of a run of sentences into
preallocated arrays; :class:`wordspace.models.ppmi.PPMISVD` sums blocks of them into a
sparse matrix, so memory stays bounded by the number of distinct pairs.
"""

from __future__ import annotations

import numpy as np

from wordspace.kernels._jit import kernel
from wordspace.kernels.sampling import subsample


@kernel
def count_pairs(tokens, offsets, s0, s1, window, weighting, keep_prob, state, buffer,
                rows, cols, weights):
    """Pairs of sentences ``s0 .. s1-1`` within ``window`` of each other.

    ``weighting`` 0 counts every pair 1; 1 weights a pair at distance ``d`` by
    ``(window - d + 1) / window``, the expected weight word2vec's dynamic window gives it
    (Levy, Goldberg & Dagan 2015). Words are first subsampled with ``keep_prob`` (as the
    neural models do; all ones to keep everything). Returns the number of pairs written
    (both directions of each pair).
    """
    n_pairs = 0
    for s in range(s0, s1):
        n = subsample(tokens, offsets[s], offsets[s + 1], keep_prob, state, buffer)
        for i in range(n):
            for d in range(1, window + 1):
                j = i + d
                if j >= n:
                    break
                weight = np.float32(1.0) if weighting == 0 else \
                    np.float32(window - d + 1) / np.float32(window)
                rows[n_pairs] = buffer[i]
                cols[n_pairs] = buffer[j]
                weights[n_pairs] = weight
                rows[n_pairs + 1] = buffer[j]
                cols[n_pairs + 1] = buffer[i]
                weights[n_pairs + 1] = weight
                n_pairs += 2
    return n_pairs
