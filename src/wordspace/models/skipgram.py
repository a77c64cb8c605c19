"""Skip-gram and CBOW with negative sampling or a hierarchical softmax (Mikolov et al.
2013)."""

from __future__ import annotations

import logging

import numpy as np

from wordspace._validate import check_int, check_switch
from wordspace.corpus import Corpus
from wordspace.engine.layout import SHARED_BAGS, Layout
from wordspace.engine.params import VectorParams
from wordspace.huffman import HuffmanTree
from wordspace.kernels.huffman import score_sentences
from wordspace.losses import HierarchicalSoftmaxLoss, NegativeSamplingLoss
from wordspace.models.base import OutputWordPrediction, WindowModel
from wordspace.vectors import Vectors

logger = logging.getLogger(__name__)


class SkipGram(OutputWordPrediction, WindowModel):
    """Skip-gram word vectors trained with negative sampling or a hierarchical softmax.

    Parameters
    ----------
    dim : int
        Vector dimensions.
    window : int
        Maximum context distance; each centre word draws its effective window
        uniformly from ``1..window`` (word2vec's dynamic window). At most 10,000 (a
        window lies within a sentence); windows longer than the default are trained
        in blocks (see docs/sgns.md), and buffers that would not fit in memory are
        refused before the corpus is read.
    shrink_windows : bool
        ``True`` (default): each centre draws its window from ``1..window``, as
        word2vec.c and gensim do; ``False``: every centre takes the whole window
        (gensim's ``shrink_windows=False``). On the CPU only.
    negative : int
        Negatives per centre word (shared across its window) or per pair; 0 with ``hs``.
    hs : bool
        Train a hierarchical softmax over a Huffman tree of the vocabulary's counts
        instead of negative sampling (word2vec.c's ``-hs 1``, gensim's ``hs=1``,
        fastText's ``-loss hs``), with ``negative=0``: about ``log2(V)`` output rows per
        pair instead of ``negative + 1``, often better for rare words (docs/sgns.md).
        On the CPU only.
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
        Random seed; with ``workers=1`` the same seed gives the same vectors (on the
        CPU: on a GPU thousands of warps add to the rows at once, in no fixed order).
    shared_negatives : bool
        ``True`` (default): one set of negatives per centre word, the window updated by
        small matrix products (Ji et al. 2016) -- faster and as accurate.
        ``False``: word2vec.c's per-pair update, for comparison.
    device : str
        ``"cpu"`` (default), or ``"cuda"`` / ``"cuda:N"`` to train on a GPU (the
        ``wordspace[cuda]`` extra; see docs/gpu.md). Checked before the corpus is read;
        the trained model is plain NumPy arrays either way. ``workers`` does not apply
        on a GPU.
    device_options : dict, optional
        Options of the GPU's executor, e.g. ``{"concurrent_chunks": 1024}``
        (:class:`wordspace.cuda.executor.CudaNegativeSampling` lists them; docs/gpu.md
        says what each trades). Refused with ``device="cpu"``.
    progress : bool
        Show a progress bar (words/s, ETA, learning rate, running loss).

    Attributes
    ----------
    vectors : Vectors
        The trained word (input) vectors, with the query API.
    output_vectors_ : ndarray
        The output (context) vectors ``syn1neg``, or with ``hs`` the Huffman tree's inner
        nodes' (``syn1``: row ``n`` for node ``n``, the last row unused).
    vocab_ : Vocabulary
    report_ : TrainingReport
        Words trained, seconds, words/s, loss per epoch.
    """

    _arrays = ("input_vectors_", "output_vectors_")

    _initialisable = True

    #: as a model pickled before there was a hierarchical softmax was trained
    hs = False

    def __init__(self, *, dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-4, ns_exponent: float = 0.75, epochs: int = 5,
                 alpha: float = 0.025, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, shared_negatives: bool = True,
                 hs: bool = False, device: str = "cpu", device_options: dict | None = None,
                 progress: bool = True, shrink_windows: bool = True):
        self.dim = dim
        self.window = window
        self.shrink_windows = shrink_windows
        self.negative = negative
        self.hs = hs
        self.sample = sample
        self.ns_exponent = ns_exponent
        self.epochs = epochs
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.workers = workers
        self.seed = seed
        self.shared_negatives = shared_negatives
        self.device = device
        self.device_options = device_options
        self.progress = progress

    def _validate(self) -> None:
        check_int("dim", self.dim, 1)
        self._validate_walk()

    def _make_executor(self):
        from wordspace.cuda.executor import CudaNegativeSampling

        # the device trains the same layout and objective as the CPU's threads
        return self._executor(CudaNegativeSampling, output_rate=self._loss().output_rate)

    _updatable = True

    def _check_updatable(self, init=None) -> None:
        super()._check_updatable(init)
        if self._trained().get("hs", False) or self.hs:
            raise ValueError("update=True cannot continue a hierarchical softmax: its tree "
                             "is built from the vocabulary's counts, which more text changes, "
                             "and the trained inner nodes' rows would then stand for other "
                             "nodes; train a new model on the old and new text together")

    def _fit(self, corpus: Corpus) -> None:
        self._start_rows(len(corpus.vocab))
        self._train(corpus, self._loss(),
                    VectorParams(self.input_vectors_, self.output_vectors_))
        self._restored()

    def _loss(self) -> NegativeSamplingLoss:
        return self._output_loss()

    #: whether a bag's input is the mean of its rows (not their sum: CBOW's cbow_mean)
    _bag_mean = True

    def _output_loss(self, **options) -> NegativeSamplingLoss:
        """The objective, with ``options`` of :class:`NegativeSamplingLoss`: negative
        sampling, or with ``hs`` the hierarchical softmax over the vocabulary's tree."""
        options.setdefault("bag_mean", self._bag_mean)
        if self.hs:
            return HierarchicalSoftmaxLoss(self._huffman_tree(), self.vocab_.counts,
                                           **options)
        return NegativeSamplingLoss(**options)

    def _huffman_tree(self) -> HuffmanTree:
        """The Huffman tree over the vocabulary's counts, built once per vocabulary (a
        query such as :meth:`predict_output_word` asks for it again)."""
        cached = self.__dict__.get("_huffman")
        if cached is None or cached[0] is not self.vocab_:
            cached = self.__dict__["_huffman"] = (self.vocab_,
                                                  HuffmanTree.build(self.vocab_.counts))
        return cached[1]

    def score(self, sentences, total_sentences: int | None = None) -> np.ndarray:
        """gensim's ``Word2Vec.score``: the log probability of each sentence under the
        trained hierarchical softmax (``hs=True``), e.g. to classify a document by which
        of several models, each trained on one class, finds it likeliest (Taddy 2015).

        Each word of a sentence is predicted from every word within ``window`` of it
        (skip-gram: the sum over them of ``log p(word | context)``; CBOW: ``log p(word |
        mean of the contexts)``), as gensim scores, but exactly, in float64 (gensim reads
        a table and skips saturated terms). Words not in the vocabulary are left out
        before the windows are taken, as in gensim; nothing is subsampled.

        Parameters
        ----------
        sentences : iterable of list of str
            The sentences, as lists of tokens.
        total_sentences : int, optional
            Score at most this many (gensim's argument; gensim also pads its result with
            zeros up to it, which this does not).

        Returns
        -------
        ndarray of float64
            One log probability per sentence read (0.0 for one with fewer than two known
            words).
        """
        self._check_fitted()
        if not self._trained().get("hs", False):
            raise RuntimeError(f"score needs a hierarchical softmax: this {type(self).__name__}"
                               " was trained with negative sampling, whose scores are no "
                               "probabilities; train it with hs=True, negative=0 (gensim's "
                               "hs=1, negative=0)")
        if self._trained().get("cbow", False):
            raise TypeError("score takes a word's vector for its input, and fastText's CBOW "
                            "trained on the mean of every row of the window's words' bags "
                            "at once: score with a skip-gram FastText, or SkipGram / CBOW")
        if total_sentences is not None:
            check_int("total_sentences", total_sentences, 0)
        vectors, index = self.wv, self.vocab_.index
        rows, words, offsets = [], [], [0]
        for n, sentence in enumerate(sentences):
            if total_sentences is not None and n >= total_sentences:
                break
            if isinstance(sentence, (str, bytes)):
                raise TypeError(f"sentence {n} is a string: score takes lists of tokens "
                                f"(e.g. text.split())")
            known = [w for w in sentence if w in index]
            rows += [vectors.get_index(w) for w in known]  # the input rows in wv's order
            words += [index[w] for w in known]  # the leaves in the vocabulary's
            offsets.append(len(words))
        tree = self._huffman_tree()
        out = np.zeros(len(offsets) - 1, np.float64)
        with self._as_trained():
            window, cbow, mean = self.window, self._layout().bag == "window", self._bag_mean
        score_sentences(np.array(rows, np.int64), np.array(words, np.int64),
                        np.array(offsets, np.int64), vectors.matrix, self.output_vectors_,
                        tree.ptr, tree.nodes, tree.codes, int(window), cbow, bool(mean), out)
        return out

    def _output_probabilities(self, mean: np.ndarray) -> np.ndarray:
        if not self._trained().get("hs", False):
            return super()._output_probabilities(mean)
        # p(w | mean): the product of the branches' probabilities along w's path
        tree = self._huffman_tree()
        scores = self.output_vectors_[:len(tree) - 1] @ mean
        return np.exp(tree.log_probabilities(scores))

    def _layout(self) -> Layout:
        # each context word a bag; shared negatives: a window's bags share one output set
        return Layout(max_bags=SHARED_BAGS if self.shared_negatives else 1)

    def _restored(self) -> None:
        self.vectors = Vectors(self.vocab_.words, self.input_vectors_,
                               self.vocab_.counts)._owned_by(self)


