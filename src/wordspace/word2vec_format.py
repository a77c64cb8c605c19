"""The word2vec text and binary formats that word2vec.c, gensim and fastText exchange.

A header line ``n_words dim``, then one row per word::

    text:    word x1 x2 ... xdim\\n        (decimal numbers separated by spaces)
    binary:  word<space><dim little-endian float32>[\\n]

word2vec.c ends every binary row with a newline and gensim ends none; both are read, but
one file must keep to one layout. gzip, bzip2 and xz files are read decompressed, and a
name ending with .gz, .bz2 or .xz is written compressed (as gensim writes it).

GloVe writes text rows without the header (gensim's ``no_header=True``): the first line
is then a row, a word and numbers, told from a header (two integers) unless
``no_header`` says which, and the first row's length is the dimension every row keeps.

What reading promises (each broken promise is a ``ValueError`` naming the file, the line
(text) or row (binary) and the word, with long words cut to 50 characters):

* The format is told from the first row's bytes, never by retrying after a failure: a
  text file whose rows disagree with its header is reported as such, and an explicit
  ``binary=`` that contradicts the file is refused.
* The header holds two integers, a dimension of at least 1; no more rows are promised
  than the file holds, and none are allocated before their bytes have been read (a tiny
  file claiming 10^12 words costs nothing).
* Every row is checked: a word, then exactly ``dim`` numbers (text) or ``4 * dim``
  bytes (binary) in the file's one layout, and nothing but whitespace after the last
  row, so a header with a wrong dimension cannot load garbage.
* Values are finite unless ``allow_nonfinite=True``.
* A word that appears twice keeps its first vector, with a warning (as gensim does).
* Memory holds the vectors and a buffer of about a megabyte; ``limit`` stops reading
  after that many rows. A file without a header is read to its end (blank lines may
  end it), its matrix sized by counting its lines first, or grown as rows arrive when
  it is compressed (see :func:`_headerless_rows`).
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from wordspace._io import (
    DECOMPRESSION_ERRORS,
    GENSIM_PICKLE,
    GENSIM_PICKLE_ADVICE,
    MOVE_ADVICE,
    atomic_write,
    check_replaceable_file,
    decompressing_reader,
    gensim_pickle_beside,
    is_pickle,
    is_utf8,
)
from wordspace._tokens import shorten
from wordspace._validate import check_int, first_nonfinite_row, is_number
from wordspace.fasttext_format import MAGIC as FASTTEXT_MAGIC


class FileEndsEarly(ValueError, EOFError):
    """A word2vec file that ends before the rows its header promises: a ``ValueError``,
    as every malformed file, and the ``EOFError`` gensim raises there."""


class WordNotUtf8(UnicodeDecodeError):
    """A word that is not UTF-8, read with ``unicode_errors='strict'``: the
    ``UnicodeDecodeError`` gensim raises there (a ``ValueError`` too), its message naming
    the file, the row and the word."""

    def __init__(self, message: str, cause: UnicodeDecodeError):
        super().__init__(cause.encoding, cause.object, cause.start, cause.end, cause.reason)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # pickled (multiprocessing, joblib) with its own arguments
        return type(self), (self.message, UnicodeDecodeError(*self.args))

log = logging.getLogger(__name__)

#: what to pass for a word that is not UTF-8 (said where one is refused)
UNICODE_ERRORS_ADVICE = ("unicode_errors='surrogateescape' reads its bytes, 'replace' or "
                         "'ignore' drops them")

_CHUNK = 1 << 20  # bytes read from the file at a time
_UNICODE_ERRORS = ("strict", "ignore", "replace", "surrogateescape")
_MAX_HEADER = 100  # bytes of the header line
_MAX_WORD = 10_000  # bytes of a word (word2vec.c's MAX_STRING is 100)
_MAX_NUMBER = 64  # bytes of a number and its space in a text row ("%.9g" needs 16)
_MAX_N, _MAX_DIM = 2**62, 2**31  # beyond these no file can be read on any machine
_SPACE = b" \t\n\r\v\f"  # what separates fields; a word holds none of these
_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s*")
_TWO_INTEGERS = re.compile(rb"\s*[-+]?\d+\s+[-+]?\d+\s*")  # a header, if a bad one
_CONTROL_OR_SPACE = re.compile(rb"[\x00-\x20\x7f]")  # what no word holds
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # bytes no text file holds
_INSIDE_NO_ROW = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")  # nor inside a row ("\r" ends one)


def _shown(text: str | bytes) -> str:
    """``text`` (a word or field, perhaps not UTF-8) quoted for an error message and cut
    to 50 characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    return shorten(text)


