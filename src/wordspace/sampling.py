"""The distributions the training driver samples from (set up once, in NumPy).

* Noise: negatives are drawn with probability proportional to ``count ** ns_exponent``
  (0.75, Mikolov et al. 2013) by Walker's alias method.
* Subsampling: word2vec.c keeps a word of corpus frequency ``f`` with probability
  ``sqrt(t / f) + t / f`` (capped at 1). The formula in Mikolov et al. (2013) discards
  with ``P_discard = 1 - sqrt(t / f)``, i.e. keeps with ``sqrt(t / f)``; word2vec.c's
  extra ``t / f`` keeps slightly more, mostly of words just above the threshold, and
  a word is only ever subsampled when ``f > t`` in the paper's version but already
  when ``f > ~0.38 t`` in word2vec.c's. We follow word2vec.c, as gensim does.
"""

from __future__ import annotations

import numpy as np

from wordspace.kernels.sampling import build_alias


def noise_distribution(counts: np.ndarray, ns_exponent: float = 0.75) -> np.ndarray:
    """Probabilities of drawing each word as a negative: ``count ** ns_exponent``, normalised."""
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    return weights / weights.sum()


def noise_tables(counts: np.ndarray, ns_exponent: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Alias tables (probability, alias) for :func:`noise_distribution`."""
    return build_alias(noise_distribution(counts, ns_exponent))


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec.c's probability of keeping each occurrence of a word (1 when ``sample`` is 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    ratio = sample * counts.sum() / np.maximum(counts, 1)  # t / f
    return np.minimum(np.sqrt(ratio) + ratio, 1.0).astype(np.float32)
