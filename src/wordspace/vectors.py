"""Word vectors and the queries people run on them: gensim 4's ``KeyedVectors`` API.

Every query a gensim user calls on ``model.wv`` works on :class:`Vectors` with gensim's
names, arguments and answers (``most_similar``, ``most_similar_cosmul``, ``doesnt_match``,
``n_similarity``, ``closer_than``, ``rank``, ``evaluate_word_pairs``, ...), beside
wordspace's own names for the same things (``words`` is ``index_to_key``, ``index`` is
``key_to_index``, ``matrix`` is ``vectors``, ``unit`` is ``get_normed_vectors()``); see
docs/from-gensim.md. Every query is brute force over the whole matrix, vectorised.

Also reads and writes the word2vec text and binary formats that word2vec.c, gensim and
fastText exchange.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from numbers import Integral
from pathlib import Path

import numpy as np

from wordspace import _keyed
from wordspace._io import (
    DECOMPRESSION_ERRORS,
    check_replaceable_file,
    decompressing_reader,
    same_file,
)
from wordspace._tokens import shorten
from wordspace._validate import ForeignName, check_int, gensim_hint, takes_fname
from wordspace.vocab import _MAX_COUNT, WordIndex, unknown_word_message
from wordspace.word2vec_format import (
    UNICODE_ERRORS_ADVICE,
    WordNotUtf8,
    read_word2vec,
    write_word2vec,
)

logger = logging.getLogger(__name__)

_EPS = 1e-12
#: what separates words for fastText (C++'s ``>>`` into a string, in the "C" locale)
_ASCII_SPACE = re.compile("[ \t\n\v\f\r]+")
#: what a query term that is not a vector may be (a (term, weight) pair otherwise)
_TERM_TYPES = (str, int, np.integer, np.ndarray)


#: gensim 3's KeyedVectors attributes, which gensim 4 removed, and what replaced them
_GENSIM3_NAMES = {name: f"gensim 4 and wordspace have {replacement}" for name, replacement in {
    "vocab": "key_to_index (each word's row) and get_vecattr(word, 'count')",
    "index2word": "index_to_key", "index2entity": "index_to_key",
    "syn0": "vectors", "syn0norm": "get_normed_vectors()",
    "vectors_norm": "get_normed_vectors()",
    "accuracy": "evaluate_word_analogies(questions)",
}.items()}
#: how wordspace keeps what gensim keeps per key (set_vecattr, allocate_vecattrs)
_ONE_ATTRIBUTE = ("wordspace keeps one attribute per word, its count, given with the "
                  "vectors: Vectors(words, matrix, counts), read by get_vecattr(word, "
                  "'count'); keep others in a dict beside the vectors")
#: gensim 4's KeyedVectors names wordspace has none of, and its way to what they did
_GENSIM_ONLY = {
    "set_vecattr": _ONE_ATTRIBUTE,
    "allocate_vecattrs": _ONE_ATTRIBUTE,
    "expandos": "its per-key attribute arrays; wordspace keeps one, the counts: v.counts "
                "(an array, a count per row, or None), get_vecattr(word, 'count')",
    "resize_vectors": "wordspace's rows always match the words, a row each: words come "
                      "with their vectors (add_vector, add_vectors), and rows for vectors "
                      "to come are allocated by Vectors(vector_size, count=n)",
}
#: gensim's FastTextKeyedVectors names that SubwordVectors have only where they keep the
#: model's rows (not loaded from a vectors directory), and where those rows are
_GENSIM_FASTTEXT_ROWS = {
    "vectors_vocab": "the words' own input rows, before their n-grams' are averaged in; "
                     "vectors loaded from a vectors directory keep each word's vector and "
                     "the n-gram rows only: load the model (load_model(directory), "
                     "FastText.load_facebook_model(bin)), whose model.wv.vectors_vocab "
                     "has them",
}

#: the fastText Python module's methods, and wordspace's way to what they do (a FastText
#: model has its own hints for the same names)
_FASTTEXT_NAMES = {
    "get_word_vector": "vectors[word] or vectors.get_vector(word) (a fastText model's "
                       "vectors compose an unseen word from its n-grams)",
    "get_nearest_neighbors": "vectors.most_similar(word, topn=10), (word, score) pairs",
    "get_analogies": "its (A, B, C) ranks A - B + C: "
                     "vectors.most_similar(positive=[A, C], negative=[B])",
    "get_words": "vectors.words (their counts: vectors.counts)",
    "get_dimension": "vectors.dim",
    "get_input_matrix": "vectors.matrix holds the words' vectors; a FastText model's input "
                        "rows, n-gram buckets included, are model.input_vectors_",
    "get_output_matrix": "vectors hold none: a model's are model.output_vectors_",
    "save_model": "vectors.save(path) writes a vectors directory, "
                  "vectors.save_word2vec_format(path) a .vec; a FastText model's "
                  "save_facebook_model(path) writes fastText's .bin",
}


def _is_whole(value) -> bool:
    """Whether ``value`` is a whole number (not a bool, which is one to Python)."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_float32(name: str, dtype) -> None:
    """Refuse gensim's ``dtype`` (or ``datatype``) unless it is float32, the one type
    wordspace keeps vectors in (its compiled kernels and its files are float32)."""
    if np.dtype(dtype) != np.float32:
        raise ValueError(f"{name} {np.dtype(dtype)}: wordspace keeps vectors as float32 "
                         f"(its kernels and files are float32): leave {name} out, or pass "
                         "np.float32")


def _refuse_bytes(value) -> None:
    """Refuse bytes where a key or a vector is expected: read as a sequence, b"king" would
    be the rows (or the numbers) 107, 105, 110, 103."""
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"query terms are str keys, not bytes ({value!r}): decode them, "
                        f"e.g. {value.decode('utf-8', 'replace')!r}")


def _is_array_of_words(value) -> bool:
    """Whether ``value`` is a NumPy array of strings (``np.array(["king", "queen"])``, of
    dtype ``<U`` or of Python strings), which holds words, not a vector's numbers."""
    return isinstance(value, np.ndarray) and (value.dtype.kind in "US" or (
        value.dtype.kind == "O" and value.size > 0
        and all(isinstance(x, (str, bytes)) for x in value.flat)))