# -- writing -------------------------------------------------------------------------
def write_word2vec(path: str | Path, words: Sequence[str], matrix: np.ndarray,
                   binary: bool = False, allow_nonfinite: bool = False,
                   header: bool = True, vocab: tuple[str | Path, Sequence[int]] | None = None,
                   replaces: Callable[[Path], bool] | None = None) -> None:
    """Write ``words`` and their rows of ``matrix`` in the word2vec format, atomically,
    at a new path or over an earlier word2vec file of the layout written (with its header,
    or, ``header=False``, with or without it); anything else, a link included, is refused
    before writing: see :func:`check_word2vec_path`. A text file without the header is
    replaced only by one without it: "a word and numbers" is all such a file says of
    itself, and other files say as much (a vocabulary's ``word count`` lines).
    ``replaces``, for a caller that checked the path itself with a rule of its own
    (``wordspace export``'s: only what wordspace wrote): what the file there may be, both
    before writing and when the new file is renamed into place.

    Text rows carry nine significant digits, enough for every float32 to read back
    exactly; binary rows end with a newline, as word2vec.c writes them. Words must be
    non-empty, without whitespace and distinct, and values finite unless
    ``allow_nonfinite``: what is refused here could not be read back as written.
    ``header=False`` leaves out the ``n_words dim`` line (GloVe's text layout). A name
    ending with ``.gz``, ``.bz2`` or ``.xz`` is written compressed, as gensim writes it.

    ``vocab=(fvocab, counts)`` also writes the words' counts to ``fvocab`` (whose place
    the caller has checked), a ``word count`` line each, as word2vec.c's ``-save-vocab``,
    each word as the same bytes as in the vectors file; everything is checked before
    either file is written, and an error while writing either drops both (the vocabulary
    is renamed into place just before the vectors).
    """
    if binary and not header:
        raise ValueError(f"{path}: a binary word2vec file always starts with its header")
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words) or matrix.shape[1] < 1:
        raise ValueError(f"{path}: cannot write {len(words)} words with a matrix of shape "
                         f"{matrix.shape}: the word2vec format needs one row of at least one "
                         "number per word")
    encoded, raw = [], []
    for i, w in enumerate(words):
        try:
            encoded.append(w.encode())
        except UnicodeEncodeError:
            try:  # bytes that were not UTF-8 (a fastText .bin of Latin-1 text), as read
                encoded.append(w.encode("utf-8", "surrogateescape"))
            except UnicodeEncodeError:
                raise ValueError(f"{path}: word {i + 1}, {_shown(w)}, is not valid Unicode "
                                 "text, nor bytes read as surrogates: it has no bytes to "
                                 "write") from None
            raw.append(w)
        if not w or _CONTROL_OR_SPACE.search(encoded[-1]):
            raise ValueError(f"{path}: word {i + 1}, {_shown(w)}, is empty or contains "
                             "whitespace or a control character: the word2vec format "
                             "cannot store it")
    if len(set(words)) != len(words):
        first: dict[str, int] = {}
        for i, w in enumerate(words):
            if w in first:
                raise ValueError(f"{path}: the word {_shown(w)} is both word {first[w] + 1} "
                                 f"and word {i + 1}: a word2vec file keys vectors by word")
            first[w] = i
    if not allow_nonfinite:
        bad = first_nonfinite_row(matrix)
        if bad is not None:
            raise ValueError(f"{path}: the vector of {_shown(words[bad])} (word {bad + 1}) "
                             "has NaN or infinite values; refusing to write them (pass "
                             "allow_nonfinite=True to write them anyway)")
    # never replaces another file or a link; an earlier file of the layout written
    if replaces is None:
        check_word2vec_path(path, headerless=not header)
    else:
        check_replaceable_file(path, "a file wordspace may replace", replaces)
    if raw:  # as fastText writes them, where a UTF-8 reader stops
        log.warning("%s: %d word(s), such as %s, are not UTF-8 text (bytes of another "
                    "encoding, as in a fastText .bin of Latin-1 text): written as those "
                    "bytes, as fastText writes them%s; read them back with "
                    "unicode_errors='surrogateescape' (or 'replace')", path, len(raw),
                    _shown(raw[0]), "" if vocab is None else f", in {vocab[0]} too")
    n, dim = matrix.shape
    row_format = " %.9g" * dim + "\n"
    with contextlib.ExitStack() as files:
        # the vocabulary's write around the vectors': a failure in either, the vectors'
        # flush and rename included, drops both; the vectors' rename comes first
        v = None if vocab is None else files.enter_context(
            atomic_write(vocab[0], "wb", compress=True))
        with atomic_write(path, "wb", compress=True, replaces=replaces) as f:  # .gz: gensim's
            if header:
                f.write(f"{n} {dim}\n".encode())
            for w, row in zip(encoded, matrix, strict=True):
                if binary:
                    f.write(w + b" " + row.astype("<f4").tobytes() + b"\n")
                else:
                    f.write(w + (row_format % tuple(row.tolist())).encode())
            if v is not None:
                v.writelines(b"%s %d\n" % (w, c)
                             for w, c in zip(encoded, vocab[1], strict=True))


