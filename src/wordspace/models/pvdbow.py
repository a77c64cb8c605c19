"""Document vectors: PV-DBOW, the distributed bag of words (Le & Mikolov 2014).

A document's vector predicts the words of the document with negative sampling, as a
skip-gram context word predicts its centre word. Trained jointly with skip-gram
(``train_words=True``), the document is one more context of every word in it, so word
and document vectors share a space; the walk, the sampler and the kernel are
skip-gram's, with the document's row as an extra input (``sentence_context``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from wordspace._io import load_npy
from wordspace._validate import check_float, check_int, check_rate, check_switch
from wordspace.corpus import query_tokenizer
from wordspace.documents import (
    Documents,
    check_document_ids,
    is_tagged_document,
    read_document_ids,
    write_document_ids,
)
from wordspace.engine.layout import Layout
from wordspace.engine.params import VectorParams
from wordspace.engine.sampler import Sampler
from wordspace.losses import NegativeSamplingLoss
from wordspace.models.base import default_workers
from wordspace.models.skipgram import SkipGram
from wordspace.train import infer_rows
from wordspace.vectors import DocVectors, Vectors, _unitvec

logger = logging.getLogger(__name__)


class PVDBOW(SkipGram):
    """Paragraph vectors (PV-DBOW, gensim's ``Doc2Vec(dm=0)``), optionally with words.

    Parameters
    ----------
    dim : int
        Vector dimensions (documents and words alike).
    train_words : bool
        Also train skip-gram word vectors in the same space (gensim's ``dbow_words=1``):
        slower, and usually better document vectors on small collections. ``False``:
        documents only; the model then has no word vectors.
    window : int
        Skip-gram window when ``train_words`` (the document is always a context).
    negative, hs, sample, ns_exponent, alpha, min_alpha, workers, seed, shared_negatives,
    device, device_options, progress, shrink_windows
        As for :class:`~wordspace.models.skipgram.SkipGram`; ``sample`` defaults to
        1e-3 (gensim's for ``Doc2Vec``), as documents are short next to a corpus.
    epochs : int
        Passes over the documents (also inference's default).

    Attributes
    ----------
    dv : DocVectors
        Document vectors by id: ``dv[id]``, ``dv.most_similar(id)``, ``dv.infer(tokens)``.
    vectors : Vectors
        Word vectors (only with ``train_words``).
    tokenization_ : dict
        The collection's ``lowercase`` and ``token_pattern``: how :meth:`DocVectors.infer`
        tokenises a text given as a string (and lowercases a list of tokens).
    vocab_ : Vocabulary
    report_ : TrainingReport
    """

    _arrays = ("input_vectors_", "output_vectors_")
    _corpus_type = Documents

    @property
    def _initialisable(self) -> bool:
        return self.train_words  # otherwise the input rows are the documents' alone

    _updatable = False  # its documents are fixed by training: new ones are inferred
    _update_instead = ("its documents are those it was trained on; give new documents "
                       "vectors with model.dv.infer(tokens) (or dv.infer_many), or train a "
                       "new model on the old and new documents together")

    def __init__(self, *, dim: int = 100, train_words: bool = True, window: int = 5,
                 negative: int = 5, sample: float = 1e-3, ns_exponent: float = 0.75,
                 epochs: int = 20, alpha: float = 0.025, min_alpha: float | None = None,
                 workers: int | None = None, seed: int = 1, shared_negatives: bool = True,
                 hs: bool = False, device: str = "cpu", device_options: dict | None = None,
                 progress: bool = True, shrink_windows: bool = True):
        self.train_words = train_words
        super().__init__(dim=dim, window=window, negative=negative, sample=sample,
                         ns_exponent=ns_exponent, epochs=epochs, alpha=alpha,
                         min_alpha=min_alpha, workers=workers, seed=seed,
                         shared_negatives=shared_negatives, hs=hs, device=device,
                         device_options=device_options, progress=progress,
                         shrink_windows=shrink_windows)

    def _validate(self) -> None:
        check_switch(self, "train_words")
        super()._validate()

    def _shapes(self, n_words: int, n_docs: int) -> dict[str, tuple[int, int]]:
        """The parameters' shapes: the inputs hold the word rows (if trained), then one
        row per document; the outputs one row per word."""
        word_rows = n_words if self.train_words else 0
        return {"input_vectors_": (word_rows + n_docs, self.dim),
                "output_vectors_": (n_words, self.dim)}

    def _array_sizes(self, documents: Documents, words: int) -> list[int]:
        shapes = self._shapes(words, documents.n_documents)
        return [math.prod(shape) * 4 for shape in shapes.values()]  # float32

    def _fit(self, documents: Documents) -> None:
        n_words, n_docs, dim = len(documents.vocab), documents.n_documents, self.dim
        if n_docs == 1:  # a text8-like file (one line) read as documents: one line each
            logger.warning("%s holds one document: each document vector is learnt to tell "
                           "documents apart, so one learns nothing useful (a text file is "
                           "read one document a line; JSON lines, or a folder of files, "
                           "give one each)", documents.name)
        empty = documents.documents_without_words()
        if empty:
            logger.warning("%d document(s) have no word in the vocabulary (or none at all): "
                           "zero vectors (ids: %s%s)", len(empty),
                           ", ".join(map(str, empty[:5])), ", ..." if len(empty) > 5 else "")
        shapes = self._shapes(n_words, n_docs)
        word_rows = shapes["input_vectors_"][0] - n_docs
        rng = np.random.default_rng(self.seed)
        self.input_vectors_ = (rng.random(shapes["input_vectors_"], dtype=np.float32)
                               - 0.5) / dim
        self.output_vectors_ = np.zeros(shapes["output_vectors_"], dtype=np.float32)
        doc_rows = (word_rows + np.asarray(documents.doc_of_sentence)).astype(np.int32)
        self.doc_ids_ = list(documents.ids)  # callbacks query them at epoch ends
        self._train(documents, self._loss(),
                    VectorParams(self.input_vectors_, self.output_vectors_),
                    window=self.window if self.train_words else 0, sentence_context=doc_rows)
        self.input_vectors_[word_rows:][~documents.has_words] = 0.0  # as inference gives
        self._restored()

    _extra_names = ("doc_ids.json", "doc_ids_.npy")  # the latter: format 1's

    def _save_extra(self, directory: Path) -> None:
        write_document_ids(directory / "doc_ids.json", self.doc_ids_)

    def _format(self) -> int:
        # integer ids (JSON numbers) are format 3's: an older wordspace would refuse them
        # as damaged, and says to upgrade instead
        return 3 if any(type(i) is int for i in self.doc_ids_) else super()._format()

    def _load_extra(self, directory: Path) -> None:
        file = directory / "doc_ids.json"
        if not file.exists() and (directory / "doc_ids_.npy").exists():  # format 1
            file = directory / "doc_ids_.npy"
            ids = load_npy(file, whole="the model directory")
            self.doc_ids_ = check_document_ids(
                file, ids.tolist() if ids.dtype.kind == "U" and ids.ndim == 1 else None)
        else:
            self.doc_ids_ = read_document_ids(file, "the model directory")

    def _expected_shapes(self) -> dict[str, tuple[int | None, ...]]:
        return self._shapes(len(self.vocab_), len(self.doc_ids_))

    def _restored(self) -> None:
        n_docs = len(self.doc_ids_)
        word_rows = len(self.input_vectors_) - n_docs
        self.dv = DocVectors(self.doc_ids_, self.input_vectors_[word_rows:],
                             infer=self._infer)._owned_by(self)
        self._word_vectors = Vectors(self.vocab_.words, self.input_vectors_[:word_rows],
                                     self.vocab_.counts)._owned_by(self) \
            if word_rows else None

    @property
    def vectors(self) -> Vectors:
        """The word vectors (``train_words=True`` only)."""
        if not self.is_fitted:  # an AttributeError, so that hasattr() says False
            raise AttributeError(f"this {type(self).__name__} is not trained yet, so it "
                                 "has no vectors: call fit() first (or load a saved model)")
        if self.__dict__.get("_word_vectors") is None:
            raise AttributeError("this PVDBOW has no word vectors: train it with "
                                 "train_words=True to learn them beside the documents")
        return self._word_vectors

    def score(self, sentences, total_sentences: int | None = None) -> np.ndarray:
        """Not for document models: their words are predicted with the document's row, which
        a sentence outside the collection does not have. Score with a
        :class:`~wordspace.models.skipgram.SkipGram` or ``CBOW`` trained with ``hs=True``."""
        raise TypeError(f"{type(self).__name__} scores no sentences: its words are predicted "
                        "with their document's vector; use SkipGram or CBOW with hs=True")

    def infer_vector(self, doc_words: str | Sequence[str], alpha: float | None = None,
                     min_alpha: float | None = None, epochs: int | None = None
                     ) -> np.ndarray:
        """gensim's ``Doc2Vec.infer_vector``: a new document's vector, as
        ``model.dv.infer_many([doc_words])[0]`` (a document with no known word: a zero
        vector, with a warning; ``dv.infer`` raises instead). The learning rate falls
        from ``alpha`` to ``min_alpha`` (by default the model's final rate)."""
        return self.dv.infer_many([doc_words], epochs=epochs, alpha=alpha,
                                  min_alpha=min_alpha)[0]

    def similarity_unseen_docs(self, doc_words1: str | Sequence[str],
                               doc_words2: str | Sequence[str], alpha: float | None = None,
                               min_alpha: float | None = None, epochs: int | None = None
                               ) -> float:
        """gensim's ``Doc2Vec.similarity_unseen_docs``: the cosine of two new documents'
        inferred vectors (:meth:`infer_vector`; 0.0 if either has no known word)."""
        rows = self.dv.infer_many([doc_words1, doc_words2], epochs=epochs, alpha=alpha,
                                  min_alpha=min_alpha)
        return float(_unitvec(rows[0]) @ _unitvec(rows[1]))

    def _infer(self, documents: list[Sequence[str]], epochs: int | None = None,
               alpha: float | None = None, seed: int | None = None,
               workers: int | None = None, strict: bool = False,
               min_alpha: float | None = None) -> np.ndarray:
        """:meth:`DocVectors.infer_many`'s work: see there."""
        self._check_fitted()
        with self._as_trained():  # as trained, whatever set_params said since (as saved)
            epochs = self.epochs if epochs is None else epochs
            trained_alpha = self.alpha  # the default, and what a divergence suggests
            alpha = trained_alpha if alpha is None else alpha
            seed = self.seed if seed is None else seed
            final_alpha = self._final_alpha
            sampler, objective = self._inference_setup()
            bags = self._inference_bags()
        check_int("epochs", epochs, 1)
        check_rate("alpha", alpha)
        if min_alpha is None:
            min_alpha = min(final_alpha, alpha)
        check_float("min_alpha", min_alpha, 0.0, maximum=alpha)
        check_int("seed", seed, 0)
        if workers is not None:
            check_int("workers", workers, 1)
        index = self.vocab_.index
        # as training read them: a text as a file's line, a token list as an iterable's
        tokenize = query_tokenizer(getattr(self, "tokenization_", None) or {})
        documents = [tokenize(doc.words if is_tagged_document(doc) else doc,
                              f"the document at index {i}")
                     for i, doc in enumerate(documents)]
        if self.vocab_.unk:  # as the collection was read: an unknown word is <unk>
            encoded = [np.array([index.get(w, 0) for w in doc], np.int32)
                       for doc in documents]
        else:
            encoded = [np.array([index[w] for w in doc if w in index], np.int32)
                       for doc in documents]
        unknown = [i for i, doc in enumerate(encoded) if len(doc) == 0]
        if unknown and strict:
            words = list(documents[unknown[0]])[:5]
            raise ValueError(f"none of the document's words is in the vocabulary "
                             f"({', '.join(map(repr, words)) or 'no words at all'}"
                             f"{', ...' if len(documents[unknown[0]]) > 5 else ''})")
        if unknown:
            logger.warning("%d document(s) have no word in the vocabulary: zero vectors "
                           "(at index %s of the documents given)", len(unknown),
                           ", ".join(map(str, unknown[:5])) + (", ..." if len(unknown) > 5
                                                               else ""))
        rows = infer_rows(
            encoded, self.output_vectors_, sampler, epochs=epochs, alpha=alpha,
            min_alpha=min_alpha, workers=workers or default_workers(),
            seed=int(seed), objective=objective, default_alpha=trained_alpha, **bags)
        rows[unknown] = 0.0
        return rows

    def _inference_setup(self) -> tuple[Sampler, NegativeSamplingLoss]:
        """The vocabulary's subsampling and noise tables for inference, and the objective
        (with ``hs``, its Huffman tree), as trained, built on the first call and kept:
        building them costs O(vocabulary), more than inferring a short document, and
        users infer document after document (bench/infer_calls.py: 3.35 -> 0.98 ms a
        call on a 70,563-word PV-DBOW)."""
        # the vocabulary by identity (a Vocabulary has no __eq__): a refit makes another
        key = (self.vocab_, self.negative, self.hs, self.sample, self.ns_exponent,
               self.shrink_windows)
        cached = self.__dict__.get("_inference_tables")
        if cached is None or cached[0] != key:
            empty = np.empty(0, np.int64)
            sampler = Sampler.build(empty, empty, self.vocab_.counts, window=0,
                                    negative=self.negative, layout=Layout(),
                                    sample=self.sample, ns_exponent=self.ns_exponent,
                                    sentence_context=np.zeros(1, np.int32),
                                    shrink_windows=self.shrink_windows)
            cached = self.__dict__["_inference_tables"] = (key, sampler, self._output_loss())
        return cached[1], cached[2]

    def _inference_bags(self) -> dict:
        """What a new document's bags hold beside its own row, as :func:`infer_rows`
        takes it: nothing for PV-DBOW (its row alone predicts each word)."""
        return {}