def _ensure_list(value) -> list:
    """Query terms as gensim takes them: one key or 1-D vector, a 2-D array (its rows),
    or an iterable of keys, vectors or ``(term, weight)`` pairs; a 1-D array of strings
    is a list of keys (a 0-D one, a key), as a list or tuple of them is."""
    if value is None:
        return []
    _refuse_bytes(value)
    if _is_array_of_words(value) and value.ndim <= 1:  # not one vector's numbers
        terms = [x.item() if isinstance(x, np.generic) else x for x in value.reshape(-1)]
        for term in terms:
            _refuse_bytes(term)
        return terms
    if isinstance(value, (str, int, np.integer)) or (
            isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    terms = list(value)
    for term in terms:  # a term, or a (term, weight) pair
        _refuse_bytes(term[0] if isinstance(term, tuple) and term else term)
    return terms


def _check_topn(topn) -> None:
    """``topn`` as gensim takes it: a whole number (below 1: no answers) or None (every
    score)."""
    if topn is not None and (not isinstance(topn, Integral) or isinstance(topn, bool)):
        # a bool is an Integral: topn=True would quietly answer one word
        raise TypeError(f"topn must be a whole number or None, not {topn!r}")


def _asks_nothing(topn) -> bool:
    """Whether ``topn`` (checked: :func:`_check_topn`) asks for no answer at all, as
    gensim's queries take a whole number below 1."""
    _check_topn(topn)
    return topn is not None and topn < 1


def _check_query(vector: np.ndarray) -> None:
    """Refuse a query direction that ranks nothing: non-finite, or zero (every word
    would score 0 and the answer would be the first rows, not the nearest)."""
    if not np.isfinite(vector).all():
        raise ValueError("the query vector has non-finite values (NaN or infinity)")
    if not vector.any():
        raise ValueError("the query is a zero vector (its terms cancel out, or a word's "
                         "vector is zero): no word is nearer to it than another")


def top_rows(scores: np.ndarray, topn: int, exclude=()) -> np.ndarray:
    """The ``topn`` indices of highest score, best first (ties by index), leaving out
    indices ``exclude``."""
    exclude = np.array(sorted({i for i in exclude if 0 <= i < len(scores)}), dtype=np.int64)
    k = min(topn + len(exclude), len(scores))
    if k <= 0:
        return np.empty(0, np.int64)
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.lexsort((best, -scores[best]))]
    return best[~np.isin(best, exclude)][:topn]


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (no copy: a change to ``array`` shows through)."""
    view = array.view()
    view.setflags(write=False)
    return view


def _unitvec(v: np.ndarray) -> np.ndarray:
    """``v`` scaled to unit length (a zero vector stays zero)."""
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


#: vectors of one's own, made from a model's (what a change the model cannot keep is
#: advised to make)
_COPY = "Vectors(model.wv.words, model.wv.vectors.copy())"


class Vectors(WordIndex):
    """Words with their vectors (a float32 matrix, one row per word) and counts.

    Parameters
    ----------
    words : sequence of str
        In row order; by convention most frequent first (``restrict_vocab`` relies on it).
    matrix : array (n_words, dim)
    counts : array (n_words,), optional
    vector_size : int, optional
        gensim's ``KeyedVectors(vector_size)``: no words yet, vectors of this dimension
        to come with :meth:`add_vector` and :meth:`add_vectors` (``Vectors(300)`` is the
        same).
    count : int, optional
        With ``vector_size``, gensim's ``KeyedVectors(vector_size, count)``: rows
        allocated at once for that many vectors to come, which :meth:`add_vector` (and
        :meth:`add_vectors`) fill in place before the matrix grows (one copy of the
        matrix for each word added otherwise). Unlike gensim's, the rows not filled yet
        are no part of the vectors: ``len`` counts the words added, and the matrix holds
        their rows only (gensim's shows ``count`` rows, keyed ``None`` until filled).
    dtype : optional
        gensim's ``dtype``: float32 only (the default), which wordspace keeps; any
        other is refused.
    """

    _owner: str | None = None  # the model whose rows these are (see _owned_by)
    _derived: str | None = None

    def __init__(self, words: Sequence[str] | int = (), matrix: np.ndarray | None = None,
                 counts=None, *, vector_size: int | None = None, count: int = 0,
                 dtype=np.float32):
        _check_float32("dtype", dtype)
        if _is_whole(words) and (matrix is None or _is_whole(matrix)):
            if matrix is not None and count:
                raise TypeError(f"Vectors({words}, {matrix}, count={count}): the second "
                                "argument is gensim's count already: give it once")
            # gensim's KeyedVectors(300) and KeyedVectors(300, count)
            words, vector_size, count, matrix = (), int(words), matrix or count, None
        check_int("count", count, 0)
        if matrix is None:
            if vector_size is None:
                raise TypeError("Vectors(words, matrix) needs the matrix, or no words and "
                                "vector_size=DIM (gensim's KeyedVectors(vector_size)), to "
                                "add_vectors to")
            check_int("vector_size", vector_size, 1)
            if len(words):
                raise ValueError(f"{len(words)} words but no matrix: give their vectors")
            # the rows to fill, of which the matrix is the filled ones (none yet)
            self._spare = np.zeros((count, vector_size), np.float32)
            matrix = self._spare[:0]
        elif count:
            raise ValueError(f"count={count} allocates rows for vectors to come (gensim's "
                             "KeyedVectors(vector_size, count)): give it with vector_size "
                             "and no matrix")
        elif vector_size is not None and np.shape(matrix)[-1] != vector_size:
            raise ValueError(f"vector_size={vector_size} but the matrix's rows have "
                             f"{np.shape(matrix)[-1]} values")
        words = list(words)
        # keys are strings: checked one by one (and said) only when some are not
        self._words = words if all(type(w) is str for w in words) else \
            [self._new_key(w) for w in words]
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if self.matrix.ndim != 2 or len(self.words) != self.matrix.shape[0]:
            raise ValueError(f"{len(self.words)} words but a matrix of shape {self.matrix.shape}")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):  # a lookup would find one of its rows only
            twice = next(w for i, w in enumerate(self.words) if self.index[w] != i)
            raise ValueError(f"the word {shorten(twice)} is given twice (rows "
                             f"{self.words.index(twice)} and {self.index[twice]}): keys are "
                             "unique")

    # -- the matrix and its norms (one storage, two names each) -------------------------
    @property
    def matrix(self) -> np.ndarray:
        """The vectors, one row per word (gensim's ``vectors``)."""
        return self._matrix

    @matrix.setter
    def matrix(self, value: np.ndarray) -> None:
        if self._owner is not None and value is not self.__dict__.get("_matrix"):
            value = self._write_through(np.asarray(value, dtype=np.float32))
        self._matrix = value
        self._norms: np.ndarray | None = None
        self._unit: np.ndarray | None = None

    def _owned_by(self, model, derived: str | None = None) -> Vectors:
        """Make these vectors ``model``'s: a change to
        them (``wv[word] = v``, :meth:`unit_normalize_all`,
        :meth:`intersect_word2vec_format`, ``wv.vectors = m``) is written into the model's
        own rows, which its ``save`` writes and an update trains on from (gensim's
        ``model.wv`` is the model's too); adding or reordering words, which only training
        does, is refused. ``derived`` says how vectors computed from the model's rows
        are made (fastText's n-gram means): a change to them is refused, since the model
        would not keep it. Returns ``self``."""
        # said in the refusals' messages: "these vectors are the SkipGram's rows"
        self._owner, self._derived = f"the {type(model).__name__}'s", derived
        return self

    def __getstate__(self) -> dict:
        """A copy (``copy.copy``, ``deepcopy``, a pickle) is its holder's own, no model's:
        a change to it is its own (a model's copies rebuild their vectors over their
        own rows, see :meth:`wordspace.models.base.Model.__setstate__`)."""
        state = dict(self.__dict__)
        state.pop("_owner", None)
        state.pop("_derived", None)
        state.pop("_spare", None)  # rows not filled yet: the copy grows its own
        # the words and their index, which adding a vector changes in place: a copy's
        # own (shared, a word added to one was in both, with a row in one only)
        state["_words"], state["index"] = list(self._words), dict(self.index)
        return state

    #: what a model's rows of these vectors are, one each (for the refusals' messages)
    _rows_of = "each word of its vocabulary"
    #: how one more joins them
    _joins = "a word joins them by training (model.fit(more_text, update=True))"

    def _rows_advice(self) -> str:
        """How a word joins a model's vectors, or vectors of one's own are made."""
        return f"{self._joins}; for vectors of your own, use a copy, {_COPY}"

    def _write_through(self, value: np.ndarray) -> np.ndarray:
        """``value`` written into the owning model's rows (see :meth:`_owned_by`)."""
        if value.shape != self._matrix.shape and self._derived is None:
            raise ValueError(
                f"these vectors are {self._owner} rows, one for {self._rows_of} "
                f"({len(self._matrix):,} x {self.dim}), saved with it, so they "
                f"cannot become {value.shape[0]:,} x {value.shape[-1]}: "
                f"{self._rows_advice()}")
        self._model_rows()[...] = value
        return self._matrix

    def _model_rows(self) -> np.ndarray:
        """The owning model's rows, to change in place; refused where the model would not
        keep a change (computed vectors) or cannot take one (mapped read-only)."""
        if self._derived is not None:
            raise ValueError(f"these vectors are computed from {self._owner} rows "
                             f"({self._derived}), so a change to them would not be kept: "
                             f"change a copy, {_COPY}")
        if not self._matrix.flags.writeable:
            raise ValueError(f"these vectors are {self._owner} rows, mapped read-only (the "
                             "model was loaded with mmap): load it without mmap to change "
                             "them")
        return self._matrix

    def _to_change(self) -> np.ndarray:
        """A matrix to change rows of, then to set as :attr:`matrix`: a model's own rows,
        changed in place (:meth:`_model_rows`), else a copy (the matrix may be the
        caller's array, or mapped read-only)."""
        return self.matrix.copy() if self._owner is None else self._model_rows()

    vectors = matrix  # gensim's name

    @property
    def words(self) -> list[str]:
        """Words in row order (gensim's ``index_to_key``)."""
        return self._words

    @words.setter
    def words(self, value) -> None:
        self._refuse_keys("words (index_to_key)")

    index_to_key = words  # gensim's name

    @property
    def key_to_index(self) -> dict[str, int]:
        """Word -> row (gensim's name for :attr:`index`)."""
        return self.index

    @key_to_index.setter
    def key_to_index(self, value) -> None:
        self._refuse_keys("key_to_index")

    def _refuse_keys(self, name: str) -> None:
        """Refuse setting the words or their index: one set alone would leave lookups
        finding other rows (gensim's two attributes are set one at a time)."""
        raise AttributeError(
            f"{name} of {type(self).__name__} cannot be set: the words and their rows are "
            "kept together, a row each, as the vectors are added; for other words "
            "or another order make new vectors, Vectors(words, matrix, counts), or take "
            "these vectors' rows by word with v.vectors_for_all(words)")

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return self.matrix.shape[1]

    vector_size = dim  # gensim's name

    def fill_norms(self, force: bool = False) -> None:
        """Compute the rows' lengths (and unit rows) now; ``force=True`` recomputes them
        after the matrix was changed in place."""
        if self._norms is None or force:
            self._norms = np.linalg.norm(self.matrix, axis=1)
            self._unit = None

    @property
    def norms(self) -> np.ndarray:
        """Length of every row (computed once; :meth:`fill_norms` recomputes). Setting it
        to None, as gensim's code does after changing the vectors in place, has them
        computed again on next use."""
        self.fill_norms()
        return self._norms

    @norms.setter
    def norms(self, value: None) -> None:
        if value is not None:
            raise AttributeError(
                f"norms of {type(self).__name__} are computed from the vectors, not set: "
                "change the vectors, then set norms = None or call fill_norms(force=True) "
                "to have them computed again")
        self._norms = self._unit = None

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (computed once, read-only; gensim's
        ``get_normed_vectors()``)."""
        if self._unit is None:
            unit = self.matrix / np.maximum(self.norms, _EPS)[:, None]
            unit.setflags(write=False)
            self._unit = unit
        return self._unit

    def get_normed_vectors(self) -> np.ndarray:
        """All rows scaled to unit length: :attr:`unit` (gensim's name)."""
        return self.unit

    def init_sims(self, replace: bool = False) -> None:
        """gensim 3's :meth:`fill_norms` (``replace=True``: :meth:`unit_normalize_all`)."""
        self.fill_norms()
        if replace:
            self.unit_normalize_all()

    def unit_normalize_all(self) -> None:
        """Scale every row to unit length, in place (the original lengths are lost)."""
        self.matrix = self.unit.copy()  # a writable matrix, as before (unit is read-only)

    # -- access ------------------------------------------------------------------------
    @staticmethod
    def _key(term) -> str | None:
        """``term`` as a key of this index, or None if it is not a key (a vector)."""
        return term if isinstance(term, str) else None

    def _new_key(self, key) -> str:
        """``key`` as it is stored; keys are strings (gensim's integer keys, such as
        node ids, would be taken for row numbers by every lookup)."""
        name = self._key(key)
        if name is None:
            raise TypeError(f"a key of {type(self).__name__} is a string, not "
                            f"{type(key).__name__} ({key!r}): pass str(key)")
        return name

    def _unknown(self, key) -> str:
        if not isinstance(key, str):
            return f"{key!r} is not a word, nor a row number below {len(self):,}"
        return unknown_word_message(key, self.words)

    def get_index(self, key, default=None) -> int:
        """Row of ``key``; an integer that is not a key is taken as a row number (as in
        gensim). Unknown: ``default`` if given, else ``KeyError`` naming close spellings."""
        i = self._key_row(key)
        if i >= 0:
            return i
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self.words):
            return int(key)
        if default is not None:
            return default
        raise KeyError(self._unknown(key))

    def index_of(self, word) -> int:
        """Row of ``word`` (:meth:`get_index`); ``KeyError`` naming it if unknown."""
        return self.get_index(word)

    def _key_row(self, key) -> int:
        """The row of the key ``key`` (gensim's ``key_to_index`` lookup), -1 for what is
        no key (an integer that is none is not taken for a row number here)."""
        name = self._key(key)
        return -1 if name is None else self.index.get(name, -1)

    def has_index_for(self, key) -> bool:
        """Whether :meth:`get_index` finds ``key``."""
        return self.get_index(key, -1) >= 0

    def __contains__(self, key: object) -> bool:
        return self.has_index_for(key)

    def _compose(self, key) -> np.ndarray | None:
        """Hook: the vector of ``key``, which has no row (None: it has none at all)."""
        return None

    def _lookup(self, key, norm: bool = False) -> np.ndarray | None:
        """The vector of ``key``: its row, or one composed for it (:meth:`_compose`);
        None if it has neither."""
        i = self.get_index(key, -1)
        if i >= 0:
            return self.unit[i] if norm else self.matrix[i]
        vector = self._compose(key)
        return _unitvec(vector) if norm and vector is not None else vector

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (read-only; ``norm=True``: scaled to unit length)."""
        row = self._lookup(key, norm)
        if row is None:
            raise KeyError(self._unknown(key))
        return _read_only(row)

    word_vec = get_vector  # gensim 3's name (gensim 4 keeps it too)

    def __getitem__(self, key_or_keys) -> np.ndarray:
        """The vector of a word (or a matrix, one row per word, for a list of words)."""
        _refuse_bytes(key_or_keys)
        if isinstance(key_or_keys, (str, int, np.integer)):
            return self.get_vector(key_or_keys)
        rows = [self.get_index(k, -1) for k in key_or_keys]
        if min(rows, default=0) >= 0:
            return self.matrix[rows]
        return np.stack([self.get_vector(k) for k in key_or_keys])

    def get_vecattr(self, key, attr: str):
        """gensim's per-key attributes; wordspace keeps ``"count"``."""
        if attr != "count" or self.counts is None:
            raise KeyError(f"these vectors have no attribute {attr!r} per word"
                           + (" (only 'count')" if self.counts is not None else ""))
        return int(self.counts[self.get_index(key)])

    def __repr__(self) -> str:
        return f"Vectors({len(self):,} words, dim={self.dim})"

    def _head(self, n: int | None) -> Vectors:
        """The first ``n`` rows (all: None, or ``n`` at least the rows), as vectors of
        this kind (views, not copies)."""
        if n is None or n >= len(self):
            return self
        return self._like(self.words[:n], self.matrix[:n],
                          None if self.counts is None else self.counts[:n])

    # -- adding vectors -----------------------------------------------------------------
    def add_vectors(self, keys, weights, extras=None, replace: bool = False) -> None:
        """Append words and their vectors; a word already there keeps its vector unless
        ``replace=True``. gensim's ``extras`` (per-key attributes) are refused, before any
        change: wordspace keeps counts only, given with the vectors (a word added here
        counts 0)."""
        if extras:
            raise ValueError("wordspace Vectors keep no per-key attributes besides counts, "
                             "which are given with the vectors (Vectors(words, matrix, "
                             "counts)): pass extras=None")
        if isinstance(keys, (str, int, np.integer)):
            keys = [keys]
            weights = np.asarray(weights, dtype=np.float32).reshape(1, -1)
        if len(keys) == 0:  # nothing to add (gensim's no-op)
            return
        weights = np.asarray(weights, dtype=np.float32).reshape(len(keys), -1)
        if weights.shape[1] != self.dim:
            raise ValueError(f"expected vectors of dimension {self.dim}, got {weights.shape[1]}")
        names = [self._new_key(k) for k in keys]
        known = np.array([n in self.index for n in names], dtype=bool)
        new = {}  # a new key given twice (however spelt): its first spelling, last vector
        for pos in np.flatnonzero(~known):
            same = self._same_key(names[pos])
            new[same] = (new.get(same, (names[pos],))[0], pos)
        if new and self._owner is not None:  # before any change
            first = shorten(next(iter(new.values()))[0])
            raise ValueError(f"{first} cannot be added: these vectors are {self._owner} "
                             f"rows, one for {self._rows_of}, saved with it: "
                             f"{self._rows_advice()}")
        matrix = self.matrix
        if replace and known.any():
            matrix = self._to_change()
            matrix[[self.index[names[p]] for p in np.flatnonzero(known)]] = weights[known]
        rows = np.fromiter((pos for _, pos in new.values()), dtype=np.int64, count=len(new))
        for name, _ in new.values():
            self.index[name] = len(self.words)
            self.words.append(name)
        if self.counts is not None:
            self.counts = np.concatenate([self.counts, np.zeros(len(new), np.int64)])
        self.matrix = self._appended(matrix, weights[rows]) if len(new) else matrix

    def _appended(self, matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``matrix`` with ``rows`` after it: written in place into the rows that
        ``count`` allocated (gensim's ``KeyedVectors(vector_size, count)``) when
        ``matrix`` is their first rows and the others have room for ``rows``; else a new
        matrix, and the allocated rows are let go."""
        spare = self.__dict__.pop("_spare", None)
        n, k = len(matrix), len(rows)
        if spare is not None and matrix.base is spare and n + k <= len(spare) \
                and matrix.ctypes.data == spare.ctypes.data:  # its first rows, not others
            spare[n:n + k] = rows
            self._spare = spare
            return spare[:n + k]
        return np.concatenate([matrix, rows])

    @staticmethod
    def _same_key(key):
        """What makes two keys one (the key itself; a document id's text)."""
        return key

    def add_vector(self, key, vector) -> int:
        """Add one word and its vector; returns its row (an existing word keeps its
        vector, and its row is returned)."""
        self.add_vectors([key], np.asarray(vector, dtype=np.float32).reshape(1, -1))
        return self.index[self._new_key(key)]

    def vectors_for_all(self, keys: Iterable, allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> Vectors:
        """New vectors holding only ``keys`` (gensim's ``vectors_for_all``), in the order
        first given, each once: a vocabulary for another corpus, a list of words to ship.

        A key these vectors know takes its row; one they do not is left out, unless
        ``allow_inference`` and the vectors compose it (a fastText model's unseen word,
        from its character n-grams, all composed in one compiled call). With
        ``allow_inference`` an integer that is no key is a row number, as in every
        lookup, and brings that row's word (gensim keeps the integer as a new key);
        without, only keys count, as in gensim. With
        ``copy_vecattrs`` the counts come along (0 for a composed word), as gensim copies
        its per-key attributes; without, the new vectors have none. Document vectors give
        document vectors (the same ids, with inference); word vectors, plain
        :class:`Vectors`.
        """
        order, rows, unseen, taken = [], [], [], set()
        for key in keys:
            i = self.get_index(key, -1) if allow_inference else self._key_row(key)
            same = ("row", i) if i >= 0 else ("new", key)
            if same in taken:
                continue
            taken.add(same)
            if i >= 0:
                order.append((True, len(rows)))
                rows.append(i)
            elif allow_inference and isinstance(key, str):
                order.append((False, len(unseen)))
                unseen.append(key)
        composed, found = self._compose_many(unseen)
        order = [(known, k) for known, k in order if known or found[k]]
        if unseen:
            logger.info("vectors_for_all: %d of %d unseen words composed", int(found.sum()),
                        len(unseen))
        names = [self.words[rows[k]] if known else unseen[k] for known, k in order]
        matrix = np.empty((len(order), self.dim), np.float32)
        counts = np.zeros(len(order), np.int64) if copy_vecattrs and \
            self.counts is not None else None
        known = np.array([known for known, _ in order], dtype=bool)
        at = np.array([k for _, k in order], dtype=np.int64)
        matrix[known] = self.matrix[np.asarray(rows, np.int64)[at[known]]]
        matrix[~known] = composed[at[~known]]
        if counts is not None:
            counts[known] = self.counts[np.asarray(rows, np.int64)[at[known]]]
        return self._like(names, matrix, counts)

    def _compose_many(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Hook: the composed vectors of ``keys`` (words without rows) as a matrix, and
        which of them have one (plain vectors compose none)."""
        return (np.zeros((len(keys), self.dim), np.float32),
                np.zeros(len(keys), dtype=bool))

    def _like(self, keys: list, matrix: np.ndarray, counts: np.ndarray | None) -> Vectors:
        """Hook: new vectors of this kind for ``keys`` (:meth:`vectors_for_all`,
        :meth:`_head`); a subword model's are plain word vectors."""
        return Vectors(keys, matrix, counts)

    def __setitem__(self, keys, weights) -> None:
        """``wv[key] = vector`` (or lists of both): add, replacing existing vectors."""
        if not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def sort_by_descending_frequency(self) -> None:
        """Reorder rows by descending count (ties keep their order); vectors without
        words are left as they are, counts or not (as gensim's)."""
        if not len(self):
            return
        if self.counts is None:
            raise ValueError("these vectors have no counts to sort by")
        order = np.argsort(-self.counts, kind="stable")
        if self._owner is not None:  # a model's rows are its vocabulary's, sorted so
            if (order == np.arange(len(order))).all():
                return
            raise ValueError(f"these vectors are {self._owner} rows, in the order of its "
                             f"vocabulary: sort a copy ({_COPY[:-1]}, model.wv.counts))")
        words = [self.words[i] for i in order]
        self._words, self.counts = words, self.counts[order]
        self.index = {w: i for i, w in enumerate(words)}
        self.matrix = self.matrix[order]

    # -- similarity of given words -------------------------------------------------------
    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine of ``vector_1`` with each row of ``vectors_all``."""
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return (vectors_all @ vector_1) / (norm * all_norms)

    def similarity(self, w1, w2) -> float:
        """Cosine similarity of two words."""
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def distance(self, w1, w2) -> float:
        """Cosine distance, ``1 - similarity(w1, w2)``."""
        return 1 - self.similarity(w1, w2)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """Cosine distances from a word or vector to ``other_words`` (all words, itself
        included, when empty)."""
        _refuse_bytes(word_or_vector)
        if isinstance(word_or_vector, (str, int, np.integer)):
            vector = self.get_vector(word_or_vector)
        else:
            vector = np.asarray(word_or_vector, dtype=np.float32)
        if len(other_words) == 0:
            sims = (self.matrix @ vector) / (np.linalg.norm(vector) * self.norms)
        else:
            sims = self.cosine_similarities(vector, self[list(other_words)])
        return 1 - sims

    def pair_similarity(self, rows1: np.ndarray, rows2: np.ndarray) -> np.ndarray:
        """Cosine similarity of row pairs ``(rows1[k], rows2[k])`` (by index), vectorised."""
        u = self.unit
        return np.einsum("ij,ij->i", u[rows1], u[rows2])

    def _check_sentence_vectors(self) -> None:
        """Refuse sentence vectors these vectors cannot give as their source would (a
        fastText classifier's: :class:`SubwordVectors`), before any text is read."""

    def get_sentence_vector(self, text: str | list[str] | tuple[str, ...]) -> np.ndarray:
        """fastText's sentence vector of an unsupervised model (``get_sentence_vector``,
        ``print-sentence-vectors``): the mean of the unit vectors of ``text``'s words, for
        any word vectors (word2vec's too: a common baseline for short texts).

        ``text`` is split at ASCII whitespace, as fastText splits it (no lowercasing, no
        end-of-sentence word); each word's vector (in a subword model, composed from its
        n-grams if it is unseen) is scaled to unit length, and words without a vector or
        with a zero one are left out of the mean.

        Parameters
        ----------
        text : str, or list or tuple of str
            One line: a ``"\n"`` in it is a ``ValueError``, as in fastText's Python
            module. Or its words, already split (a gensim user's tokens), each a word
            as given.

        Returns
        -------
        ndarray (dim,)
            float32; zeros when no word of ``text`` has a vector (as in fastText).
        """
        if isinstance(text, (list, tuple)):  # gensim's tokens: the line already split
            words = list(text)
            for word in words:
                _refuse_bytes(word)
                if not isinstance(word, str):
                    raise TypeError(f"get_sentence_vector takes a line of text or a list of "
                                    f"its words (str), got {shorten(word)} "
                                    f"({type(word).__name__}) among them")
        elif isinstance(text, str):
            if "\n" in text:
                raise ValueError("get_sentence_vector takes one line of text: it contains "
                                 "a newline ('\\n')")
            words = _ASCII_SPACE.split(text)
        else:
            _refuse_bytes(text)
            raise TypeError(f"get_sentence_vector takes a line of text (str) or a list of "
                            f"its words, not {type(text).__name__}")
        units = [vector for word in words if word
                 and (vector := self._lookup(word, norm=True)) is not None and vector.any()]
        if not units:
            return np.zeros(self.dim, np.float32)
        return np.mean(units, axis=0, dtype=np.float64).astype(np.float32)

    def get_mean_vector(self, keys, weights=None, pre_normalize: bool = True,
                        post_normalize: bool = False, ignore_missing: bool = True
                        ) -> np.ndarray:
        """Weighted mean of the vectors of ``keys`` (words or vectors; words' vectors
        scaled to unit length first if ``pre_normalize``), divided by the sum of the
        absolute weights of the terms used; unknown words are skipped unless
        ``ignore_missing=False`` (``KeyError``)."""
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, np.float64)
        if len(keys) != len(weights):
            raise ValueError("keys and weights array must have same number of elements")
        rows, used, vectors = [], [], {}
        for k, key in enumerate(keys):
            if isinstance(key, np.ndarray):
                vectors[k] = self._query_vector(key)
                continue
            i = self.get_index(key, -1)
            if i >= 0:
                rows.append(i)
                used.append(k)
            elif (vector := self._lookup(key, pre_normalize)) is not None:
                vectors[k] = vector
            elif not ignore_missing:
                raise KeyError(self._unknown(key))
        source = self.unit if pre_normalize else self.matrix
        mean = (weights[used] @ source[rows]).astype(np.float32) if rows \
            else np.zeros(self.dim, np.float32)
        others = list(vectors)
        if others:
            mean += weights[others] @ np.stack(list(vectors.values()))
        total = np.abs(weights[used]).sum() + np.abs(weights[others]).sum()
        if total > 0:
            mean = mean / total
        if post_normalize:
            mean = _unitvec(mean)
        return mean.astype(np.float32)

    def _check_some_known(self, terms) -> None:
        """Refuse ``terms`` (words or vectors) of which none has a vector: gensim's
        queries skip unknown words, and with none known there is nothing to answer."""
        if not any(isinstance(t, np.ndarray) or self._lookup(t) is not None for t in terms):
            raise KeyError(f"none of {list(terms)!r} is in the vocabulary")

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine of the means of two sets of words (their raw vectors). As in gensim,
        unknown words are skipped; a set with no known word is a ``KeyError``."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        for ws in (ws1, ws2):
            self._check_some_known(ws)
        mean1 = self.get_mean_vector(ws1, pre_normalize=False)
        mean2 = self.get_mean_vector(ws2, pre_normalize=False)
        return float(_unitvec(mean1) @ _unitvec(mean2))

    def wmdistance(self, document1, document2, norm: bool = True) -> float:
        """Word Mover's Distance between two documents (lists of words; Kusner et al.
        2015), as gensim's: the least total Euclidean distance, between the words'
        vectors (scaled to unit length if ``norm``), over which each document's
        normalised word counts are moved onto the other's. Words without a vector are
        left out; a document left with none gives ``inf`` (with a warning). Solved
        exactly (:mod:`wordspace.transport`): by POT where it is installed, as gensim
        does, else by SciPy's linear programming (slower); where gensim returns ``inf``
        for documents whose vectors all coincide, this returns their true distance, 0."""
        (v1, w1, left1), (v2, w2, left2) = (self._word_distribution(doc, norm)
                                            for doc in (document1, document2))
        if left1 or left2:
            logger.info("removed %d and %d words without a vector from documents 1 and 2",
                        left1, left2)
        if not len(w1) or not len(w2):
            logger.warning("at least one of the documents has no word with a vector")
            return float("inf")
        # imported here: SciPy's distance and optimisation modules cost `import
        # wordspace` about 0.2 s, for this one method
        from scipy.spatial.distance import cdist

        from wordspace.transport import earth_movers_distance

        return earth_movers_distance(w1, w2, cdist(v1, v2))

    def _word_distribution(self, document, norm: bool):
        """``(vectors, weights, left out)``: the vector of each distinct word of
        ``document`` that has one (float64), its share of those words' occurrences, and
        how many occurrences had none."""
        counts: dict = {}
        for word in document:
            counts[word] = counts.get(word, 0) + 1
        found = {w: v for w in counts if (v := self._lookup(w, norm)) is not None}
        weights = np.array([counts[w] for w in found], np.float64)
        vectors = np.array(list(found.values()), np.float64).reshape(len(found), self.dim)
        return vectors, weights / max(weights.sum(), 1), len(document) - int(weights.sum())

    def rank_by_centrality(self, words, use_norm: bool = True) -> list[tuple[float, str]]:
        """``(similarity, word)`` pairs, most similar to the words' mean first; unknown
        words are left out (with a warning)."""
        found = {w: v for w in words if (v := self._lookup(w, use_norm)) is not None}
        used = [w for w in words if w in found]
        if len(used) != len(words):
            logger.warning("vectors for words %s are not present in the model, ignoring "
                           "these words", set(words) - set(used))
        if not used:
            raise ValueError("cannot select a word from an empty list")
        rows = np.stack([found[w] for w in used])
        dists = rows @ _unitvec(rows.mean(axis=0))
        return sorted(zip(dists.tolist(), used, strict=True), reverse=True)

    def doesnt_match(self, words) -> str:
        """The word furthest from the mean of ``words`` (by cosine)."""
        return self.rank_by_centrality(words)[-1][1]

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1``."""
        if len(keys_list) == 0:
            raise ValueError("keys_list is empty: give the keys to choose from")
        sims = np.stack([self.get_vector(k, norm=True) for k in keys_list]) \
            @ self.get_vector(key1, norm=True)
        return keys_list[int(np.argmax(sims))]

    def closer_than(self, key1, key2) -> list[str]:
        """Words closer to ``key1`` than ``key2`` is (by cosine), in row order."""
        dists = self.distances(key1)
        i1, i2 = self.get_index(key1, -1), self.get_index(key2, -1)
        closer = np.flatnonzero(dists < (dists[i2] if i2 >= 0 else
                                         self.distances(key1, [key2])[0]))
        return [self.words[i] for i in closer[closer != i1]]

    words_closer_than = closer_than  # gensim's older name

    def rank(self, key1, key2) -> int:
        """Rank of ``key2`` among the neighbours of ``key1`` (1: the nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa, wb, topn: int = 10) -> float:
        """``similarity(wa, wb)`` over the sum of ``wa``'s ``topn`` neighbours' similarities
        (Leeuwenberg et al. 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot calculate relative cosine similarity without any "
                             "similar words.")
        return self.similarity(wa, wb) / sum(s for _, s in sims)

    # -- neighbours ----------------------------------------------------------------------
    def _best(self, scores: np.ndarray, topn: int, exclude, offset: int = 0
              ) -> list[tuple[str, float]]:
        """The ``topn`` rows of highest score (``scores[k]`` is row ``offset + k``'s),
        best first (ties by row), leaving out rows ``exclude``."""
        best = top_rows(scores, topn, [i - offset for i in exclude])
        return [(self.words[i + offset], float(scores[i])) for i in best.tolist()]

    def _clip(self, clip_start: int, clip_end: int | None, restrict_vocab: int | None
              ) -> tuple[int, int]:
        """The rows searched; each bound a whole number of rows (0 or None: no bound)."""
        for name, value in (("restrict_vocab", restrict_vocab), ("clip_start", clip_start),
                            ("clip_end", clip_end)):
            if value is not None and not (isinstance(value, (Integral, float))
                                          and value >= 0 and float(value).is_integer()):
                raise ValueError(f"{name} must be a whole number of rows, 0 or more, "
                                 f"not {value!r}")
        if restrict_vocab:
            return 0, min(int(restrict_vocab), len(self.words))
        end = len(self.words) if not clip_end else min(int(clip_end), len(self.words))
        return int(clip_start or 0), end

    def _weighted_terms(self, positive, negative) -> tuple[list, np.ndarray]:
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        weights = np.concatenate([np.ones(len(positive)), -np.ones(len(negative))])
        terms = []
        for k, item in enumerate(positive + negative):
            if isinstance(item, _TERM_TYPES):
                terms.append(item)
            else:
                terms.append(item[0])
                weights[k] = item[1]
        return terms, weights

    def most_similar(self, positive=None, negative=None, topn: int | None = 10,
                     clip_start: int = 0, clip_end: int | None = None,
                     restrict_vocab: int | None = None, indexer=None):
        """Nearest words to the weighted mean of ``positive`` minus ``negative`` terms.

        A term is a word, a vector, or a ``(term, weight)`` pair (default weights 1 and
        -1); words count by their unit vectors, vectors as given; the mean is scaled to
        unit length and compared by cosine. ``most_similar("france")`` lists neighbours;
        ``most_similar(positive=["king", "woman"], negative=["man"])`` answers an
        analogy (3CosAdd). Query words are left out of the answer. ``restrict_vocab=n``
        searches the first ``n`` rows only (``clip_start``/``clip_end``: rows in between).
        Returns ``topn`` ``(word, similarity)`` pairs, best first, or with ``topn=None``
        the similarity of every searched row, query words included, as an array.

        ``indexer`` (an :class:`~wordspace.indexers.AnnoyIndexer`, or any object with
        gensim's ``most_similar(vector, num_neighbors)``) answers approximately instead of
        the whole matrix: faster on millions of words, and the query words are left out
        all the same (gensim's indexers return them).
        """
        if _asks_nothing(topn):
            return []
        terms, weights = self._weighted_terms(positive, negative)
        if not terms:
            raise ValueError("most_similar needs at least one positive or negative word")
        mean = self.get_mean_vector(terms, weights, pre_normalize=True, post_normalize=True,
                                    ignore_missing=False)
        _check_query(mean)
        exclude = [self.get_index(t, -1) for t in terms if not isinstance(t, np.ndarray)]
        if indexer is not None:
            return self._indexed(indexer, mean, topn, exclude, clip_start, clip_end,
                                 restrict_vocab)
        start, end = self._clip(clip_start, clip_end, restrict_vocab)
        scores = self.unit[start:end] @ mean
        if not topn:
            return scores
        return self._best(scores, topn, exclude, start)

    def _indexed(self, indexer, vector: np.ndarray, topn, exclude: list[int], clip_start,
                 clip_end, restrict_vocab) -> list[tuple[str, float]]:
        """``topn`` neighbours of the unit ``vector`` from ``indexer`` (gensim's
        protocol), the rows ``exclude`` left out."""
        if topn is None or clip_start or clip_end is not None or restrict_vocab:
            raise ValueError("an indexer answers the topn nearest of all the vectors it "
                             "indexed: topn=None, restrict_vocab, clip_start and clip_end "
                             "search the matrix itself (pass indexer=None)")
        built = (getattr(indexer, "dim", self.dim), len(indexer) if hasattr(indexer, "__len__")
                 else len(self))
        if built != (self.dim, len(self)):
            raise ValueError(f"the indexer was built over {built[1]:,} vectors of dimension "
                             f"{built[0]}, and these are {len(self):,} of dimension "
                             f"{self.dim}: build it again over these vectors")
        left_out = {self._same_key(self.words[i]) for i in exclude if i >= 0}
        answers = indexer.most_similar(vector, int(topn) + len(left_out))
        return [(key, float(score)) for key, score in answers
                if self._same_key(key) not in left_out][:topn]

    def similar_by_key(self, key, topn: int | None = 10, restrict_vocab: int | None = None,
                       indexer=None):
        """Nearest words to ``key``: ``most_similar(positive=[key], ...)``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab,
                                 indexer=indexer)

    similar_by_word = similar_by_key  # gensim's older name

    def nearest(self, vector: np.ndarray, topn: int | None = 10, exclude: Iterable[str] = (),
                restrict_vocab: int | None = None):
        """Words whose vectors have the highest cosine with ``vector``, leaving out the
        words ``exclude`` (``topn=None``: every searched row's cosine, as an array)."""
        vector = self._query_vector(np.asarray(vector, dtype=np.float32))
        nothing = _asks_nothing(topn)
        _check_query(vector)  # a query that ranks nothing is refused all the same
        if nothing:
            return []
        start, end = self._clip(0, None, restrict_vocab)
        scores = self.unit[start:end] @ _unitvec(vector)
        if not topn:
            return scores
        return self._best(scores, topn, [self.get_index(w, -1) for w in exclude], start)

    def similar_by_vector(self, vector, topn: int | None = 10,
                          restrict_vocab: int | None = None, indexer=None):
        """Nearest words to a vector: :meth:`nearest` (gensim's name). A word is taken as
        gensim takes it: its neighbours, :meth:`most_similar`, the word left out.
        ``indexer``: as :meth:`most_similar`'s."""
        if isinstance(vector, str) or indexer is not None:
            return self.most_similar([vector], topn=topn, restrict_vocab=restrict_vocab,
                                     indexer=indexer)
        return self.nearest(vector, topn, restrict_vocab=restrict_vocab)

    def _cosmul(self, positive, negative, topn, restrict_vocab, epsilon: float):
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        terms = positive + negative
        pair = next((t for t in terms if not isinstance(t, _TERM_TYPES)), None)
        if pair is not None:
            raise TypeError(f"most_similar_cosmul takes words and vectors, not {pair!r}: "
                            "(term, weight) pairs are for most_similar")
        exclude = [self.get_index(t, -1) for t in terms if not isinstance(t, np.ndarray)]
        stacked = np.stack([self._query_vector(t) if isinstance(t, np.ndarray)
                            else self.get_vector(t, norm=True) for t in terms])
        start, end = self._clip(0, None, restrict_vocab)
        # as gensim computes it (a vector term is not scaled: its cosines are too)
        shifted = (1 + (self.matrix[start:end] @ stacked.T)
                   / np.maximum(self.norms[start:end], _EPS)[:, None]) / 2
        scores = np.prod(shifted[:, :len(positive)], axis=1) / (
            np.prod(shifted[:, len(positive):], axis=1) + epsilon)
        if not topn:
            return scores
        return self._best(scores, topn, exclude, start)

    def _query_vector(self, vector: np.ndarray) -> np.ndarray:
        """A vector given as a query term, checked: of this dimension, and finite."""
        if vector.shape != (self.dim,):
            raise ValueError(f"expected a vector of dimension {self.dim}, got one of shape "
                             f"{vector.shape}")
        if not np.isfinite(vector).all():
            raise ValueError("a query vector has non-finite values (NaN or infinity)")
        return np.asarray(vector, np.float32)

    def most_similar_cosmul(self, positive=None, negative=None, topn: int | None = 10,
                            restrict_vocab: int | None = None):
        """Nearest words by 3CosMul (Levy & Goldberg 2014): the product of the positive
        terms' cosines over the product of the negative ones' (+ 1e-6), every cosine
        shifted to [0, 1]. Words count by their unit vectors, vectors as given; query
        words are left out; ``topn=None`` returns every searched row's score.
        ``restrict_vocab`` is honoured (gensim 4.4 ignores it)."""
        if _asks_nothing(topn):
            return []
        return self._cosmul(positive, negative, topn, restrict_vocab, 1e-6)

    def analogy(self, a, b, c, topn: int = 1, method: str = "3cosadd",
                restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """``a`` is to ``b`` as ``c`` is to ...? (excluding a, b and c from the answers).

        ``method="3cosadd"`` ranks by cos(x, b) - cos(x, a) + cos(x, c)
        (:meth:`most_similar` with ``positive=[b, c], negative=[a]``); ``"3cosmul"``
        (Levy & Goldberg 2014) by cos'(x, b) cos'(x, c) / (cos'(x, a) + 0.001) with
        cosines shifted to [0, 1] (:meth:`most_similar_cosmul`, with the paper's 0.001
        where gensim adds 1e-6).

        Returns the ``topn`` best answers as ``(word, score)`` pairs, best first: one by
        default (``[("queen", 0.71)]``, say, for ``analogy("man", "king", "woman")``).
        ``restrict_vocab=n`` answers from the first ``n`` rows only (a trained model's
        ``n`` most frequent words, as the analogy benchmarks restrict them:
        ``wordspace eval``'s 30,000); None, the default, from every row.
        """
        if method == "3cosadd":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn,
                                     restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        if topn < 1:
            return []
        return self._cosmul([b, c], [a], topn, restrict_vocab, 1e-3)

    # -- evaluation on files, as gensim does it ------------------------------------------
    def evaluate_word_pairs(self, pairs, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """Correlation with human similarity judgements in a ``word1<TAB>word2<TAB>score``
        file, as gensim computes it: ``(pearson, spearman, oov_ratio)``, the first two
        scipy results (statistic and p-value), the last a percentage. See
        :func:`wordspace.evaluate.word_similarity` for wordspace's own."""
        return _keyed.evaluate_word_pairs(self, pairs, delimiter, encoding, restrict_vocab,
                                          case_insensitive, dummy4unknown)

    def evaluate_word_analogies(self, analogies, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, dummy4unknown: bool = False,
                                similarity_function: str = "most_similar"):
        """Analogy accuracy on a word2vec ``questions-words.txt``-style file, as gensim
        computes it: ``(score, sections)``, each section a dict with ``section``,
        ``correct`` and ``incorrect`` (lists of 4-tuples), the last one the total.
        ``similarity_function="most_similar_cosmul"`` answers by 3CosMul (gensim always
        uses 3CosAdd). See :func:`wordspace.evaluate.analogies` for wordspace's own."""
        return _keyed.evaluate_word_analogies(self, analogies, restrict_vocab,
                                              case_insensitive, dummy4unknown,
                                              similarity_function)

    # -- vectors directories (gensim's save / load) ----------------------------------------
    @takes_fname(also=("fname_or_handle",))
    def save(self, path: str | Path, separately=None, sep_limit=None, ignore=None,
             pickle_protocol=None) -> None:
        """Write these vectors as a *vectors directory* (gensim's ``KeyedVectors.save``,
        without a pickle), which :meth:`load` reads back, memory-mapped if asked.

        gensim's arguments are taken, in gensim's order: the path also as ``fname=`` or
        ``fname_or_handle=`` (a path: an open file cannot hold a directory), and
        ``separately``, ``sep_limit``, ``ignore`` and ``pickle_protocol``, which say how
        gensim's pickle is written, are ignored (with a logged note): no pickle is
        written, and every array is a ``.npy`` file of its own, mappable whatever its size.

        The directory holds the matrix as a plain ``.npy`` (``vectors.npy``), the words
        and their counts (``vocab.tsv``, as a model's vocabulary: any word round-trips;
        document vectors: ``doc_ids.json``, integer ids kept), a fastText model's n-gram
        rows (``ngrams.npy``, so unseen words are composed after loading too) and a small
        header, ``vectors.json``; see :mod:`wordspace.vectors_directory`. The class comes
        back: :class:`SubwordVectors` and :class:`DocVectors` load as themselves (document
        vectors without inference: load the model directory for that).

        Written as a model is: built under a hidden temporary name beside ``path``,
        flushed to disk and swapped in, so ``path`` always holds the old vectors or the
        new ones, complete. Only a new path, an empty directory or an earlier vectors
        directory is replaced; any other file or directory, a symbolic link or the
        current directory is refused (``FileExistsError``) before anything is written,
        and so are vectors holding a key twice or a non-finite value (``ValueError``),
        which loading would refuse.
        """
        from wordspace.vectors_directory import save_vectors

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"save writes a vectors directory at a path, not into "
                            f"{type(path).__name__} {shorten(repr(path))}: give its path")
        pickled = [name for name, value in (
            ("separately", separately), ("sep_limit", sep_limit), ("ignore", ignore),
            ("pickle_protocol", pickle_protocol)) if value is not None]
        if pickled:
            logger.info("save: %s ignored: they shape gensim's pickle, and a vectors "
                        "directory is no pickle (each array is a .npy file of its own, "
                        "mappable)", ", ".join(pickled))
        save_vectors(self, path)

    @classmethod
    @takes_fname
    def load(cls, path: str | Path, mmap=None) -> Vectors:
        """Read a vectors directory written by :meth:`save` (gensim's
        ``KeyedVectors.load``).

        ``mmap=None`` (or False) reads the matrices into memory; ``mmap='r'`` (gensim's
        spelling; True, as :func:`~wordspace.models.base.load_model` spells it, is the
        same) maps them read-only: loading takes about as long as reading the words, and
        processes that map the same file share its pages. Queries work as usual (the
        unit-length rows they use are computed in memory on first use); changing the
        matrix in place (``kv.vectors[0] = ...``) raises NumPy's "assignment destination
        is read-only", as in gensim; :meth:`add_vectors` and ``kv[word] = vector`` make
        an in-memory copy.

        Everything is checked before it is used: the header (a directory from a newer
        wordspace is refused, saying to upgrade), the words, and each matrix's type,
        shape and values (finite float32, one row per word); a damaged or edited
        directory is refused with a message naming the file. Returns the class saved
        (``Vectors.load`` of saved :class:`SubwordVectors` gives those); loading with a
        subclass that the directory's is not (``DocVectors.load`` of word vectors) is a
        ``ValueError``.
        """
        from wordspace.vectors_directory import load_vectors_directory

        return load_vectors_directory(path, mmap=mmap, cls=cls)

    # -- word2vec formats --------------------------------------------------------------
    @takes_fname
    def save_word2vec_format(self, path: str | Path, fvocab: str | Path | None = None,
                             binary: bool = False, total_vec: int | None = None,
                             write_header: bool = True, prefix: str = "",
                             append: bool = False, sort_attr: str = "count", *,
                             allow_nonfinite: bool = False) -> None:
        """Write the word2vec text (``binary=False``) or binary format, atomically.

        gensim's ``KeyedVectors.load_word2vec_format``, word2vec.c and fastText read the
        files; text keeps every float32 exactly. Words must be non-empty, distinct and
        without whitespace, and vectors finite unless ``allow_nonfinite=True``
        (``ValueError`` otherwise, and nothing is written).

        gensim's arguments, in gensim's order (the path also as ``fname=``): ``fvocab``
        also writes the counts, a ``word count`` line per word (vectors with counts
        only), each word as the vectors file holds it (one read with
        ``unicode_errors='surrogateescape'`` as its bytes, so both files read back so),
        both files checked before either is written; ``write_header=False``
        leaves out the ``n_words dim`` line (text only); ``prefix`` is put before every
        word; with counts, words are written most frequent first (``sort_attr="count"``,
        the only attribute kept). ``total_vec`` may only be the number of words, and
        ``append=True`` is not supported (each file is written whole, atomically).

        As gensim, an earlier word2vec file at ``path`` (vocabulary file at ``fvocab``)
        is replaced, whoever wrote it (``wordspace export`` replaces only its own); a
        text file without the header (GloVe's layout) only by one written without it
        (``write_header=False``), since a vocabulary's ``word count`` lines read as
        such a file too. Unlike gensim, any other file, a directory or a symbolic link
        there is refused (``FileExistsError`` naming it) before anything is written.
        """
        if fvocab is not None and not isinstance(fvocab, (str, os.PathLike)):
            raise TypeError(f"fvocab (gensim's second argument) is the path of a vocabulary "
                            f"file, not {fvocab!r}: pass binary=... by name")
        if append or total_vec not in (None, len(self)):
            raise ValueError("append=True and total_vec are not supported: each word2vec "
                             "file is written whole, atomically")
        if sort_attr != "count":
            raise ValueError(f"sort_attr must be 'count' (the only attribute kept), got "
                             f"{sort_attr!r}")
        if fvocab is not None and self.counts is None:
            raise ValueError("these vectors have no counts to write to fvocab (vectors read "
                             "from a word2vec file have none; a trained model's do)")
        if fvocab is not None:
            if same_file(path, fvocab):  # the counts would replace the vectors
                raise ValueError(f"fvocab {fvocab} is the file the vectors go to, {path}: "
                                 "give the vocabulary another file")
            check_replaceable_file(fvocab, "a vocabulary file ('word count' lines)",
                                   _is_counts_file)
        order = np.arange(len(self)) if self.counts is None else \
            np.argsort(-self.counts, kind="stable")
        words = [prefix + str(self.words[i]) for i in order]  # a document's id 7: "7"
        if fvocab is not None:  # before anything is written
            _check_counts_words(words, fvocab)
        write_word2vec(path, words, self.matrix[order], binary=binary,
                       allow_nonfinite=allow_nonfinite, header=write_header,
                       vocab=None if fvocab is None else (fvocab, self.counts[order].tolist()))

    @classmethod
    @takes_fname
    def load_word2vec_format(cls, path: str | Path, fvocab: str | Path | None = None,
                             binary: bool | None = None, encoding: str = "utf8",
                             unicode_errors: str = "strict", limit: int | None = None,
                             datatype=np.float32, no_header: bool | None = None, *,
                             allow_nonfinite: bool = False) -> Vectors:
        """Read the word2vec text or binary format (optionally gzip/bz2/xz-compressed).

        ``binary=None`` tells the format from the file's first row; ``True`` or ``False``
        insists, and is refused if the file is in the other format. ``no_header=True``
        reads a text file without the ``n_words dim`` first line, as GloVe writes them
        (gensim's argument); left unset, such a file is recognised by its first line, a
        word and numbers rather than two integers, and ``no_header=False`` insists on a
        header. ``limit`` reads only the first words (the most frequent, in files written by
        word2vec tools) and stops reading there (0 or None: every word, as in gensim). NaN
        and infinite values are refused unless ``allow_nonfinite=True``. A word that
        appears twice keeps its first vector, with a logged warning. A malformed file (a
        header that disagrees with the rows, a short or garbled row, a truncated or
        corrupt compressed file) is a ``ValueError`` naming the file and the line or row;
        see :mod:`wordspace.word2vec_format`.

        gensim's arguments, in gensim's order (the path also as ``fname=``): ``fvocab``, a
        file of ``word count`` lines, gives the words their counts (a word it lacks counts
        0, with a warning); ``unicode_errors="ignore"`` or ``"replace"`` reads words that
        are not UTF-8 (``"strict"``: refused, naming the file and line or row),
        ``"surrogateescape"`` keeps their bytes (a fastText .bin's words of another
        encoding, exported), in the vectors file and in ``fvocab`` alike (word2vec.c cuts
        long words inside a character in both, and gensim decodes both so); ``encoding`` must be
        UTF-8 (files in other encodings: convert them, e.g. with ``iconv``) and
        ``datatype`` float32, which wordspace keeps.
        """
        if encoding.lower().replace("-", "").replace("_", "") != "utf8":
            raise ValueError(f"encoding {encoding!r}: wordspace reads UTF-8 word2vec files; "
                             f"convert it first (iconv -f {encoding} -t UTF-8)")
        _check_float32("datatype", datatype)
        words, matrix = read_word2vec(path, binary=binary, limit=limit or None,
                                      allow_nonfinite=allow_nonfinite, no_header=no_header,
                                      unicode_errors=unicode_errors)
        counts = None if fvocab is None else _read_counts(fvocab, words, unicode_errors)
        return cls(words, matrix, counts)

    def intersect_word2vec_format(self, fname, lockf: float = 0.0, binary: bool | None = None,
                                  encoding: str = "utf8", unicode_errors: str = "strict"
                                  ) -> int:
        """Copy the vectors of the words this index has from a word2vec file (text or
        binary, told from the contents); no word is added. Returns how many were copied.
        On a model's vectors (``model.wv``) the copied rows become the model's: saved with
        it, and trained on from by an update (``fit(more, update=True)``, gensim's
        recipe). ``lockf`` and ``encoding`` (UTF-8) are accepted for gensim's calls (the
        copied rows are not locked: an update trains them as it trains every row);
        ``unicode_errors`` as for :meth:`load_word2vec_format`."""
        words, matrix = read_word2vec(fname, binary=binary, unicode_errors=unicode_errors)
        if matrix.shape[1] != self.dim:
            raise ValueError(f"incompatible vector size {matrix.shape[1]} in file {fname}")
        src = [k for k, w in enumerate(words) if w in self.index]
        if src:
            updated = self._to_change()
            updated[[self.index[words[k]] for k in src]] = matrix[src]
            self.matrix = updated
        logger.info("merged %d vectors into %s matrix from %s", len(src), self.matrix.shape,
                    fname)
        return len(src)


def _check_counts_words(words: list[str], fvocab) -> None:
    """Refuse a word that a vocabulary file's ``word count`` line cannot keep whole: one
    holding whitespace beyond ASCII's (U+00A0, U+2003, U+2028 ...), at which gensim's
    reader and wordspace's split the line (the vectors file itself keeps it)."""
    bad = next((w for w in words if w and len(w.split()) != 1), None)  # "" is
    if bad is not None:  # write_word2vec's to refuse, with the other words it cannot store
        space = next(c for c in bad if c.isspace())
        raise ValueError(f"the word {bad!r} holds a space (U+{ord(space):04X}) at which a "
                         f"vocabulary file's 'word count' lines are split, so {fvocab} "
                         "could not be read back: write without fvocab, or rename the word")


def _read_counts(fvocab: str | Path, words: list[str], errors: str = "strict") -> np.ndarray:
    """The counts of ``words`` in a vocabulary file of ``word count`` lines (gensim's and
    word2vec.c's ``-save-vocab``, perhaps compressed), its words decoded with ``errors``
    as the vectors file's were, so that they match; a word it lacks counts 0, with a
    warning."""
    counts: dict[str, int] = {}
    for word, count in _count_lines(fvocab, errors):
        counts.setdefault(word, count)
    missing = [w for w in words if w not in counts]
    if missing:
        logger.warning("%s lacks %d of the %d words (%s...): they count 0", fvocab,
                       len(missing), len(words), ", ".join(map(repr, missing[:3])))
    return np.array([counts.get(w, 0) for w in words], np.int64)


def _is_counts_file(path: Path, lines: int = 10) -> bool:
    """Whether ``path`` starts as a vocabulary file of ``word count`` lines does (its
    first ``lines`` entries)."""
    try:  # words of any bytes: such a file is written so (write_word2vec's raw words)
        return bool(list(itertools.islice(_count_lines(path, "surrogateescape"), lines)))
    except (OSError, ValueError):
        return False


def _count_lines(fvocab: str | Path, errors: str = "strict") -> Iterator[tuple[str, int]]:
    """The ``(word, count)`` of each line of a vocabulary file, read decompressed and
    decoded a line at a time (to name a bad one) with ``errors`` (``unicode_errors``:
    word2vec.c cuts long words inside a character, in this file as in the vectors');
    every failure a ``ValueError`` naming the file and, where it is one line's, the line
    (a line that is not UTF-8, read strictly: the ``UnicodeDecodeError`` gensim raises)."""
    with open(fvocab, "rb") as raw, decompressing_reader(raw) as f:
        lineno = 0
        try:
            for lineno, data in enumerate(f, 1):
                try:
                    line = data.decode("utf-8", errors)
                except UnicodeDecodeError as e:
                    raise WordNotUtf8(f"{fvocab}:{lineno}: not UTF-8 text "
                                      f"({UNICODE_ERRORS_ADVICE}); expected 'word count'",
                                      e) from None
                entry = _count_line(fvocab, lineno, line)
                if entry is not None:
                    yield entry
        except DECOMPRESSION_ERRORS as e:
            if f is raw and isinstance(e, OSError):
                raise  # a failing disk, not a bad file
            raise ValueError(f"{fvocab}: the compressed file is truncated or corrupt after "
                             f"line {lineno} ({e})") from None


def _count_line(fvocab: str | Path, lineno: int, line: str) -> tuple[str, int] | None:
    """The word and count of a vocabulary file's line ``lineno``, None for a blank line;
    a ``ValueError`` naming the file and line otherwise. The count is ASCII digits
    (``str.isdigit`` also takes '²', which ``int`` refuses) that an int64 holds."""
    fields = line.split()
    if not fields:
        return None
    if (len(fields) != 2 or not (fields[1].isascii() and fields[1].isdigit())
            or int(fields[1]) > _MAX_COUNT):
        raise ValueError(f"{fvocab}:{lineno}: expected 'word count' (a whole number up to "
                         f"{_MAX_COUNT:,}), found {shorten(line.strip())}")
    return fields[0], int(fields[1])


# other libraries' names: an AttributeError saying wordspace's way (a descriptor, which a
# __getattr__ is not: that would also hide the AttributeError a property raises)
ForeignName.install(Vectors, _GENSIM3_NAMES, tool="gensim 3")
ForeignName.install(Vectors, _GENSIM_ONLY)
ForeignName.install(Vectors, _FASTTEXT_NAMES, tool="fastText")


class SubwordVectors(Vectors):
    """Word vectors with a vector for every word, even one never seen (fastText's model).

    A vocabulary word's vector (its row of ``matrix``) is the mean of its own input row
    and its character n-grams' rows; any other word's is the mean of its n-grams' rows,
    composed when asked for: ``sv["doggos"]`` and ``sv.most_similar("unbelievablly")``
    work although ``"doggos" in sv`` is False (membership is the vocabulary's). A word
    without a single n-gram (shorter than ``min_n`` once bracketed) is a ``KeyError``.
    The composition is the one training used for a bag's input, so a vocabulary word
    composed from its rows is its row of ``matrix``.

    Parameters
    ----------
    words, matrix, counts
        As :class:`Vectors`: the vocabulary and its words' composed vectors.
    inputs : array (n_words + bucket, dim)
        The model's input rows: the words', then the n-gram buckets'.
    subwords : Subwords
        How a word's n-grams are found and hashed.
    first_bucket : int, optional
        The row of ``inputs`` where the n-gram rows start (default: ``n_words``; 0 when
        ``inputs`` holds the n-gram rows alone).
    """

    #: the fastText classifier's .bin these vectors were read from, if they were (a class
    #: default: vectors pickled before it existed have none)
    _classifier: str | None = None

    def __init__(self, words: Sequence[str], matrix: np.ndarray, counts=None, *,
                 inputs: np.ndarray, subwords, first_bucket: int | None = None):
        super().__init__(words, matrix, counts)
        self.inputs = inputs
        self.subwords = subwords
        # where the n-gram rows start in inputs: after the words' (a model's input rows),
        # or at 0 (a saved directory's, which keeps only the n-gram rows)
        self._first_bucket = len(self.words) if first_bucket is None else first_bucket

    # gensim's FastTextKeyedVectors attributes
    @property
    def min_n(self) -> int:
        """Shortest n-gram, in characters (gensim's ``min_n``, fastText's ``-minn``)."""
        return self.subwords.min_n

    @property
    def max_n(self) -> int:
        """Longest n-gram, in characters (gensim's ``max_n``, fastText's ``-maxn``); 0: no
        n-grams."""
        return self.subwords.max_n

    @property
    def bucket(self) -> int:
        """Rows the n-grams are hashed into (gensim's ``bucket``, fastText's ``-bucket``);
        0 without n-grams, as gensim and fastText's files have it."""
        return self.subwords.buckets

    @property
    def vectors_ngrams(self) -> np.ndarray:
        """The n-gram rows, one per bucket (gensim's ``vectors_ngrams``): a read-only view
        of the model's input rows, not a copy (empty without n-grams)."""
        return _read_only(
            self.inputs[self._first_bucket:self.subwords.rows(self._first_bucket)])

    @property
    def vectors_vocab(self) -> np.ndarray:
        """The vocabulary words' own input rows, one per word, before their n-grams' are
        averaged in (gensim's ``vectors_vocab``): a read-only view of the model's input
        rows, not a copy. Vectors loaded from a vectors directory keep no such rows: an
        ``AttributeError`` says where they are."""
        if self._first_bucket != len(self.words):  # inputs hold the n-gram rows only
            raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                 f"'vectors_vocab'"
                                 f"{gensim_hint('vectors_vocab', _GENSIM_FASTTEXT_ROWS)}")
        return _read_only(self.inputs[:len(self.words)])

    def get_subwords(self, word: str) -> tuple[list[str], np.ndarray]:
        """fastText's ``get_subwords``: ``word`` itself if it is a vocabulary word, then
        its character n-grams in fastText's order, with their rows as fastText numbers
        them (a word's index; an n-gram's ``len(self) + hash % bucket``)."""
        ngrams = self.subwords.ngrams(word)
        rows = self.subwords.ngram_rows(word, len(self))
        if word in self.index:
            return [word, *ngrams], np.concatenate(
                [np.array([self.index[word]], np.int32), rows])
        return ngrams, rows

    def get_sentence_vector(self, text: str | list[str] | tuple[str, ...]) -> np.ndarray:
        """As :meth:`Vectors.get_sentence_vector` (fastText's for an unsupervised model);
        a ``ValueError`` for vectors read from a supervised classifier, whose sentence
        vector fastText computes otherwise: the plain mean of the input rows of the
        line's words, word n-grams and ``</s>``, none of them scaled to unit length."""
        self._check_sentence_vectors()
        return super().get_sentence_vector(text)

    def _check_sentence_vectors(self) -> None:
        if self._classifier is not None:
            raise ValueError(
                f"{self._classifier} is a supervised fastText classifier: fastText's "
                "sentence vector of a classifier averages the raw input rows of the words, "
                "their word n-grams and </s>, which wordspace does not compute; use "
                f"fastText's own (fasttext print-sentence-vectors {self._classifier}, or "
                "get_sentence_vector in its Python module)")

    def _head(self, n: int | None) -> SubwordVectors:
        if n is None or n >= len(self):
            return self
        head = SubwordVectors(self.words[:n], self.matrix[:n],
                              None if self.counts is None else self.counts[:n],
                              inputs=self.vectors_ngrams, subwords=self.subwords,
                              first_bucket=0)  # unseen words composed as before
        head._classifier = self._classifier
        return head

    def _compose(self, key) -> np.ndarray | None:
        if not isinstance(key, str):
            return None
        # one word's rows found directly: twice as fast as _compose_many's bags for the
        # one-word queries that call this (12 against 27 us a word)
        rows = self.subwords.ngram_rows(key, self._first_bucket)
        if len(rows) == 0:
            return None
        from wordspace.kernels.subwords import bag_means

        out = np.empty((1, self.dim), np.float32)
        bag_means(self.inputs, np.array([0, len(rows)], np.int64), rows, out)
        return out[0]

    def _compose_many(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        from wordspace.kernels.subwords import bag_means

        bags = self.subwords.ngram_bags(keys, self._first_bucket)
        found = np.diff(bags.ptr) > 0
        out = np.zeros((len(keys), self.dim), np.float32)
        # the bags that are not empty, still contiguous (an empty one has no mean)
        ptr = np.concatenate([bags.ptr[:1], bags.ptr[1:][found]])
        means = np.empty((int(found.sum()), self.dim), np.float32)
        bag_means(self.inputs, ptr, bags.rows, means)
        out[found] = means
        return out, found


class DocVectors(Vectors):
    """Document vectors by id (gensim's ``model.dv``), with inference for new documents.

    ``dv["doc-7"]`` is a vector, ``dv.most_similar("doc-7")`` its nearest documents (or
    those of a vector, such as an inferred one), ``dv.infer(text)`` the vector of a
    document the model has not seen. Ids are strings or integers, kept as given (gensim's
    ``TaggedDocument(words, [7])``: ``dv[7]``, and ``most_similar`` answers ``7``), and
    unique as text, so either spelling finds one: ``dv["7"]`` is ``dv[7]``. An integer
    that is no id is a row number, as in gensim (``dv[0]`` is the first document's vector
    whatever its string id; ids 0, 1, 2, ... in order are their rows, as gensim's
    plain-int tags), unless ids are integers: then it is a ``KeyError`` naming both
    readings (``dv.vectors[i]`` is row ``i``). Everything :class:`Vectors` offers works
    by id, including :meth:`save_word2vec_format` (which writes each id as text).

    Parameters
    ----------
    ids : sequence of str or int (a NumPy integer is kept as an ``int``)
    matrix : array (n_documents, dim)
    infer : callable, optional
        ``infer(documents, **options) -> matrix``: the model's inference (set by the
        model that trained the vectors).
    """

    _rows_of = "each of its training documents"
    _joins = "a new document's vector is inferred (model.dv.infer(text))"

    def __init__(self, ids, matrix: np.ndarray, infer=None):
        super().__init__(ids, matrix)
        texts = set()
        for i in self.words:  # one pass: a million ids are checked in a second
            if self._same_key(i) in texts:
                raise ValueError(f"document id {i!r} is given twice (ids are unique as "
                                 "text: 7 and '7' are one id)")
            texts.add(self._same_key(i))
        self._infer = infer

    @property
    def ids(self) -> list[str | int]:
        """Document ids in row order, as given (strings or integers)."""
        return self.words

    def __repr__(self) -> str:
        return f"DocVectors({len(self):,} documents, dim={self.dim})"

    def _key(self, term) -> str | int | None:
        """The id ``term`` names: itself, or the id it spells (``"7"`` for ``7``, or
        ``7`` for ``"7"``); None for what is no id (a vector, a bool)."""
        if isinstance(term, bool) or not isinstance(term, (str, int, np.integer)):
            return None
        term = int(term) if isinstance(term, (int, np.integer)) else str(term)
        if term in self.index:
            return term
        if isinstance(term, int):
            return str(term)
        # an integer's own spelling only: "07" and "+7" are not 7
        return int(term) if re.fullmatch(r"-?[0-9]+", term) and str(int(term)) == term \
            else term

    def _new_key(self, key) -> str | int:
        """``key`` as an id is kept: a string or an ``int``; when adding to these vectors,
        the id already there that it spells (adding ``"7"`` beside ``7`` is ``7``'s)."""
        if isinstance(key, bool) or not isinstance(key, (str, int, np.integer)):
            raise TypeError(f"a document id is a string or an integer, not "
                            f"{type(key).__name__} ({key!r})")
        key = int(key) if isinstance(key, (int, np.integer)) else str(key)
        spelt = self._key(key) if "index" in self.__dict__ else None  # built yet?
        return spelt if spelt is not None and spelt in self.index else key

    @staticmethod
    def _same_key(key) -> str:
        return str(key)  # 7 and "7" are one id

    def get_index(self, key, default=None) -> int:
        """Row of the document ``key`` (see :meth:`Vectors.get_index`); an integer that is
        no id is a row number, as in gensim, unless some ids are integers themselves:
        then it is unknown (a ``KeyError`` naming both readings), since with ids 1, 2,
        ... ``dv[0]`` would be document 1's row, and so would ``dv[1]``."""
        if self._row_or_id(key):
            if default is not None:
                return default
            raise KeyError(self._unknown(key))
        return super().get_index(key, default)

    def _row_or_id(self, key) -> bool:
        """Whether ``key`` is an integer that is no id but a row number, among ids some of
        which are integers: a number that may mean either, which is refused."""
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) \
                or not 0 <= key < len(self.words) or self._key(key) in self.index:
            return False
        # whether any id is an integer, looked at once for as many ids (they only grow)
        n, integers = self.__dict__.get("_integer_ids", (-1, False))
        if n != len(self.words):
            integers = any(type(k) is int for k in self.words)
            self._integer_ids = (len(self.words), integers)
        return integers

    def _like(self, keys: list, matrix: np.ndarray, counts: np.ndarray | None) -> DocVectors:
        return DocVectors(keys, matrix, infer=self._infer)

    def _unknown(self, doc) -> str:
        sample = ", ".join(repr(i) for i in self.words[:3])
        if self._row_or_id(doc):
            return (f"{doc} is no document id, and ids are integers (the ids are like "
                    f"{sample}), "
                    f"so it is not taken as a row number: row {doc} holds document "
                    f"{self.words[doc]!r}; say which you mean: dv.vectors[{doc}] is the "
                    f"row, dv[dv.ids[{doc}]] that document")
        return f"document {doc!r} is not known (the {len(self):,} ids are like {sample})"

    def infer(self, document: str | Sequence[str], epochs: int | None = None,
              alpha: float | None = None, seed: int | None = None,
              min_alpha: float | None = None) -> np.ndarray:
        """The vector of a new document; see :meth:`infer_many`.

        Raises ``ValueError`` if none of its words is in the vocabulary.
        """
        return self.infer_many([document], epochs=epochs, alpha=alpha, seed=seed,
                               strict=True, min_alpha=min_alpha)[0]

    def infer_many(self, documents: Iterable[str | Sequence[str]], epochs: int | None = None,
                   alpha: float | None = None, seed: int | None = None,
                   workers: int | None = None, strict: bool = False,
                   min_alpha: float | None = None) -> np.ndarray:
        """Vectors of new documents, one row each.

        A document is a list of tokens (or a ``TaggedDocument``, whose ``words`` are
        taken), or a text, read as the model's training collection was (its
        ``lowercase`` and ``token_pattern``): a text as a line of a file was (lowercased,
        then split by the pattern), a list as token lists were (lowercased only).

        Each document's vector is trained from a fixed random start for ``epochs`` passes
        over its words (the model's ``epochs`` by default) with everything the model
        learnt frozen, the learning rate falling linearly from ``alpha`` (the model's) to
        ``min_alpha`` (the model's final rate, or ``alpha`` if that is lower).
        The result depends only on the document and ``seed`` (default: the model's),
        not on the other documents or on ``workers``. A document with no word in the
        vocabulary gets a zero vector (``strict=True``: a ``ValueError``).
        """
        if self._infer is None:
            raise RuntimeError("these document vectors were not made by a model that can "
                               "infer (load the model directory, not just the vectors)")
        return self._infer(list(documents), epochs=epochs, alpha=alpha, seed=seed,
                           workers=workers, strict=strict, min_alpha=min_alpha)