# -- reading -------------------------------------------------------------------------
class _LineTooLong(Exception):
    """No newline within the bytes a valid line can take."""


class _Stream:
    """Reads a (possibly decompressing) binary file through a buffer filled a chunk at a
    time, so that no read is sized by the file's claims. A decompression error becomes a
    ``ValueError`` naming the file and how far reading got."""

    def __init__(self, f: IO[bytes], name: str, compressed: bool):
        self.f, self.name, self.compressed = f, name, compressed
        self.buf = b""
        self.pos = 0  # next unread byte of buf
        self.offset = 0  # where buf starts in the (decompressed) content
        self.eof = False
        self.broken: ValueError | None = None  # a decompression error, raised when it matters

    def tell(self) -> int:
        """Bytes of content consumed so far."""
        return self.offset + self.pos

    def fill(self, need: int) -> bool:
        """Make ``need`` unread bytes available; False when the file ends first.

        A corrupt compressed stream ends the content where it breaks; its error is kept
        for ``check_end``, so that reading ahead of what a row needs never fails a read
        that a ``limit`` stops before the damage."""
        have = len(self.buf) - self.pos
        if have >= need or self.eof:
            return have >= need
        parts = [self.buf[self.pos:]]
        while have < need:
            try:
                chunk = self.f.read1(_CHUNK)  # what is there: no data lost to a late error
            except DECOMPRESSION_ERRORS as e:
                if not self.compressed and isinstance(e, OSError):
                    raise  # a failing disk, not a bad file
                self.broken = ValueError(f"{self.name}: the compressed file is truncated or "
                                         f"corrupt after {self.offset + self.pos + have} "
                                         f"bytes of content ({e})")
                chunk = b""
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.offset += self.pos
        self.buf, self.pos = b"".join(parts), 0
        return have >= need

    def skip_byte_order_mark(self) -> None:
        """Consume a UTF-8 byte-order mark at the start (Windows editors write one), which
        would otherwise be part of the header or of the first word, as the corpus reader
        drops it."""
        self.fill(len(codecs.BOM_UTF8))
        if self.buf.startswith(codecs.BOM_UTF8, self.pos):
            self.pos += len(codecs.BOM_UTF8)

    def check_end(self) -> None:
        """Call where the content ends early: a broken compressed stream is the reason."""
        if self.broken is not None:
            raise self.broken

    def line(self, limit: int) -> bytes | None:
        """The next line without its newline, None at the end of the file; raises
        ``_LineTooLong`` when no newline comes within ``limit`` bytes."""
        found = self._next_line(limit)
        if found is None:
            return None
        line, self.pos = found
        return line

    def peek_line(self, limit: int) -> bytes | None:
        """The next line, as :meth:`line` returns it, left unread."""
        found = self._next_line(limit)
        return None if found is None else found[0]

    def _next_line(self, limit: int) -> tuple[bytes, int] | None:
        """The next line and where the one after it starts in ``buf`` (filled as needed;
        nothing is consumed)."""
        scanned = 0
        while True:
            end = self.buf.find(b"\n", self.pos + scanned, self.pos + limit + 1)
            if end >= 0:
                return self.buf[self.pos:end], end + 1
            scanned = len(self.buf) - self.pos
            if scanned > limit:
                raise _LineTooLong
            if not self.fill(scanned + 1):
                self.check_end()
                if scanned == 0:
                    return None
                return self.buf[self.pos:], len(self.buf)

    def only_whitespace_left(self) -> int | None:
        """Read to the end; the content offset of the first byte that is not
        whitespace, or None if there is none."""
        while self.fill(1):
            rest = self.buf[self.pos:]
            stripped = rest.lstrip(_SPACE)
            if stripped:
                return self.tell() + len(rest) - len(stripped)
            self.pos = len(self.buf)
        self.check_end()
        return None


