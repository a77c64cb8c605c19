"""Facebook fastText's ``.bin`` model files: read (memory-mapped) and written.

The layout (fastText's ``FastText::saveModel``; every number little-endian)::

    int32 magic 793712314, int32 version 12
    args:  int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn,
           maxn, lrUpdateRate; float64 t
    dict:  int32 size, nwords, nlabels; int64 ntokens, pruneidx_size;
           size x (word bytes, NUL, int64 count, int8 type); pruneidx_size x (int32, int32)
    input:  bool quantised; int64 rows, cols; rows x cols float32   (words, then buckets)
    output: bool quantised; int64 rows, cols; rows x cols float32

What reading promises: every field is checked before it is used (a ``ValueError``
naming the file and what is wrong: not a fastText file, a version this reader does not
know, a supervised classifier where word vectors with their outputs are asked for, a
quantised ``.ftz`` model, a matrix whose shape does not match the dictionary, a
truncated file, a NaN or infinite value, named by its first row's word or n-gram
bucket); the matrices are memory-mapped, never copied whole (the check of their values
reads them a block of rows at a time), so a 7 GB model costs its vocabulary in memory
until it is trained further. A word is its bytes, as fastText keeps them: bytes that are
not UTF-8 (Latin-1 text) are read as surrogates and written back as the same bytes, and
only what fastText ends a word at (ASCII whitespace, NUL) is refused in a word written.
A supervised classifier's input rows are word and n-gram vectors like any model's
(``supervised=True`` reads them; its output rows are its labels', ``labels``).
"""

from __future__ import annotations

import re
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wordspace._io import atomic_write, check_replaceable_file
from wordspace._tokens import shorten
from wordspace._validate import first_nonfinite_row

MAGIC = 793712314
VERSION = 12
#: fastText's enums: ``loss_name`` and ``model_name``
LOSS_HS, LOSS_NS, MODEL_CBOW, MODEL_SG, MODEL_SUP = 1, 2, 1, 2, 3
_ARGS = struct.Struct("<12id")
_DICT = struct.Struct("<3i2q")
_MATRIX = struct.Struct("<?2q")
#: the fewest bytes a dictionary entry takes: its word's NUL, int64 count and int8 type
_ENTRY_MIN = 1 + 8 + 1
_ROWS_PER_WRITE = 1 << 14
#: how a dictionary's word bytes become a ``str`` and back: bytes that are not UTF-8 as
#: lone surrogates (:mod:`wordspace.subwords` hashes them as those bytes)
WORD_ERRORS = "surrogateescape"
#: what fastText's readWord ends a word at: ASCII whitespace and NUL (a no-break space is
#: inside a word)
_WORD_END = re.compile("[ \t\n\v\f\r\0]")


@dataclass
class FastTextFile:
    """What a ``.bin`` file holds, by name (fastText's ``Args``, dictionary, matrices)."""

    dim: int
    window: int
    epochs: int
    min_count: int
    negative: int
    loss: int
    model: int
    bucket: int
    min_n: int
    max_n: int
    sample: float
    words: list[str]
    counts: np.ndarray
    ntokens: int
    inputs: np.ndarray  # (nwords + bucket) x dim
    outputs: np.ndarray  # nwords x dim (a classifier's: nlabels x dim)
    labels: list[str] = field(default_factory=list)  # a supervised classifier's
    #: the order to write the words in (None: as given), their rows of ``inputs`` and,
    #: when ``outputs_per_word``, of ``outputs`` with them (a hierarchical softmax's
    #: output rows are its tree's inner nodes)
    order: np.ndarray | None = None
    outputs_per_word: bool = True


