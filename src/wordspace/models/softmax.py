"""Full-softmax skip-gram: the exact maximum-likelihood model (for small vocabularies)."""

from __future__ import annotations

from wordspace._validate import check_int
from wordspace.corpus import Corpus
from wordspace.engine.params import VectorParams
from wordspace.losses import SoftmaxLoss
from wordspace.models.base import OutputWordPrediction, WindowModel
from wordspace.train import check_fits_memory
from wordspace.vectors import Vectors


class SoftmaxSkipGram(OutputWordPrediction, WindowModel):
    """Skip-gram trained on the exact softmax over the whole vocabulary.

    ``p(o | c) = exp(u_o . v_c) / sum_w exp(u_w . v_c)``, loss ``-log p`` over every
    (centre, context) pair of the dynamic window, with centre vectors ``V`` (the word
    vectors) and context vectors ``U``. Each step costs ``batch x vocabulary x dim``:
    meant for vocabularies up to ~50k words, and for teaching (negative sampling is its
    approximation). The walk (windows, subsampling, learning-rate decay, threads) is
    :class:`SkipGram`'s.

    Parameters
    ----------
    dim, window, sample, epochs, alpha, min_alpha, seed, progress, shrink_windows
        As for :class:`SkipGram`.
    workers : int, optional
        Threads taking jobs; default 1, because each step's matrix products already run
        on every core through BLAS (two workers on two cores measured 1.75x slower;
        docs/benchmarks.md).
    batch : int
        Centre words per dense step. The step sums the batch's gradients (as SGNS sums
        its pairs'), and every output row takes part in every softmax, so a large batch
        on a small vocabulary overshoots: 32 is stable at ``alpha=0.1`` on the first 2 M
        words of text8, where 0.2 diverges (training then stops with an error naming the
        rate); lower ``alpha`` on larger data. On a GPU too: a larger batch is faster
        there (1024 needs ``alpha`` well under 0.05 on that corpus).
    device : str
        ``"cpu"`` (default), or ``"cuda"`` / ``"cuda:N"`` to train on a GPU with
        PyTorch's dense matrix products (``pip install torch``, a build with CUDA;
        :class:`wordspace.cuda.softmax.TorchSoftmax`): the same step and loss, sampled
        on the CPU as one worker does, stepped ``batch`` centres at a time.
        Checked before the corpus is read; the trained model is plain NumPy arrays
        either way.
    device_options : dict, optional
        Options of the GPU's executor (:class:`wordspace.cuda.softmax.TorchSoftmax`
        lists them). Refused with ``device="cpu"``.

    Attributes
    ----------
    vectors : Vectors
    centre_vectors_, context_vectors_ : ndarray
    report_ : TrainingReport
        ``epoch_loss`` is the exact mean ``-log p(o | c)`` per pair in each epoch.
    """

    _arrays = ("centre_vectors_", "context_vectors_")
    _output_array = "context_vectors_"

    _updatable = True
    _initialisable = True

    def __init__(self, *, dim: int = 100, window: int = 5, sample: float = 1e-4,
                 epochs: int = 5, alpha: float = 0.1, min_alpha: float | None = None,
                 batch: int = 32, workers: int | None = None, seed: int = 1,
                 device: str = "cpu", device_options: dict | None = None,
                 progress: bool = True, shrink_windows: bool = True):
        self.dim = dim
        self.window = window
        self.shrink_windows = shrink_windows
        self.sample = sample
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.batch = batch
        self.workers = workers
        self.seed = seed
        self.device = device
        self.device_options = device_options
        self.progress = progress

    def _validate(self) -> None:
        check_int("dim", self.dim, 1)
        check_int("batch", self.batch, 1)
        self._validate_walk()

    def _make_executor(self):
        from wordspace.cuda.softmax import TorchSoftmax

        # the CPU's step, batch for batch: larger batches are faster on a GPU but need a
        # lower alpha (batch 1024 diverges at the default 0.1), so they are the user's call
        return self._executor(TorchSoftmax, self.batch)

    @property
    def _workers(self) -> int:
        return self.workers or 1

    def check_memory(self, n_words: int, available: int | None = None) -> None:
        """Refuse, with the numbers, when a batch's dense matrices would not fit."""
        workers = self._workers
        need = 4 * (4 * self.batch * n_words * workers + 3 * n_words * self.dim)
        check_fits_memory(
            need, needs="the full softmax needs about", available=available, error=MemoryError,
            detail=f" (batch {self.batch} x {n_words:,} words x 4 dense float32 arrays x "
                   f"{workers} workers, plus the {self.dim}-d parameters)",
            advice="lower batch or workers, raise min_count, or use SkipGram (negative "
                   "sampling)")

    def _fit(self, corpus: Corpus) -> None:
        n = len(corpus.vocab)
        if self._device == "cpu":  # the device's memory is the executor's to check
            self.check_memory(n)
        self._start_rows(n)
        self._train(corpus, self._loss(),
                    VectorParams(self.centre_vectors_, self.context_vectors_))
        self._restored()

    def _loss(self) -> SoftmaxLoss:
        return SoftmaxLoss(self.batch)

    def _restored(self) -> None:
        self.vectors = Vectors(self.vocab_.words, self.centre_vectors_,
                               self.vocab_.counts)._owned_by(self)