class _Rows:
    """Rows gathered into a float32 matrix that grows as they are read (never beyond
    what the bytes read so far justify, unless the file's size vouches for the header),
    keeping the first vector of a word that appears twice."""

    def __init__(self, name: str, n: int, dim: int, trusted: bool, binary: bool,
                 first_line: int = 2, capacity: int | None = None, errors: str = "strict"):
        self.name, self.dim, self.binary = name, dim, binary
        self.errors = errors  # for words that are not UTF-8: "strict", "ignore", "replace"
        self.first_line = first_line  # the text line of the first row: 1 without a header
        self.target = n
        self.capacity = capacity or (n if trusted else min(n, max(1, _CHUNK // (4 * dim))))
        self.matrix: np.ndarray | None = None
        self.words: list[str] = []
        self.first: dict[str, int] = {}  # word -> its row in the file
        self.dropped: list[int] = []  # rows of the file whose word came before, ascending
        self.duplicate = ""  # the first such word

    def add(self, row: int, word: str, vector: np.ndarray) -> None:
        """Keep ``vector`` as ``word``'s, unless ``word`` came before."""
        if word in self.first:
            self.duplicate = self.duplicate or word
            self.dropped.append(row)
            return
        self.first[word] = row
        k = len(self.words)
        if self.matrix is None:
            self.matrix = np.empty((self.capacity, self.dim), dtype=np.float32)
        elif k == len(self.matrix):
            grown = np.empty((min(self.target, 2 * k), self.dim), dtype=np.float32)
            grown[:k] = self.matrix
            self.matrix = grown
        self.matrix[k] = vector
        self.words.append(word)

    def label(self, row: int) -> str:
        """Where a row of the file is: its line (text) or row (binary)."""
        return f"row {row + 1}" if self.binary else f"line {row + self.first_line}"

    def where(self, row: int) -> str:
        """The file and the row's place in it, as error messages start."""
        return (f"{self.name}: row {row + 1}" if self.binary
                else f"{self.name}:{row + self.first_line}")

    def file_row(self, k: int) -> int:
        """The row of the file that the ``k``-th kept word came from."""
        row = k
        for d in self.dropped:
            if d > row:
                break
            row += 1
        return row

    def result(self, allow_nonfinite: bool) -> tuple[list[str], np.ndarray]:
        """The words and their matrix; warns of duplicates, refuses non-finite values."""
        if self.matrix is None:
            self.matrix = np.empty((0, self.dim), dtype=np.float32)
        if len(self.matrix) > len(self.words):
            self.matrix.resize((len(self.words), self.dim), refcheck=False)  # in place
        if self.dropped:
            w = self.duplicate
            log.warning("%s: %d rows repeat an earlier word (the first: %s, %s and %s); "
                        "kept the first vector of each", self.name, len(self.dropped),
                        _shown(w), self.label(self.first[w]), self.label(self.dropped[0]))
        if not allow_nonfinite:
            bad = first_nonfinite_row(self.matrix)
            if bad is not None:
                raise ValueError(f"{self.where(self.file_row(bad))}: the vector of "
                                 f"{_shown(self.words[bad])} has NaN or infinite values "
                                 "(pass allow_nonfinite=True to load it anyway)")
        return self.words, self.matrix


def is_word2vec_file(path: str | Path, headerless: bool = False) -> bool:
    """Whether ``path`` is a word2vec file with its header (text or binary): its header
    and first rows read as such (a file of numbers whose first line happens to be two
    integers does not). ``headerless`` also takes a text file without the header (GloVe's
    layout) whose first rows read as rows and whose first word is no number (so that no
    file of numbers passes)."""
    for no_header in (False, True) if headerless else (False,):
        try:
            # words of any bytes: such a file is written so (write_word2vec's raw words)
            words, _ = read_word2vec(path, limit=2, allow_nonfinite=True, no_header=no_header,
                                     unicode_errors="surrogateescape")
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if not no_header or not is_number(words[0].encode("utf-8", "surrogateescape")):
            return True
    return False


def check_word2vec_path(path: str | Path, advice: str = MOVE_ADVICE,
                        headerless: bool = False) -> Path:
    """Refuse, before any work, a place where wordspace may not write a word2vec file:
    a link, a directory, an existing file that is not a word2vec file (with its header;
    ``headerless``: or without, see :func:`is_word2vec_file`); ``FileExistsError``
    ending with ``advice`` (what to do). Returns ``path``."""
    what = "a word2vec file"
    if not headerless and _is_headerless_file(Path(path)):
        what += (" with its header (it reads as one without: GloVe's layout, or any "
                 "'word number' lines, a vocabulary's counts say, which only a file "
                 "written without the header, write_header=False, replaces)")
    return check_replaceable_file(path, what,
                                  lambda file: is_word2vec_file(file, headerless), advice)


def _is_headerless_file(path: Path) -> bool:
    """Whether ``path`` is a file that reads as word2vec text only without the header."""
    try:
        regular = path.is_file() and not path.is_symlink()
    except OSError:
        return False
    return regular and not is_word2vec_file(path) and is_word2vec_file(path, headerless=True)


def read_word2vec(path: str | Path, binary: bool | None = None, limit: int | None = None,
                  allow_nonfinite: bool = False, no_header: bool | None = None,
                  unicode_errors: str = "strict") -> tuple[list[str], np.ndarray]:
    """The words and float32 matrix of a word2vec text or binary file.

    ``binary=None`` tells the format from the file; ``True`` or ``False`` insists on one
    and is refused if the file is in the other. ``limit`` reads only the first rows (the
    most frequent words, in files that word2vec tools write). ``allow_nonfinite`` lets
    NaN and infinite values through. ``no_header=True`` reads a text file without the
    ``n_words dim`` line (GloVe's format: every line a row); ``None`` tells that from the
    first line (see :func:`_starts_with_a_row`), ``False`` insists on a header. See the
    module's docstring for what is checked; every failure is a ``ValueError`` naming the
    file. ``unicode_errors`` ("strict", "ignore" or "replace", as gensim's, or
    "surrogateescape") says what becomes of a word that is not UTF-8: refused, its bad
    bytes dropped or replaced, or kept as surrogates, which write back as the same bytes
    (a fastText .bin of Latin-1 text's words, exported).
    """
    name = str(path)
    if unicode_errors not in _UNICODE_ERRORS:
        raise ValueError(f"unicode_errors must be one of {', '.join(map(repr, _UNICODE_ERRORS))}"
                         f", got {unicode_errors!r}")
    if limit is not None:
        check_int("limit", limit, 1)
    if no_header and binary:
        raise ValueError(f"{name}: no_header=True is for text files; a binary word2vec "
                         "file always starts with its 'n_words dim' header")
    with open(path, "rb") as raw:
        info = os.fstat(raw.fileno())
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
        with decompressing_reader(raw) as f:
            s = _Stream(f, name, compressed=f is not raw)
            if f is not raw:
                size = None  # the content's size is unknown
            s.skip_byte_order_mark()
            header = _header(s, name, no_header, binary)
            if header is None:
                out = _headerless_rows(s, name, limit, raw.fileno(), size, unicode_errors)
                return out.result(allow_nonfinite)
            n, dim = header
            is_binary = _detect(s, name, dim, binary)
            rows = n if limit is None else min(n, int(limit))
            # the least a row can take: a one-byte word, its space and 4 * dim bytes; or a
            # one-byte word and dim one-digit numbers, each after a space. A file that
            # size vouches for the header; otherwise rows are allocated as they arrive
            least = rows * (2 + 4 * dim if is_binary else 1 + 2 * dim)
            trusted = size is not None and least <= size - s.tell()
            out = _Rows(name, rows, dim, trusted, is_binary, errors=unicode_errors)
            (_binary_rows if is_binary else _text_rows)(s, name, n, rows, dim, out)
            if rows == n:  # all rows read: nothing may follow them
                extra = s.only_whitespace_left()
                if extra is not None:
                    raise ValueError(f"{name}: more data after the {n} words the header "
                                     f"promises (at byte {extra} of the content): is the "
                                     f"header's count or its dimension ({dim}) wrong?")
    return out.result(allow_nonfinite)


def _header(s: _Stream, name: str, no_header: bool | None = None,
            binary: bool | None = None) -> tuple[int, int] | None:
    """``n_words dim`` from the first line, consumed; None, with nothing consumed, for a
    file without a header: ``no_header=True``, or ``None`` and a first line that is a
    row (never for ``binary=True``: a binary file always has a header)."""
    try:
        line = s.peek_line(_MAX_HEADER)
    except _LineTooLong:
        line = s.buf[s.pos:s.pos + _MAX_HEADER]
    if line is None:
        raise ValueError(f"{name}: the file is empty, not a word2vec file")
    if no_header:
        return None
    m = _HEADER.fullmatch(line)
    if m is None:
        row = not binary and _starts_with_a_row(s)
        if row and no_header is None:
            return None
        hint = (" (it reads as a row: pass no_header=True, or leave it unset, to read a "
                "file without a header, as GloVe writes them)") if row else ""
        _refuse_other_formats(s, name)
        raise ValueError(f"{name}:1: expected a header 'n_words dim' (two whole numbers), "
                         f"got {_shown(line)}: not a word2vec file?{hint}")
    s.line(_MAX_HEADER)
    n, dim = int(m[1]), int(m[2])
    if dim < 1:
        raise ValueError(f"{name}:1: the header's dimension is 0; a vector needs at least "
                         "one number")
    if n >= _MAX_N or dim >= _MAX_DIM:
        raise ValueError(f"{name}:1: the header's {n} words of dimension {dim} are more "
                         "than any file holds")
    return n, dim


#: a fastText .bin model's first four bytes (its magic number, little-endian int32)
_FASTTEXT_MAGIC = FASTTEXT_MAGIC.to_bytes(4, "little")


def _refuse_other_formats(s: _Stream, name: str) -> None:
    """Say what a file that is no word2vec file is, where its first bytes tell: a
    fastText ``.bin`` model (read by ``FastText.load_facebook_model``, but only
    uncompressed: its matrices are memory-mapped), a Python pickle (gensim's ``save()``)
    or a NumPy array (one of the side files gensim's ``save()`` writes beside its pickle,
    said so)."""
    s.fill(8)
    head = s.buf[s.pos:s.pos + 8]
    if head.startswith(_FASTTEXT_MAGIC):
        if s.compressed:
            raise ValueError(f"{name} is a compressed fastText .bin model: decompress it "
                             "first (gunzip, bunzip2 or unxz); wordspace reads fastText "
                             "models uncompressed, memory-mapped")
        raise ValueError(f"{name} is a fastText .bin model, not a word2vec file: read it "
                         "with FastText.load_facebook_model (or wordspace.load_scorable, "
                         "as the command line does)")
    if is_pickle(head):
        raise ValueError(f"{name} is {GENSIM_PICKLE}, not a word2vec file: "
                         f"{GENSIM_PICKLE_ADVICE}")
    if head.startswith(b"\x93NUMPY"):
        pickle = gensim_pickle_beside(name)
        if pickle is not None:  # g.model.wv.vectors.npy: its words are in the pickle
            raise ValueError(f"{name} is a NumPy array gensim's save() wrote beside "
                             f"{pickle.name}, {GENSIM_PICKLE}: {GENSIM_PICKLE_ADVICE}")
        raise ValueError(f"{name} is a NumPy array (.npy), not a word2vec file: give the "
                         "model directory that holds it, or a word2vec file")


def _starts_with_a_row(s: _Stream) -> bool:
    """Whether the first line is a text row, a word then a number, as the first line of
    GloVe's files (which have no header) is, rather than a header: text (UTF-8 without
    control characters) whose second field is a number, and not two integers, which are
    taken for a header, well formed or not (so only a file of one-number rows whose first
    word and number are integers needs ``no_header=True``)."""
    s.fill(_MAX_WORD + _MAX_NUMBER + 1)
    head = s.buf[s.pos:s.pos + _MAX_WORD + _MAX_NUMBER + 1].split(b"\n", 1)[0]
    fields = head.split(None, 2)
    return (len(fields) >= 2 and not _TWO_INTEGERS.fullmatch(head)
            and is_number(fields[1]) and _is_text(head))


def _headerless_rows(s: _Stream, name: str, limit: int | None, fd: int,
                     size: int | None, errors: str = "strict") -> _Rows:
    """The rows of a text file without a header: every line a word and as many numbers
    as the first line's.

    The row count is nowhere written, so the matrix is sized one of two ways. A plain
    file (whose ``size`` is known) is counted first: a pass that only counts newlines,
    a megabyte at a time, costs a fraction of parsing the numbers, and then the matrix is
    allocated once at its final size (less rows a repeated word drops) and memory holds
    it alone, never the two copies that growing needs. A compressed file or a pipe
    cannot be read twice cheaply (it would mean decompressing twice) or at all, so its
    matrix grows geometrically as rows arrive (doubling: each row is copied about once
    more on average; the peak is the old matrix and the new, then the unused rows are
    given back). Either way the file is read a buffer at a time and no row is kept but as
    float32 in the matrix.
    """
    first_limit = 1 << 24  # bytes of the first line, whose length tells the dimension
    try:
        first = s.peek_line(first_limit)
    except _LineTooLong:
        raise ValueError(f"{name}:1: no line end within {first_limit} bytes: not a file of "
                         "rows, a word and its numbers a line") from None
    fields = (first or b"").split()
    if len(fields) < 2:
        raise ValueError(f"{name}:1: expected a row 'word x1 x2 ...' (the file has no "
                         f"header), got {_shown(first or b'')}")
    dim = len(fields) - 1
    rows = _MAX_N if limit is None else int(limit)
    capacity = None
    if size is not None:
        # a row takes at least 1 + 2 * dim bytes (a one-byte word, dim one-digit numbers
        # each after a space): a file of blank lines cannot claim more rows than that
        most = min(rows, max(1, size // (1 + 2 * dim)))
        capacity = min(most, _count_lines(fd, most))
    out = _Rows(name, rows, dim, trusted=False, binary=False, first_line=1,
                capacity=capacity, errors=errors)
    note = ("no_header=True, but line 1 looks like a header 'n_words dim': leave no_header "
            "unset to read it as one" if _HEADER.fullmatch(first or b"") else "")
    _text_rows(s, name, None, rows, dim, out, note)
    return out


def _count_lines(fd: int, most: int) -> int:
    """How many lines the file ``fd`` holds (a last one without a newline counted), or
    ``most`` once there are that many; read a megabyte at a time from the start, without
    moving the file's position."""
    lines, offset = 1, 0
    while lines < most:
        chunk = os.pread(fd, _CHUNK, offset)
        if not chunk:
            break
        lines += chunk.count(b"\n")
        offset += len(chunk)
    return min(lines, most)


def _detect(s: _Stream, name: str, dim: int, binary: bool | None) -> bool:
    """Whether the rows are binary, told from the first row without consuming it.

    The file is text when its first line, as far as the first binary row would reach (a
    word, a space and ``4 * dim`` bytes), is text (UTF-8 without control characters)
    and either a number follows the word, or the line is a text row of some other
    fields: it ends with a newline and holds the word and exactly ``dim`` fields, and is
    not a binary row as word2vec.c writes it whose float bytes hold no whitespace (so
    that a text row whose values are no numbers, "N/A" or "0,1", is reported as such,
    not read as floats). Float32 data almost never passes (random bytes fail the UTF-8
    and control checks, and the first float's bytes would have to be digits then a
    space or a newline, or split into exactly ``dim`` fields), while a text file does
    whatever its dimension, so a text file whose rows disagree with its header is
    reported as text. An explicit ``binary`` that contradicts the file is refused,
    unless the first row also reads that way (a binary row of one number can look like
    text, and a text row of one field like binary).
    """
    ahead = 2 * (_MAX_WORD + 4 * dim + 2 + _MAX_NUMBER)  # the first row and the next
    whole = not s.fill(ahead)  # the file ends within ``body``
    body = s.buf[s.pos:s.pos + ahead]
    if not body.strip():
        return bool(binary)  # no rows: either format reads them
    newline = body.find(b"\n")
    line = body if newline < 0 else body[:newline]
    space = line.find(b" ", 0, _MAX_WORD + 1)
    region = line[:max(space, 0) + 1 + 4 * dim]  # where the first binary row would be
    fields = line.split(None, 2)
    # the word aside: a text file's may be bytes of another encoding (a fastText .bin's
    # Latin-1 words, exported), read with unicode_errors="surrogateescape"
    after_word = line[space + 1:] if space > 0 else line
    text_row = newline >= 0 and len(line.split()) == dim + 1 \
        and _is_text(after_word, final=True)
    float_bytes = body[space + 1:space + 1 + 4 * dim]
    text = (len(fields) > 1 and is_number(fields[1]) and _is_text(region[space + 1:]
                                                                    if space > 0 else region)
            or text_row and not (_binary_first_row_reads(body, dim)
                                 and not any(b in _SPACE for b in float_bytes)))
    if text and _binary_first_row_reads(body, dim):
        # a binary row can read as a text row too, when its float bytes hold whitespace
        # (b"0 0\n0[\n" is the float 4.96e16, or the number 0 then "0[") or are digits
        # (b"a 8122\n": 1.0372155e-08): the reading after which the next row reads (or
        # the file ends) is the file's. Where both do, a text row of no numbers is still
        # text (b"a 0,1 \n"), unless the float bytes hold a control byte that no text
        # row holds inside it (b"w \r-a[\n", a one-word file, is the float 6.34e16)
        binary_reads = _next_row_reads(body, space + 2 + 4 * dim, dim, True, whole)
        # a text row's CRLF end is no sign of binary: its "\r" is followed by "\n"
        inside = body[space + 1:space + 2 + 4 * dim].replace(b"\r\n", b"\n")
        text = _next_row_reads(body, newline + 1, dim, False, whole) and (
            not binary_reads or not _INSIDE_NO_ROW.search(inside)
            or all(is_number(f) for f in line.split()[1:])) or not binary_reads
    if binary is None or bool(binary) is not text:  # unset, or agrees with the file
        return not text
    if binary and _binary_first_row_reads(body, dim):
        return True
    if binary is False and text_row:
        return False
    found, said = ("text", "binary") if text else ("binary", "text")
    raise ValueError(f"{name}: binary={binary} but the file is in the {found} format, not "
                     f"{said}; leave binary unset to read either")


def _next_row_reads(body: bytes, start: int, dim: int, binary: bool, whole: bool) -> bool:
    """Whether the row starting at ``start`` of ``body`` reads in the format said (a
    binary row as word2vec.c writes it, or a line of text of a word and ``dim`` fields,
    numbers or not, so that a text file of values that are no numbers is reported as
    text), or the file ends there (``whole``: ``body`` holds the rest of the file). A
    text row cut by the end of ``body`` reads, for all that can be told."""
    rest = body[start:]
    if not rest.strip():
        return whole or not rest
    if binary:
        return _binary_first_row_reads(rest, dim)
    newline = rest.find(b"\n")
    if newline < 0 and not whole:
        return True
    line = rest if newline < 0 else rest[:newline]
    return len(line.split()) == dim + 1 and _is_text(line, final=True)


def _is_text(data: bytes, final: bool = False) -> bool:
    """Whether ``data`` is UTF-8 without control characters (``final=False``: the
    start of such text, perhaps cut inside a character)."""
    return is_utf8(data, final) and not _CONTROL.search(data)


def _binary_first_row_reads(body: bytes, dim: int) -> bool:
    """Whether ``body`` starts with a binary row as word2vec.c writes it: a word, a space,
    ``4 * dim`` bytes, then a newline or the end. (A text row is that only when each of
    its numbers takes three characters.)"""
    space = body.find(b" ", 0, _MAX_WORD + 1)
    end = space + 1 + 4 * dim
    if space <= 0 or _CONTROL_OR_SPACE.search(body[:space]) or end > len(body):
        return False
    return end == len(body) or body[end] == ord("\n")


def _text_rows(s: _Stream, name: str, n: int | None, rows: int, dim: int, out: _Rows,
               note: str = "") -> None:
    """Read ``rows`` text rows into ``out``, each a word and exactly ``dim`` numbers.
    ``n=None``: a file without a header, read to its end (blank lines may end it) unless
    ``rows`` come first; ``note`` follows a message that a row's length is wrong."""
    limit = _MAX_WORD + _MAX_NUMBER * dim
    for i in range(rows):
        try:
            line = s.line(limit)
        except _LineTooLong:
            raise ValueError(f"{out.where(i)}: no line end within {limit} bytes, more than a "
                             f"word and "
                             f"{dim} numbers take") from None
        if line is None:
            if n is None:
                return
            raise FileEndsEarly(f"{name}: the header promises {n} words, the file ends after "
                             f"{i}")
        fields = line.split()
        if not fields:
            if n is None:
                if s.only_whitespace_left() is None:
                    return
                raise ValueError(f"{out.where(i)}: an empty line between rows")
            raise ValueError(f"{out.where(i)}: an empty line where word {i + 1} of {n} "
                             "should be")
        word = _word(fields[0], out, i)
        if len(fields) != dim + 1:
            said = (f"the header says {dim}" if n is not None else
                    f"the first row, line 1, has {dim} ({note or 'the file has no header'})")
            raise ValueError(f"{out.where(i)}: the row of {_shown(word)} has "
                             f"{len(fields) - 1} numbers, but {said}")
        try:
            with np.errstate(over="ignore"):  # 1e39 becomes inf, refused as non-finite
                vector = np.array(fields[1:], dtype=np.float32)
        except ValueError:
            bad = next(f for f in fields[1:] if not is_number(f))
            raise ValueError(f"{out.where(i)}: {_shown(bad)} in the vector of {_shown(word)} "
                             "is not a number") from None
        out.add(i, word, vector)


def _binary_rows(s: _Stream, name: str, n: int, rows: int, dim: int, out: _Rows) -> None:
    """Read ``rows`` binary rows into ``out``: a word, a space, ``4 * dim`` bytes, and a
    newline after each row or after none, as the first row shows."""
    width = 4 * dim
    newlines = None  # whether rows end with a newline (word2vec.c) or not (gensim)
    for i in range(rows):
        s.fill(_MAX_WORD + 2 + width)
        buf, pos = s.buf, s.pos
        if pos == len(buf):
            s.check_end()
            raise FileEndsEarly(f"{name}: the header promises {n} words, the file ends after "
                             f"{i}")
        space = buf.find(b" ", pos, pos + _MAX_WORD + 1)
        if space < 0:
            if len(buf) - pos <= _MAX_WORD:  # all there is left of the file
                s.check_end()
                raise FileEndsEarly(f"{out.where(i)}: the file ends inside the word of row "
                                    f"{i + 1} of {n} (or is the header's dimension, {dim}, "
                                    "wrong?)")
            raise ValueError(f"{out.where(i)}: no word followed by a space within {_MAX_WORD} "
                             "bytes: "
                             f"is the header's dimension ({dim}) right?")
        word = _word(buf[pos:space], out, i, hint=i > 0)
        start = space + 1
        if len(buf) - start < width:
            s.check_end()
            raise FileEndsEarly(f"{out.where(i)}: the file ends inside the vector of "
                             f"{_shown(word)}: "
                             f"{len(buf) - start} of its {width} bytes")
        out.add(i, word, np.frombuffer(buf, dtype="<f4", count=dim, offset=start))
        s.pos = start + width
        if i + 1 == rows:
            break
        if not s.fill(1):
            continue  # the next row's turn says how many rows the file holds
        ends = s.buf[s.pos:s.pos + 1] == b"\n"
        if newlines is None:
            newlines = ends
        elif ends != newlines:
            raise ValueError(f"{out.where(i)}: the vector of {_shown(word)} is "
                             f"{'not ' if newlines else ''}followed by a newline, unlike the "
                             f"first row's: is the header's dimension ({dim}) right?")
        s.pos += ends


def _word(field: bytes, out: _Rows, row: int, hint: bool = False) -> str:
    """Row ``row``'s word, decoded; refused when empty, spaced or not UTF-8 (the message
    placed by ``out``, only when it is needed)."""
    why = ("is empty" if not field else
           "contains whitespace or a control character" if _CONTROL_OR_SPACE.search(field)
           else None)
    decoding = None
    if why is None:
        try:
            word = field.decode("utf-8", errors=out.errors)
        except UnicodeDecodeError as e:
            why = f"is not UTF-8 text ({UNICODE_ERRORS_ADVICE})"
            decoding = e
        else:
            if word:
                return word
            why = "has no UTF-8 character left"
    message = (f"{out.where(row)}: the word {_shown(field)} {why}"
               + (": is the header's dimension right?" if hint else ""))
    if decoding is not None:
        raise WordNotUtf8(message, decoding) from None
    raise ValueError(message)