class _Reader:
    """Bounded reads from a file, each failure a ValueError naming the file."""

    def __init__(self, path: Path):
        self.path = path
        self.f = open(path, "rb")  # noqa: SIM115 -- closed by read_fasttext
        self.size = path.stat().st_size

    def take(self, n: int, what: str) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise ValueError(f"{self.path}: the file ends inside {what}: truncated?")
        return data

    def word(self, index: int) -> str:
        chunks = []
        while True:
            chunk = self.f.read(256)
            if not chunk:
                raise ValueError(f"{self.path}: the file ends inside word {index + 1}")
            end = chunk.find(b"\0")
            if end >= 0:
                chunks.append(chunk[:end])
                self.f.seek(end + 1 - len(chunk), 1)
                break
            chunks.append(chunk)
        # fastText keeps a word's bytes as they came (Latin-1 text too): bytes that are
        # not UTF-8 kept as surrogates, hashed and written back as the same bytes
        return b"".join(chunks).decode("utf-8", WORD_ERRORS)

    def matrix(self, what: str) -> np.ndarray:
        quantised, rows, cols = _MATRIX.unpack(self.take(_MATRIX.size, f"the {what} header"))
        if quantised:
            raise ValueError(f"{self.path}: the {what} matrix is quantised (a .ftz model): "
                             "wordspace reads full .bin models only; use the .bin file the "
                             "model was quantised from")
        if rows < 0 or cols < 1:
            raise ValueError(f"{self.path}: the {what} matrix claims {rows} x {cols} values")
        offset = self.f.tell()
        if offset + 4 * rows * cols > self.size:
            raise ValueError(f"{self.path}: the {what} matrix ({rows:,} x {cols}) runs past "
                             "the end of the file: truncated?")
        self.f.seek(4 * rows * cols, 1)
        return np.memmap(self.path, dtype="<f4", mode="r", offset=offset, shape=(rows, cols))


