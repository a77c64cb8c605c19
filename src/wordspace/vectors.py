"""Word vectors and the queries people run on them (a gensim ``KeyedVectors``-like API).

Also reads and writes the word2vec text and binary formats that word2vec.c, gensim and
fastText exchange.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from wordspace.vocab import WordIndex
from wordspace.word2vec_format import read_word2vec, write_word2vec

_EPS = 1e-12


class Vectors(WordIndex):
    """Words with their vectors (a float32 matrix, one row per word) and counts.

    Parameters
    ----------
    words : sequence of str
        In row order; by convention most frequent first (``restrict_vocab`` relies on it).
    matrix : array (n_words, dim)
    counts : array (n_words,), optional
    """

    def __init__(self, words: Sequence[str], matrix: np.ndarray, counts=None):
        self.words = list(words)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if self.matrix.ndim != 2 or len(self.words) != self.matrix.shape[0]:
            raise ValueError(f"{len(self.words)} words but a matrix of shape {self.matrix.shape}")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit: np.ndarray | None = None

    # -- access ------------------------------------------------------------------------
    @staticmethod
    def _key(term) -> str | None:
        """``term`` as a key of this index, or None if it is not a key (a vector)."""
        return term if isinstance(term, str) else None

    def _as_list(self, x) -> list:
        """Query terms: one key or vector, or an iterable of them."""
        if x is None:
            return []
        if self._key(x) is not None or isinstance(x, np.ndarray):
            return [x]
        return list(x)

    def __getitem__(self, word: str | Iterable[str]) -> np.ndarray:
        """The vector of a word (or a matrix for a list of words)."""
        if self._key(word) is not None:
            return self.matrix[self.index_of(word)]
        return self.matrix[[self.index_of(w) for w in word]]

    def __repr__(self) -> str:
        return f"Vectors({len(self):,} words, dim={self.dim})"

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return self.matrix.shape[1]

    vector_size = dim  # gensim's name

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (computed once)."""
        if self._unit is None:
            norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
            self._unit = self.matrix / np.maximum(norms, _EPS)
        return self._unit

    # -- queries -----------------------------------------------------------------------
    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words."""
        u = self.unit
        return float(u[self.index_of(word1)] @ u[self.index_of(word2)])

    def pair_similarity(self, rows1: np.ndarray, rows2: np.ndarray) -> np.ndarray:
        """Cosine similarity of row pairs ``(rows1[k], rows2[k])`` (by index), vectorised."""
        u = self.unit
        return np.einsum("ij,ij->i", u[rows1], u[rows2])

    def nearest(self, vector: np.ndarray, topn: int = 10, exclude: Iterable[str] = (),
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """Words whose vectors have the highest cosine with ``vector``."""
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (self.dim,):
            raise ValueError(f"expected a vector of dimension {self.dim}, got {vector.shape}")
        unit = self.unit[:restrict_vocab]
        scores = unit @ (vector / max(float(np.linalg.norm(vector)), _EPS))
        return self.top_words(scores, topn, exclude)

    def most_similar(self, positive: str | np.ndarray | Iterable = (), negative=(),
                     topn: int = 10, restrict_vocab: int | None = None
                     ) -> list[tuple[str, float]]:
        """Nearest words to the mean of ``positive`` minus ``negative`` unit vectors.

        ``most_similar("france")`` lists neighbours; ``most_similar(positive=["king",
        "woman"], negative=["man"])`` answers an analogy (3CosAdd). Query words are
        excluded from the answer, as in gensim.
        """
        positive = self._as_list(positive)
        negative = self._as_list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one positive or negative word")
        terms = [(p, 1.0) for p in positive] + [(n, -1.0) for n in negative]
        mean = np.zeros(self.dim, dtype=np.float32)
        exclude = []
        for term, weight in terms:
            key = self._key(term)
            if key is not None:
                mean += weight * self.unit[self.index_of(key)]
                exclude.append(key)
            else:
                v = np.asarray(term, dtype=np.float32)
                mean += weight * v / max(float(np.linalg.norm(v)), _EPS)
        return self.nearest(mean, topn, exclude, restrict_vocab)

    def analogy(self, a: str, b: str, c: str, topn: int = 1, method: str = "3cosadd",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...? (excluding a, b and c from the answers).

        ``method="3cosadd"`` ranks by cos(x, b) - cos(x, a) + cos(x, c);
        ``"3cosmul"`` (Levy & Goldberg 2014) by cos'(x, b) cos'(x, c) / (cos'(x, a) + 0.001)
        with cosines shifted to [0, 1].
        """
        if method == "3cosadd":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn,
                                     restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        unit = self.unit[:restrict_vocab]
        ca, cb, cc = ((unit @ self.unit[self.index_of(w)] + 1) / 2 for w in (a, b, c))
        return self.top_words(cb * cc / (ca + 1e-3), topn, [self._key(w) for w in (a, b, c)])

    # -- word2vec formats --------------------------------------------------------------
    def save_word2vec_format(self, path: str | Path, binary: bool = False,
                             allow_nonfinite: bool = False) -> None:
        """Write the word2vec text (``binary=False``) or binary format, atomically.

        gensim's ``KeyedVectors.load_word2vec_format``, word2vec.c and fastText read the
        files; text keeps every float32 exactly. Words must be non-empty, distinct and
        without whitespace, and vectors finite unless ``allow_nonfinite=True``
        (``ValueError`` otherwise, and nothing is written).
        """
        write_word2vec(path, self.words, self.matrix, binary=binary,
                       allow_nonfinite=allow_nonfinite)

    @classmethod
    def load_word2vec_format(cls, path: str | Path, binary: bool | None = None,
                             limit: int | None = None, allow_nonfinite: bool = False
                             ) -> Vectors:
        """Read the word2vec text or binary format (optionally gzip/bz2/xz-compressed).

        ``binary=None`` tells the format from the file's first row; ``True`` or ``False``
        insists, and is refused if the file is in the other format. ``limit`` reads only
        the first words (the most frequent, in files written by word2vec tools) and stops
        reading there. NaN and infinite values are refused unless ``allow_nonfinite=True``.
        A word that appears twice keeps its first vector, with a logged warning. A
        malformed file (a header that disagrees with the rows, a short or garbled row,
        a truncated or corrupt compressed file) is a ``ValueError`` naming the file and
        the line or row; see :mod:`wordspace.word2vec_format`.
        """
        words, matrix = read_word2vec(path, binary=binary, limit=limit,
                                      allow_nonfinite=allow_nonfinite)
        return cls(words, matrix)


