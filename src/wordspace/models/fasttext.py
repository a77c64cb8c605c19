"""Subword vectors: fastText's model (Bojanowski et al. 2017).

A word is its own input row plus the rows of its character n-grams
(:mod:`wordspace.subwords`), so every word has a vector, even one never seen in
training. To the engine this is one more layout: each context word's bag is its rows
(:class:`~wordspace.engine.layout.WordBags`), trained by the negative-sampling kernel
of skip-gram and CBOW with shared negatives and batched updates (Wszola, Jaggi &
Püschel, "Faster Training of Word Embeddings").
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from wordspace._validate import ForeignName, check_float, check_switch
from wordspace.corpus import Corpus
from wordspace.engine.layout import SHARED_BAGS, Layout
from wordspace.engine.params import VectorParams
from wordspace.fasttext_format import (
    LOSS_HS,
    LOSS_NS,
    MODEL_CBOW,
    MODEL_SG,
    MODEL_SUP,
    FastTextFile,
    read_fasttext,
    write_fasttext,
)
from wordspace.kernels.subwords import bag_means
from wordspace.losses import NegativeSamplingLoss
from wordspace.models.skipgram import SkipGram
from wordspace.subwords import Subwords
from wordspace.train import check_fits_memory
from wordspace.vectors import SubwordVectors
from wordspace.vocab import Vocabulary

logger = logging.getLogger(__name__)

#: from this many words trained (the vocabulary's corpus words times epochs), skip-gram's
#: output rows, which take a window's steps summed, learn at half the input rows' rate;
#: on less they learn at the full rate (measured between 10 M and 20 M: docs/fasttext.md)
HALF_OUTPUT_RATE_FROM = 15_000_000


class FastText(SkipGram):
    """fastText's subword vectors: words as the mean of their rows and their n-grams'.

    Parameters
    ----------
    dim : int
        Vector dimensions.
    min_n, max_n : int
        Lengths, in characters, of the n-grams of ``<word>`` that make up a word
        (fastText's ``-minn`` and ``-maxn``); ``max_n=0``: no n-grams (plain skip-gram
        or CBOW vectors).
    bucket : int
        Rows the n-grams are hashed into (fastText's ``-bucket``): the n-gram rows take
        ``bucket * dim * 4`` bytes, twice during saving, checked before the corpus is read.
    cbow : bool
        ``False`` (default): skip-gram, each context word's bag of rows predicts the
        centre word. ``True``: CBOW, the mean of every row of the window predicts it.
    alpha : float
        Initial learning rate, decayed linearly to ``min_alpha``: fastText's 0.05 (on 4 M
        words of text8, 0.025 gives 9 % syntactic analogies where 0.05 gives 39 %).
    output_rate : float or None
        The output vectors' learning rate as a share of ``alpha``. None (default): for
        skip-gram with shared negatives, whose output rows take a whole window's steps
        summed at once, 0.5 when the training covers at least
        :data:`HALF_OUTPUT_RATE_FROM` words (the vocabulary's corpus words times
        ``epochs``; at fastText's rate the rows overshoot there: about 68 % syntactic
        analogies against 70-71 % at 0.5) and 1 on less text, where the slower rows
        cannot catch up (Google 47 % against 30 % on 800,000 words, 5 epochs;
        docs/fasttext.md); 1 otherwise (fastText's step).
    window, negative, hs, sample, ns_exponent, epochs, min_alpha, workers, seed,
    shared_negatives, device, device_options, progress, shrink_windows
        As for :class:`~wordspace.models.skipgram.SkipGram`. On a device
        (``device="cuda"``) each context word's bag is averaged where a window uses it
        (the CPU caches it while its windows use it, docs/gpu.md); the n-gram rows
        (``bucket * dim * 4`` bytes) must fit in the device's memory.

    Attributes
    ----------
    vectors : SubwordVectors
        A vector for every word: the vocabulary's composed from their rows, any other
        word's from its n-grams when asked for.
    input_vectors_ : ndarray (n_words + bucket, dim)
        The words' own rows, then the n-gram buckets' (fastText's input matrix).
    output_vectors_ : ndarray (n_words, dim)
    vocab_ : Vocabulary
    report_ : TrainingReport
    """

    _shape_params = ("dim", "min_n", "max_n", "bucket")
    #: gensim's deprecated classmethod, called on the class
    load_fasttext_format = ForeignName(
        "load_fasttext_format", "FastText.load_facebook_model(path) loads a fastText .bin "
        "model, FastText.load_facebook_vectors(path) its word vectors, as in gensim 4")

    def __init__(self, *, dim: int = 100, min_n: int = 3, max_n: int = 6,
                 bucket: int = 2_000_000, cbow: bool = False, window: int = 5,
                 negative: int = 5, sample: float = 1e-4, ns_exponent: float = 0.75,
                 epochs: int = 5, alpha: float = 0.05, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, shared_negatives: bool = True,
                 hs: bool = False, output_rate: float | None = None, device: str = "cpu",
                 device_options: dict | None = None, progress: bool = True,
                 shrink_windows: bool = True):
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.cbow = cbow
        self.output_rate = output_rate
        super().__init__(dim=dim, window=window, negative=negative, sample=sample,
                         ns_exponent=ns_exponent, epochs=epochs, alpha=alpha,
                         min_alpha=min_alpha, workers=workers, seed=seed,
                         shared_negatives=shared_negatives, hs=hs, device=device,
                         device_options=device_options, progress=progress,
                         shrink_windows=shrink_windows)

    @property
    def subwords(self) -> Subwords:
        """The n-gram settings, checked (a ``ValueError`` naming the bad one)."""
        return Subwords(self.min_n, self.max_n, self.bucket)

    def _validate(self) -> None:
        check_switch(self, "cbow")
        self.subwords  # noqa: B018 -- checks min_n, max_n and bucket
        if self.output_rate is not None:
            check_float("output_rate", self.output_rate, 0, strict=True, maximum=10)
        super()._validate()

    #: the rate ``output_rate=None`` resolved to when the model was fitted, saved with it
    _fitted_json = (*SkipGram._fitted_json, "trained_output_rate_")

    @property
    def output_rate_(self) -> float:
        """The output vectors' learning rate as a share of the input rows' (``output_rate``
        resolved: for skip-gram with shared negatives, the rate the fitted model trained
        with, 0.5 before fitting and in models saved before 2026-12-07; else 1)."""
        return self._output_rate_for(None)

    def _output_rate_for(self, words: int | None) -> float:
        """``output_rate`` resolved for a fit of ``words`` words trained (the vocabulary's
        times ``epochs``; None: the fitted model's record): the full rate below
        :data:`HALF_OUTPUT_RATE_FROM`, where the half rate's slower output rows cannot
        catch up."""
        if self.output_rate is not None:
            return float(self.output_rate)
        if not self.shared_negatives or self.cbow:
            return 1.0
        if words is None:
            return self.__dict__.get("trained_output_rate_", 0.5)
        return 1.0 if words < HALF_OUTPUT_RATE_FROM else 0.5

    def _loss(self) -> NegativeSamplingLoss:
        return self._output_loss(output_rate=self.output_rate_)

    def _check_resources(self, update: bool = False) -> None:
        super()._check_resources(update)
        sub = self.subwords
        from wordspace.distributed.group import _world_from_environment

        # each held once more: by an update, which grows the input rows into a new array
        # and keeps the old one until it succeeds (a failed update restores it), and by a
        # distributed run, which keeps them as last synchronised (its base)
        extra = [why for why, held in (
            ("an update holds the old rows and the new", update),
            ("a distributed run also their synchronised copy", _world_from_environment() > 1))
            if held]
        need = (1 + len(extra)) * sub.buckets * self.dim * 4
        times = f", {('twice', 'three times')[len(extra) - 1]}: {' and '.join(extra)}" \
            if extra else ""
        check_fits_memory(need, needs="the n-gram rows need",
                          detail=f" (bucket {sub.bucket:,} x dim {self.dim} x 4 bytes{times})",
                          advice="lower bucket or dim")
        if need:
            logger.info("n-gram rows: %s x %d floats, %.0f MiB", f"{sub.bucket:,}", self.dim,
                        need / 2**20)

    def _array_sizes(self, corpus: Corpus, words: int) -> list[int]:
        # the words' rows, and the n-gram rows that share the input array with them
        inputs, outputs = super()._array_sizes(corpus, words)
        return [inputs + self.subwords.buckets * self.dim * 4, outputs]

    def _layout(self) -> Layout:
        table = self.__dict__.get("_word_bags")  # known once the vocabulary is
        if self.cbow:
            return Layout(bag="window", word_bags=table)
        # each kept word's bag averaged once while its windows use it (about window times
        # fewer reads and writes of its ~20 rows than averaging it per window)
        return Layout(max_bags=SHARED_BAGS if self.shared_negatives else 1, word_bags=table,
                      cache_bags=True)

    def _new_rows(self, n: int, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
        # new words' own rows (an update keeps the n-gram rows, shared by old and new words)
        return _uniform(self._rows_rng(first), n, self.dim), np.zeros((n, self.dim),
                                                                      np.float32)

    def _fit(self, corpus: Corpus) -> None:
        n, dim, sub = len(corpus.vocab), self.dim, self.subwords
        rows = sub.rows(n)
        if rows > 2**31 - 1:
            raise ValueError(f"{n:,} words and {sub.bucket:,} buckets are more input rows "
                             "than 2**31 - 1: lower bucket")
        self._word_bags = sub.table(corpus.vocab.words)  # an update's new words too
        # resolved before the loss is made
        self.trained_output_rate_ = self._output_rate_for(self.vocab_.total * self.epochs)
        if not self._continuing:  # the words' and the buckets' rows in one array
            self.input_vectors_ = _uniform(np.random.default_rng(self.seed), rows, dim)
            self.output_vectors_ = np.zeros((n, dim), dtype=np.float32)
        self._train(corpus, self._loss(),
                    VectorParams(self.input_vectors_, self.output_vectors_))
        self._restored()

    def _expected_shapes(self) -> dict[str, tuple[int | None, ...]]:
        n = len(self.vocab_)
        return {"input_vectors_": (self.subwords.rows(n), self.dim),
                "output_vectors_": (n, self.dim)}

    def _restored(self) -> None:
        sub = self.subwords
        table = self.__dict__.get("_word_bags")
        if table is None:  # loaded: the table is derived, never saved
            table = self._word_bags = sub.table(self.vocab_.words)
        words = np.empty((len(self.vocab_), self.dim), np.float32)
        bag_means(self.input_vectors_, table.ptr, table.rows, words)
        self.vectors = SubwordVectors(self.vocab_.words, words, self.vocab_.counts,
                                      inputs=self.input_vectors_, subwords=sub)._owned_by(
            self, derived="each word's own row and its n-grams', averaged")

    def get_sentence_vector(self, text: str | list[str] | tuple[str, ...]) -> np.ndarray:
        """fastText's sentence vector of ``text`` (one line, or its words as a list): the
        mean of its words' unit vectors, unseen words composed from their n-grams
        (:meth:`SubwordVectors.get_sentence_vector`, which ``model.wv`` has too)."""
        return self.vectors.get_sentence_vector(text)

    # -- fastText's own files ---------------------------------------------------------------
    def save_facebook_model(self, path: str | Path) -> None:
        """Write the model as a fastText ``.bin`` file (atomically), which fastText
        (``fasttext.load_model``) and gensim (``load_facebook_model``) read with the same
        vectors, unseen words included. As gensim, an earlier fastText ``.bin`` at
        ``path`` is replaced, whoever wrote it; unlike gensim, any other file, a
        directory or a symbolic link there is refused before anything is written."""
        write_fasttext(path, self._facebook_file())

    def _facebook_file(self) -> FastTextFile:
        """What :meth:`save_facebook_model` writes (its matrices are the model's own,
        not copies)."""
        self._check_fitted()
        counts = np.asarray(self.vocab_.counts, np.int64)
        # by descending count, as fastText's dictionary is: its hierarchical softmax builds
        # the tree over the file's order as it stands (wordspace's sorts the counts first),
        # and <unk> (index 0) or an update's new words may be out of that order
        order = np.argsort(-counts, kind="stable")
        with self._as_trained():  # the parameters the arrays were trained with
            sub = self.subwords
            return FastTextFile(
                dim=self.dim, window=self.window, epochs=self.epochs,
                min_count=int(counts.min()) if len(counts) else 1, negative=self.negative,
                loss=LOSS_HS if self.hs else LOSS_NS,
                model=MODEL_CBOW if self.cbow else MODEL_SG,
                bucket=sub.buckets, min_n=self.min_n,
                max_n=self.max_n, sample=self.sample, words=list(self.vocab_.words),
                counts=counts, ntokens=int(counts.sum()), inputs=self.input_vectors_,
                outputs=_fasttext_outputs(self.output_vectors_, self.hs),
                order=None if np.all(np.diff(order) > 0) else order,
                outputs_per_word=not self.hs)

    @classmethod
    def load_facebook_model(cls, path: str | Path) -> FastText:
        """A model read from a fastText ``.bin`` file (fastText's, gensim's or
        :meth:`save_facebook_model`'s), answering queries at once; the matrices stay
        memory-mapped, read-only, until the model trains further."""
        return cls._read_facebook(path, supervised=False)

    @classmethod
    def load_facebook_vectors(cls, path: str | Path) -> SubwordVectors:
        """gensim's ``load_facebook_vectors``: the word vectors of a fastText ``.bin``
        file, a vector for any word (unseen ones composed from their n-grams, as
        fastText's ``get_word_vector``), from an unsupervised model or a supervised
        classifier (``lid.176.bin``: its input rows are word vectors too)."""
        return cls._read_facebook(path, supervised=True).vectors

    @classmethod
    def _read_facebook(cls, path: str | Path, supervised: bool) -> FastText:
        """The model of a ``.bin`` file; a classifier's (``supervised``) without its
        output rows, which are its labels', not words'."""
        f = read_fasttext(path, supervised=supervised)
        # the n-grams fastText's computeSubwords takes: lengths 1 to maxn (so minn 0 acts
        # as 1) of at least minn characters (none when minn > maxn)
        min_n = max(f.min_n, 1)
        ngrams = min_n <= f.max_n and f.bucket > 0
        hs = f.loss == LOSS_HS and f.model != MODEL_SUP
        model = cls(dim=f.dim, window=max(f.window, 1),
                    negative=0 if hs else max(f.negative, 1), hs=hs,
                    epochs=max(f.epochs, 1), min_n=min_n if ngrams else max(f.min_n, 0),
                    max_n=f.max_n if ngrams else 0, bucket=f.bucket if ngrams else 0,
                    cbow=f.model == MODEL_CBOW, sample=max(f.sample, 0.0))
        try:
            model._validate()
        except (TypeError, ValueError) as e:
            raise ValueError(f"{path}: settings wordspace cannot take: {e}") from None
        model.vocab_ = Vocabulary(f.words, f.counts)
        model.input_vectors_ = f.inputs[:model.subwords.rows(len(f.words))]
        if f.model != MODEL_SUP:
            model.output_vectors_ = _fasttext_outputs(f.outputs, hs)
        model._restored()
        if f.model == MODEL_SUP:  # whose sentence vectors fastText computes otherwise
            model.vectors._classifier = str(path)
        return model


#: the fastText Python module's model methods, and wordspace's way to what they do: the
#: names vectors have hints for (vectors._FASTTEXT_NAMES), said for a model
_FASTTEXT_NAMES = {
    "get_word_vector": "model.wv[word] (an unseen word composed from its n-grams)",
    "get_nearest_neighbors": "model.wv.most_similar(word, topn=10), (word, score) pairs",
    "get_analogies": "its (A, B, C) ranks A - B + C: "
                     "model.wv.most_similar(positive=[A, C], negative=[B])",
    "get_words": "model.wv.words (their counts: model.wv.counts)",
    "get_dimension": "model.dim",
    "get_input_matrix": "model.input_vectors_ (the words' rows, then the n-gram buckets')",
    "get_output_matrix": "model.output_vectors_",
    "save_model": "model.save_facebook_model(path) writes fastText's .bin; model.save(path) "
                  "a model directory",
}
ForeignName.install(FastText, _FASTTEXT_NAMES, tool="fastText")


def _fasttext_outputs(outputs: np.ndarray, hs: bool) -> np.ndarray:
    """The output rows as fastText's ``.bin`` holds them, from wordspace's, or back. With a
    hierarchical softmax they are negated: fastText trains ``sigma(u_n . h)`` towards a
    node's code where word2vec.c (and wordspace) train it towards ``1 - code``, over the
    same tree (the same two-queue build over the same counts, the inner nodes numbered
    alike), and ``sigma(-x) = 1 - sigma(x)``. Negative sampling's are the same rows."""
    return -outputs if hs else outputs


def _uniform(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """``n`` input rows as fastText starts them: uniform in +-1/dim (made in place: the
    buckets are most of memory, never copied)."""
    rows = rng.random((n, dim), dtype=np.float32)
    rows -= 0.5
    rows *= 2 / dim
    return rows