def is_fasttext_file(path: str | Path) -> bool:
    """Whether ``path`` is a file that starts as a fastText ``.bin`` model does."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == struct.pack("<i", MAGIC)
    except OSError:
        return False


def is_supervised(path: str | Path) -> bool:
    """Whether the fastText ``.bin`` file ``path`` holds a supervised classifier (told
    from its arguments; False for a file too short to say)."""
    with open(path, "rb") as f:
        head = f.read(8 + _ARGS.size)
    return len(head) == 8 + _ARGS.size and _ARGS.unpack(head[8:])[7] == MODEL_SUP


def read_fasttext(path: str | Path, supervised: bool = False) -> FastTextFile:
    """Read a fastText ``.bin`` model (see the module docstring); the matrices are
    read-only memory maps of the file. A supervised classifier is refused unless
    ``supervised`` (its word vectors are wanted, not per-word output rows)."""
    path = Path(path)
    r = _Reader(path)
    try:
        head = r.take(8, "the header")
        magic, version = struct.unpack("<2i", head)
        if magic != MAGIC:
            raise ValueError(f"{path}: not a fastText .bin model (magic number {magic}, "
                             f"expected {MAGIC}); for .vec or word2vec files use "
                             "Vectors.load_word2vec_format")
        if version not in (11, VERSION):
            raise ValueError(f"{path}: fastText format version {version}; wordspace reads "
                             f"versions 11 and {VERSION}")
        (dim, ws, epoch, min_count, neg, _ngrams, loss, model, bucket, minn, maxn,
         _lr_update, t) = _ARGS.unpack(r.take(_ARGS.size, "the arguments"))
        if model == MODEL_SUP and not supervised:
            raise ValueError(f"{path}: a supervised fastText classifier: it has word "
                             "vectors (FastText.load_facebook_vectors, or any wordspace "
                             "query command, reads them) but no per-word output rows to "
                             "train further")
        size, nwords, nlabels, ntokens, pruned = _DICT.unpack(r.take(_DICT.size,
                                                                     "the dictionary"))
        if not 0 <= nwords <= size or nlabels != size - nwords:
            raise ValueError(f"{path}: the dictionary claims {size} entries, {nwords} "
                             f"words and {nlabels} labels")
        # each entry takes at least its NUL, count and type; its rows may take as little
        # as 4 bytes (dim 1), or less in a quantised model, so they are not counted
        if size * _ENTRY_MIN + 2 * _MATRIX.size > r.size - r.f.tell():
            raise ValueError(f"{path}: the dictionary claims {size:,} entries, more than "
                             "the file can hold: truncated or damaged?")
        words, labels, counts = [], [], np.zeros(nwords, np.int64)
        for i in range(size):
            word = r.word(i)
            count, _kind = struct.unpack("<qb", r.take(9, f"entry {i + 1}"))
            if i < nwords:
                words.append(word)
                counts[i] = count
            else:  # fastText keeps words first, then labels
                labels.append(word)
        if len(set(words)) != len(words):  # fastText's dictionary never does
            twice = next(w for w, n in Counter(words).items() if n > 1)
            raise ValueError(f"{path}: the dictionary holds {shorten(twice)} twice: the "
                             "file is damaged")
        if pruned > 0:
            raise ValueError(f"{path}: a pruned (quantised) model: wordspace reads full "
                             ".bin models only")
        inputs = r.matrix("input")
        outputs = r.matrix("output")
    finally:
        r.f.close()
    n_ngrams = bucket if maxn > 0 else 0
    if inputs.shape[1] != dim or inputs.shape[0] not in (nwords + bucket, nwords + n_ngrams):
        raise ValueError(f"{path}: the input matrix is {inputs.shape[0]:,} x "
                         f"{inputs.shape[1]}, not {nwords:,} words + {bucket:,} buckets x {dim}")
    if outputs.shape != ((nlabels if model == MODEL_SUP else nwords), dim):
        raise ValueError(f"{path}: the output matrix is {outputs.shape[0]:,} x "
                         f"{outputs.shape[1]}, not {nwords:,} words x {dim} (a model trained "
                         "with hierarchical softmax or softmax has no per-word output rows "
                         "to continue training; wordspace reads negative-sampling models)")
    _check_finite(path, inputs, "input", words, "n-gram bucket")
    _check_finite(path, outputs, "output", labels if model == MODEL_SUP else words, "")
    return FastTextFile(dim=dim, window=ws, epochs=epoch, min_count=min_count, negative=neg,
                        loss=loss, model=model, bucket=bucket, min_n=minn, max_n=maxn,
                        sample=t, words=words, counts=counts, ntokens=ntokens,
                        inputs=inputs, outputs=outputs, labels=labels)


def _check_finite(path: Path, matrix: np.ndarray, what: str, names: list[str],
                  beyond: str) -> None:
    """Refuse a matrix holding NaN or an infinity, naming its first such row: the row of
    ``names[row]``, or past them (``beyond``, e.g. an n-gram bucket) the row's number
    among those. A damaged model would otherwise answer NaN scores or print inf, or
    blame the learning rate when trained further."""
    bad = first_nonfinite_row(matrix)
    if bad is None:
        return
    row = (f"the row of {shorten(names[bad])} (row {bad + 1})" if bad < len(names)
           else f"row {bad + 1}, {beyond} {bad - len(names)}")
    raise ValueError(f"{path}: the {what} matrix holds NaN or infinite values, first in "
                     f"{row}; the model is damaged")


def write_fasttext(path: str | Path, model: FastTextFile,
                   replaces: Callable[[Path], bool] | None = None) -> None:
    """Write ``model`` as a fastText ``.bin`` file, atomically (the matrices are written
    a block of rows at a time, never copied whole), at a new path or over an earlier
    fastText ``.bin`` file: anything else, a link included, is refused before writing.
    ``replaces``, for a caller with a rule of its own (``wordspace export``'s: only what
    wordspace wrote): what the file there may be, before writing and at the rename."""
    order = model.order
    words = model.words if order is None else [model.words[i] for i in order]
    counts = model.counts if order is None else model.counts[order]
    encoded = []
    for i, w in enumerate(words):
        if not w or _WORD_END.search(w):
            raise ValueError(f"{path}: word {i + 1} ({w[:50]!r}) is empty or holds "
                             "ASCII whitespace or NUL, which a fastText dictionary cannot "
                             "hold")
        try:
            encoded.append(w.encode("utf-8", WORD_ERRORS))
        except UnicodeEncodeError:  # a surrogate no byte stands for
            raise ValueError(f"{path}: word {i + 1} ({w[:50]!r}) is not Unicode text nor "
                             "bytes read as surrogates: it has no bytes to write") from None
    if replaces is None:
        check_replaceable_file(path, "a fastText .bin model", is_fasttext_file)
    else:
        check_replaceable_file(path, "a file wordspace may replace", replaces)
    with atomic_write(path, "wb", replaces=replaces) as f:
        f.write(struct.pack("<2i", MAGIC, VERSION))
        f.write(_ARGS.pack(model.dim, model.window, model.epochs, model.min_count,
                           model.negative, 1, model.loss, model.model, model.bucket,
                           model.min_n, model.max_n, 100, model.sample))
        # pruneidx_size -1: not pruned (0 would tell fastText to use no n-gram at all)
        f.write(_DICT.pack(len(words), len(words), 0, model.ntokens, -1))
        for w, count in zip(encoded, counts.tolist(), strict=True):
            f.write(w + b"\0" + struct.pack("<qb", count, 0))
        for matrix, per_word in ((model.inputs, True), (model.outputs, model.outputs_per_word)):
            f.write(_MATRIX.pack(False, *matrix.shape))
            first = 0
            if order is not None and per_word:  # the words' rows in their order, then the rest
                f.write(np.ascontiguousarray(matrix[order], dtype="<f4").tobytes())
                first = len(order)
            for start in range(first, len(matrix), _ROWS_PER_WRITE):
                f.write(np.ascontiguousarray(matrix[start:start + _ROWS_PER_WRITE],
                                             dtype="<f4").tobytes())
