"""Vectors directories: :meth:`Vectors.save <wordspace.vectors.Vectors.save>` and
:meth:`Vectors.load <wordspace.vectors.Vectors.load>`, gensim's ``KeyedVectors.save`` /
``KeyedVectors.load(path, mmap='r')`` without pickles.

A vectors directory holds

- ``vectors.json``: what it is (``"kind": "wordspace vectors"``), its format, the class
  (``Vectors``, ``SubwordVectors`` or ``DocVectors``), ``rows``, ``dim``, whether the words
  have counts and, for subword vectors, their n-gram settings (and ``classifier``, the
  fastText classifier's ``.bin`` they came from, whose sentence vectors are refused);
- ``vectors.npy``: the matrix, a plain float32 ``.npy``, so that it can be memory-mapped;
- ``vocab.tsv``: the words and their counts (0 where they have none), as a model's
  vocabulary is written (:func:`wordspace.vocab.write_words_tsv`: any word round-trips),
  or, for document vectors, ``doc_ids.json``: the ids, strings and integers as given;
- ``ngrams.npy``, for subword vectors: the n-gram rows (``vectors_ngrams``), so that an
  unseen word's vector is composed after loading as before.

It is written as a model directory is: built under a temporary name, flushed and swapped
in, only over a new path, an empty directory or an earlier vectors directory.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from wordspace._io import (
    atomic_directory,
    check_replaceable,
    check_shape,
    how_to_load,
    load_matrix,
    missing_mark,
    reads,
    recover_interrupted_swap,
)
from wordspace._json import parse_json
from wordspace._tokens import shorten
from wordspace._validate import first_nonfinite_row
from wordspace.documents import read_document_ids, write_document_ids
from wordspace.subwords import Subwords
from wordspace.vectors import DocVectors, SubwordVectors, Vectors
from wordspace.vocab import read_words_tsv, write_words_tsv

logger = logging.getLogger(__name__)

#: the newest vectors directory this wordspace reads
FORMAT_VERSION = 1
#: the header file, whose presence and ``kind`` make a directory a vectors directory
HEADER = "vectors.json"
#: the header's ``kind``
KIND = "wordspace vectors"
_MATRIX, _WORDS, _IDS, _NGRAMS = "vectors.npy", "vocab.tsv", "doc_ids.json", "ngrams.npy"
_FILES = (HEADER, _MATRIX, _WORDS, _IDS, _NGRAMS)
_WHOLE = "the vectors directory"
#: the classes a directory holds, most derived first (a user's subclass is saved as
#: the nearest of them)
_CLASSES = (SubwordVectors, DocVectors, Vectors)


def _mmap_flag(mmap) -> bool:
    """``mmap`` as gensim spells it (None or ``'r'``) or as wordspace's ``load_model``
    does (False or True): whether to map the matrices read-only."""
    if mmap is None or mmap is False:
        return False
    if mmap is True or mmap == "r":
        return True
    raise ValueError(f"mmap must be None or 'r' (gensim's spelling; False or True also "
                     f"do), got {mmap!r}: wordspace maps vectors read-only only")


def read_header(path: str | Path) -> dict:
    """The parsed ``vectors.json`` of vectors directory ``path``, checked to be one in a
    format this wordspace reads; ``FileNotFoundError`` or ``ValueError`` naming the file
    otherwise."""
    path = Path(path)
    file = path / HEADER
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a wordspace vectors directory (no {HEADER})"
                                f"{how_to_load(path)}")
    try:
        header = parse_json(file.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{file}: not readable JSON ({e})") from None
    if not isinstance(header, dict) or header.get("kind") != KIND:
        raise ValueError(f"{file}: not a wordspace vectors header (its \"kind\" is not "
                         f"{KIND!r})")
    version = header.get("format")
    if type(version) is not int or version < 1:
        raise ValueError(f"{file}: 'format' must be a positive integer, got "
                         f"{shorten(version)}")
    if version > FORMAT_VERSION:
        raise ValueError(f"{path} was written by a newer wordspace (vectors format "
                         f"{version}, this one reads up to {FORMAT_VERSION}); upgrade "
                         "wordspace to read it")
    names = [cls.__name__ for cls in _CLASSES]
    if header.get("class") not in names:
        raise ValueError(f"{file}: unknown class {shorten(header.get('class'))} (one of "
                         f"{', '.join(names)})")
    for name in ("rows", "dim"):
        if type(header.get(name)) is not int or header[name] < 0:
            raise ValueError(f"{file}: {name!r} must be a whole number, got "
                             f"{shorten(header.get(name))}")
    if type(header.get("counts")) is not bool:
        raise ValueError(f"{file}: 'counts' must be true or false")
    return header


def is_vectors_directory(path: str | Path) -> bool:
    """Whether ``path`` is a directory whose ``vectors.json`` says it holds wordspace
    vectors (in a format this wordspace reads)."""
    return reads(read_header, path)


def check_vectors_path(path: str | Path) -> None:
    """Refuse, before any work, a place vectors may not be saved to: only a new path,
    an empty directory or an earlier vectors directory holding nothing else is replaced;
    a file, another directory, a symbolic link, the current directory or one of its
    parents raises ``FileExistsError`` saying what to do (``OSError``: a place that
    cannot be written)."""
    check_replaceable(path, "a wordspace vectors directory", is_vectors_directory,
                      missing_mark(path, HEADER, f"no {HEADER} naming wordspace vectors"),
                      "choose a new path for the vectors, or move that one away yourself",
                      holds=lambda entry: entry.is_file() and entry.name in _FILES)


def save_vectors(vectors: Vectors, path: str | Path) -> None:
    """Write ``vectors`` as a vectors directory at ``path`` (see
    :meth:`Vectors.save <wordspace.vectors.Vectors.save>`)."""
    cls = next(c for c in _CLASSES if isinstance(vectors, c))
    seen: set = set()  # words edited in place since the constructor checked them
    twice = next((w for w in vectors.words if vectors._same_key(w) in seen
                  or seen.add(vectors._same_key(w))), None)
    if twice is not None:
        raise ValueError(f"the key {shorten(twice)} is in these vectors twice: a vectors "
                         "directory holds each key once (nothing written)")
    row = first_nonfinite_row(vectors.matrix)
    if row is not None:  # loading would refuse it
        raise ValueError(f"the vector of {shorten(vectors.words[row])} (row {row}) holds a "
                         "non-finite value (NaN or inf): fix or drop it first (nothing "
                         "written)")
    check_vectors_path(path)
    header = {"kind": KIND, "format": FORMAT_VERSION, "class": cls.__name__,
              "rows": len(vectors), "dim": int(vectors.matrix.shape[1]),
              "counts": vectors.counts is not None and cls is not DocVectors}
    if cls is SubwordVectors:
        header["subwords"] = {"min_n": vectors.min_n, "max_n": vectors.max_n,
                              "bucket": vectors.subwords.bucket}
        if vectors._classifier is not None:  # its sentence vectors stay refused
            header["classifier"] = vectors._classifier
    with atomic_directory(path) as tmp:
        if cls is DocVectors:
            write_document_ids(tmp / _IDS, vectors.ids)
        else:
            counts = vectors.counts if header["counts"] else np.zeros(len(vectors), np.int64)
            write_words_tsv(tmp / _WORDS, vectors.words, counts)
        np.save(tmp / _MATRIX, vectors.matrix)
        if cls is SubwordVectors:
            np.save(tmp / _NGRAMS, vectors.vectors_ngrams)
        (tmp / HEADER).write_text(json.dumps(header, indent=2) + "\n")


def load_vectors_directory(path: str | Path, mmap=None, cls: type[Vectors] = Vectors
                           ) -> Vectors:
    """Read a vectors directory (see :meth:`Vectors.load <wordspace.vectors.Vectors.load>`);
    ``cls``: the class asked for, which the directory's must be or derive from."""
    mapped = _mmap_flag(mmap)
    path = Path(path)
    recover_interrupted_swap(path)
    header = read_header(path)
    kind = next(c for c in _CLASSES if c.__name__ == header["class"])
    if not issubclass(kind, cls):
        raise ValueError(f"{path} holds {kind.__name__}, not {cls.__name__}: load it with "
                         f"{kind.__name__}.load or Vectors.load")
    rows, dim = header["rows"], header["dim"]
    subwords = _subwords(path, header) if kind is SubwordVectors else None
    if kind is DocVectors:
        keys, counts = read_document_ids(path / _IDS, _WHOLE), None
        what = (_IDS, "ids")
    else:
        try:
            keys, counts, _ = read_words_tsv(path / _WORDS)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path / _WORDS} is missing: {_WHOLE} is "
                                    "incomplete") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"{path / _WORDS}: not a readable vocabulary ({e})") from None
        counts = counts if header["counts"] else None
        what = (_WORDS, "words")
    if len(keys) != rows:
        raise ValueError(f"{path / what[0]}: {len(keys):,} {what[1]}, and {HEADER} says "
                         f"{rows:,} rows; {_WHOLE} is damaged or its files come from "
                         "different saves")
    matrix = load_matrix(path / _MATRIX, mmap=mapped, whole=_WHOLE)
    check_shape(path / _MATRIX, matrix, (rows, dim), whole=_WHOLE)
    if kind is SubwordVectors:
        ngrams = load_matrix(path / _NGRAMS, mmap=mapped, whole=_WHOLE)
        check_shape(path / _NGRAMS, ngrams, (subwords.buckets, dim), whole=_WHOLE)
    try:  # a key listed twice is refused by the constructor: said of the keys' file
        if kind is DocVectors:
            vectors = DocVectors(keys, matrix)
        elif kind is SubwordVectors:
            vectors = SubwordVectors(keys, matrix, counts, inputs=ngrams, subwords=subwords,
                                     first_bucket=0)
            classifier = header.get("classifier")
            vectors._classifier = None if classifier is None else str(classifier)
        else:
            vectors = Vectors(keys, matrix, counts)
    except ValueError as e:
        raise ValueError(f"{path / what[0]}: {e}") from None
    if mapped:
        vectors.matrix = matrix  # the np.memmap itself, as gensim's (read-only)
    logger.info("read %s of %d rows x %d from %s%s", kind.__name__, rows, dim, path,
                " (memory-mapped)" if mapped else "")
    return vectors


def _subwords(path: Path, header: dict) -> Subwords:
    """The n-gram settings a subword vectors header names, checked."""
    settings = header.get("subwords")
    if not isinstance(settings, dict) or set(settings) != {"min_n", "max_n", "bucket"}:
        raise ValueError(f"{path / HEADER}: 'subwords' must give min_n, max_n and bucket")
    try:
        return Subwords(**settings)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path / HEADER}: invalid n-gram settings: {e}") from None