def check_mean_switch(model: SkipGram, name: str) -> None:
    """Refuse a ``cbow_mean`` / ``dm_mean`` (``name``) other than a bool or gensim's 1
    and 0, and a sum (False) on a GPU, whose kernels average."""
    if not check_switch(model, name) and model._device != "cpu":
        raise ValueError(f"{name}=False trains on the CPU only: the GPU kernels take the "
                         f"mean of a window (set device='cpu', or leave {name} True)")


class CBOW(SkipGram):
    """Continuous bag of words with negative sampling (word2vec.c's ``-cbow 1``) or a
    hierarchical softmax (``hs``).

    The mean of a centre word's window predicts it against ``negative`` noise words (or
    along its path in the Huffman tree). The
    parameters are :class:`SkipGram`'s (``shared_negatives`` has no meaning here: one set
    of negatives per window is what CBOW always draws); the default ``alpha`` is 0.05,
    word2vec.c's for CBOW.

    Parameters
    ----------
    cbow_mean : bool
        ``True`` (default): the window's input is the mean of its words' vectors, and each
        word takes the whole step, as in word2vec.c and gensim's ``cbow_mean=1``.
        ``False``: their sum, each word taking the exact gradient step of the summed input
        (gensim's ``cbow_mean=0``, which divides that step by the window's size). On the
        CPU only.
    dim, window, negative, hs, sample, ns_exponent, epochs, alpha, min_alpha, workers,
    seed, device, device_options, progress, shrink_windows
        As for :class:`SkipGram`.
    """

    def __init__(self, *, dim: int = 100, window: int = 5, negative: int = 5,
                 sample: float = 1e-4, ns_exponent: float = 0.75, epochs: int = 5,
                 alpha: float = 0.05, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, hs: bool = False,
                 device: str = "cpu", device_options: dict | None = None,
                 progress: bool = True, shrink_windows: bool = True, cbow_mean: bool = True):
        super().__init__(dim=dim, window=window, negative=negative, sample=sample,
                         ns_exponent=ns_exponent, epochs=epochs, alpha=alpha,
                         min_alpha=min_alpha, workers=workers, seed=seed, hs=hs,
                         device=device, device_options=device_options, progress=progress,
                         shrink_windows=shrink_windows)
        self.cbow_mean = cbow_mean

    cbow_mean = True  # as a CBOW pickled before the parameter was trained

    def _validate(self) -> None:
        check_mean_switch(self, "cbow_mean")
        super()._validate()

    @property
    def _bag_mean(self) -> bool:
        return bool(self.cbow_mean)

    def _layout(self) -> Layout:
        return Layout(bag="window")  # the mean of the window predicts the centre