class DocVectors(Vectors):
    """Document vectors by id (gensim's ``model.dv``), with inference for new documents.

    ``dv["doc-7"]`` is a vector, ``dv.most_similar("doc-7")`` its nearest documents (or
    those of a vector, such as an inferred one), ``dv.infer(text)`` the vector of a
    document the model has not seen. Ids are strings; an integer id is looked up as its
    decimal string, so ``dv[7]`` is ``dv["7"]``. Everything :class:`Vectors` offers
    works by id, including :meth:`save_word2vec_format`.

    Parameters
    ----------
    ids : sequence of str or int
    matrix : array (n_documents, dim)
    infer : callable, optional
        ``infer(documents, **options) -> matrix``: the model's inference (set by the
        model that trained the vectors).
    """

    def __init__(self, ids, matrix: np.ndarray, infer=None):
        super().__init__([str(i) for i in ids], matrix)
        self._infer = infer

    @property
    def ids(self) -> list[str]:
        """Document ids in row order."""
        return self.words

    def __repr__(self) -> str:
        return f"DocVectors({len(self):,} documents, dim={self.dim})"

    @staticmethod
    def _key(term) -> str | None:
        if isinstance(term, (str, int, np.integer)) and not isinstance(term, bool):
            return str(term)
        return None

    def __contains__(self, doc: object) -> bool:
        key = self._key(doc)
        return key is not None and key in self.index

    def index_of(self, doc) -> int:
        """Row of document ``doc``; ``KeyError`` naming it if unknown."""
        try:
            return self.index[self._key(doc)]
        except KeyError:
            sample = ", ".join(repr(i) for i in self.words[:3])
            raise KeyError(f"document {doc!r} is not known (the {len(self):,} ids are like "
                           f"{sample})") from None

    def infer(self, document: str | Sequence[str], epochs: int | None = None,
              alpha: float | None = None, seed: int | None = None) -> np.ndarray:
        """The vector of a new document; see :meth:`infer_many`.

        Raises ``ValueError`` if none of its words is in the vocabulary.
        """
        return self.infer_many([document], epochs=epochs, alpha=alpha, seed=seed,
                               strict=True)[0]

    def infer_many(self, documents: Iterable[str | Sequence[str]], epochs: int | None = None,
                   alpha: float | None = None, seed: int | None = None,
                   workers: int | None = None, strict: bool = False) -> np.ndarray:
        """Vectors of new documents, one row each.

        A document is a list of tokens, or a text, which is tokenised as the model's
        training collection was (its ``lowercase`` and ``token_pattern``).

        Each document's vector is trained from a fixed random start for ``epochs`` passes
        over its words (the model's ``epochs`` by default) with everything the model
        learnt frozen, the learning rate falling linearly from ``alpha`` (the model's).
        The result depends only on the document and ``seed`` (default: the model's),
        not on the other documents or on ``workers``. A document with no word in the
        vocabulary gets a zero vector (``strict=True``: a ``ValueError``).
        """
        if self._infer is None:
            raise RuntimeError("these document vectors were not made by a model that can "
                               "infer (load the model directory, not just the vectors)")
        return self._infer(list(documents), epochs=epochs, alpha=alpha, seed=seed,
                           workers=workers, strict=strict)
