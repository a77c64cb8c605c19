"""Skip-gram with negative sampling (Mikolov et al. 2013)."""

from __future__ import annotations

import logging

import numpy as np

from wordspace._validate import check_float, check_int
from wordspace.corpus import Corpus
from wordspace.losses import NegativeSamplingLoss
from wordspace.models.base import Model, default_workers
from wordspace.train import train
from wordspace.vectors import Vectors

logger = logging.getLogger(__name__)


class SkipGram(Model):
    """Skip-gram word vectors trained with negative sampling.

    Parameters
    ----------
    dim : int
        Vector dimensions.
    window : int
        Maximum context distance; each centre word draws its effective window
        uniformly from ``1..window`` (word2vec's dynamic window).
    negative : int
        Negatives per centre word (shared across its window) or per pair.
    sample : float
        Subsampling threshold ``t`` for frequent words (0 disables it); see
        :mod:`wordspace.sampling` for word2vec.c's keep probability.
    ns_exponent : float
        Negatives are drawn proportionally to ``count ** ns_exponent``.
    epochs : int
        Passes over the corpus.
    alpha : float
        Initial learning rate, decayed linearly to ``min_alpha`` over all epochs.
    min_alpha : float, optional
        Final learning rate; default ``alpha * 1e-4`` (word2vec.c's floor).
    workers : int, optional
        Training threads; default all cores.
    seed : int
        Random seed; with ``workers=1`` the same seed gives the same vectors.
    shared_negatives : bool
        ``True`` (default): one set of negatives per centre word, the window updated by
        small matrix products (Ji et al. 2016) -- faster and as accurate.
        ``False``: word2vec.c's per-pair update, for comparison.
    progress : bool
        Show a progress bar (words/s, ETA, learning rate, running loss).

    Attributes
    ----------
    vectors : Vectors
        The trained word (input) vectors, with the query API.
    output_vectors_ : ndarray
        The output (context) vectors ``syn1``.
    vocab_ : Vocabulary
    report_ : TrainingReport
        Words trained, seconds, words/s, loss per epoch.
    """

    _arrays = ("input_vectors_", "output_vectors_")

    def __init__(self, dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-4, ns_exponent: float = 0.75, epochs: int = 5,
                 alpha: float = 0.025, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, shared_negatives: bool = True,
                 progress: bool = True):
        self.dim = dim
        self.window = window
        self.negative = negative
        self.sample = sample
        self.ns_exponent = ns_exponent
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.workers = workers
        self.seed = seed
        self.shared_negatives = shared_negatives
        self.progress = progress
        self._validate()

    def _validate(self) -> None:
        check_int("dim", self.dim, 1)
        check_int("window", self.window, 1)
        check_int("negative", self.negative, 1)
        check_float("sample", self.sample, 0.0)
        check_float("ns_exponent", self.ns_exponent, -10.0, maximum=10.0)
        check_int("epochs", self.epochs, 1)
        check_float("alpha", self.alpha, 0.0, strict=True)
        if self.min_alpha is not None:
            check_float("min_alpha", self.min_alpha, 0.0, maximum=self.alpha)
        if self.workers is not None:
            check_int("workers", self.workers, 1)
        check_int("seed", self.seed, 0)

    def _fit(self, corpus: Corpus) -> None:
        n, dim = len(corpus.vocab), self.dim
        rng = np.random.default_rng(self.seed)
        # word2vec.c's initialisation: inputs uniform in +-0.5/dim, outputs zero
        self.input_vectors_ = ((rng.random((n, dim), dtype=np.float32) - 0.5) / dim)
        self.output_vectors_ = np.zeros((n, dim), dtype=np.float32)
        self.report_ = train(
            corpus, NegativeSamplingLoss(shared=self.shared_negatives),
            (self.input_vectors_, self.output_vectors_),
            window=self.window, negative=self.negative, sample=self.sample,
            ns_exponent=self.ns_exponent, epochs=self.epochs, alpha=self.alpha,
            min_alpha=self.alpha * 1e-4 if self.min_alpha is None else self.min_alpha,
            workers=self.workers or default_workers(), seed=self.seed, progress=self.progress)
        self._restored()

    def _restored(self) -> None:
        self.vectors = Vectors(self.vocab_.words, self.input_vectors_, self.vocab_.counts)
