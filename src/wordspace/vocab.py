"""Vocabulary: words sorted by frequency, their counts, and the word -> index map.

Index order is the contract every model relies on: index 0 is the most frequent word
(or ``<unk>`` when the UNK policy is on), ties are broken by first appearance in the
corpus, so the same corpus always gives the same indices.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from wordspace._io import atomic_write, check_replaceable_file
from wordspace._tokens import shorten

UNK = "<unk>"
#: counts are int64: a file's counts (and their total) must stay far below overflow
_MAX_COUNT = 2**62
_VOCABULARY_MARK = "# wordspace vocabulary"  # save_tsv's first line


class WordIndex:
    """Lookups shared by everything that holds ``words`` (row order) and ``index``
    (word -> row): vocabularies, vectors, distributions."""

    words: list[str]
    index: dict[str, int]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def index_of(self, word: str) -> int:
        """Row of ``word``; ``KeyError`` naming it (and close spellings) if absent."""
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(unknown_word_message(word, self.words)) from None

    def top_words(self, scores: np.ndarray, topn: int, exclude: Iterable[str] = ()
                  ) -> list[tuple[str, float]]:
        """The ``topn`` words of highest score (one score per row, or per leading row),
        best first, leaving out ``exclude``."""
        scores = np.asarray(scores, dtype=np.float64).copy()
        for w in exclude:
            i = self.index.get(w)
            if i is not None and i < len(scores):
                scores[i] = -np.inf
        topn = max(0, min(topn, len(scores)))
        best = np.argpartition(-scores, topn - 1)[:topn] if 0 < topn < len(scores) \
            else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")][:topn]
        return [(self.words[i], float(scores[i])) for i in best if np.isfinite(scores[i])]


class Vocabulary(WordIndex):
    """Words of a corpus with their counts, most frequent first.

    Parameters
    ----------
    words : sequence of str
        The words, in index order.
    counts : sequence of int
        How often each word occurs in the corpus (after pruning and ``min_count``).
    unk : bool
        Whether index 0 is the ``<unk>`` token that stands for out-of-vocabulary words.
    """

    def __init__(self, words: Iterable[str], counts: Iterable[int], unk: bool = False):
        self.words: list[str] = list(words)
        self.counts = np.asarray(counts if isinstance(counts, np.ndarray) else list(counts),
                                 dtype=np.int64)
        if len(self.words) != len(self.counts):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        self.unk = bool(unk)
        if self.unk and (not self.words or self.words[0] != UNK):
            raise ValueError(f"a vocabulary with unk=True must have {UNK!r} at index 0")
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary words must be unique")

    def __getitem__(self, word: str) -> int:
        return self.index_of(word)

    def __repr__(self) -> str:
        head = ", ".join(self.words[:5])
        return f"Vocabulary({len(self)} words: {head}{', ...' if len(self) > 5 else ''})"

    @property
    def total(self) -> int:
        """Number of corpus tokens the vocabulary covers."""
        return int(self.counts.sum())

    def save_tsv(self, path: str | Path) -> None:
        """Write ``word<TAB>count`` lines, most frequent first (a file people can read),
        atomically, at a new path or over an earlier vocabulary file; anything else, a
        link included, is refused before writing. Any word round-trips (see
        :func:`write_words_tsv`)."""
        write_words_tsv(path, self.words, self.counts, unk=self.unk)

    @classmethod
    def load_tsv(cls, path: str | Path) -> Vocabulary:
        """Read a file written by :meth:`save_tsv`."""
        words, counts, unk = read_words_tsv(path)
        total = sum(counts.tolist())  # exact: int64 could wrap
        if total == 0 or total > _MAX_COUNT:  # the noise distribution divides by it
            raise ValueError(f"{path}: the counts add up to {total:,}; expected a total "
                             f"between 1 and {_MAX_COUNT:,}")
        return cls(words, counts, unk=unk)


#: what a word may not hold as it is in a ``word<TAB>count`` line read back: the
#: separator, line ends (Python's text files also end a line at a lone CR), and lone
#: surrogates (undecodable bytes kept by ``surrogateescape``), which UTF-8 cannot encode
_UNWRITABLE = re.compile("[\t\n\r\ud800-\udfff]")
#: what an escaped file escapes: those, and the backslash that starts an escape
_ESCAPED = re.compile("[\\\\\t\n\r\ud800-\udfff]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}
_ESCAPE_SEQUENCE = re.compile(r"\\(?:u([0-9a-f]{4})|(.)|$)")


def _escape(word: str) -> str:
    return _ESCAPED.sub(lambda m: _ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04x}", word)


def _unescape(word: str) -> str:
    """``word`` as :func:`_escape` wrote it, back; ``ValueError`` for a stray backslash."""
    def one(m: re.Match) -> str:
        if m[1] is not None:
            return chr(int(m[1], 16))
        if m[2] not in _UNESCAPES:
            raise ValueError(f"unknown escape \\{m[2] or ''} in {shorten(word)}")
        return _UNESCAPES[m[2]]

    return _ESCAPE_SEQUENCE.sub(one, word) if "\\" in word else word


def write_words_tsv(path: str | Path, words: Sequence[str], counts, unk: bool = False
                    ) -> None:
    """Write ``words`` with their ``counts`` as :meth:`Vocabulary.save_tsv` does:
    atomically, only at a new path or over an earlier vocabulary file. Any word
    round-trips through :func:`read_words_tsv`: when some word holds a tab, a line end or
    a lone surrogate, the file is marked ``escaped=1`` and such characters (and
    backslashes) are written as ``\\t``, ``\\n``, ``\\r``, ``\\udcff`` and ``\\\\``;
    otherwise every word is written as it is (the files older wordspaces read)."""
    check_replaceable_file(path, "a wordspace vocabulary file", _is_vocabulary_file)
    escaped = any(_UNWRITABLE.search(w) for w in words)
    with atomic_write(path, "w") as f:
        f.write(f"{_VOCABULARY_MARK}\tunk={int(unk)}" + "\tescaped=1" * escaped + "\n")
        f.writelines(f"{_escape(w) if escaped else w}\t{c}\n"
                     for w, c in zip(words, np.asarray(counts).tolist(), strict=True))


def read_words_tsv(path: str | Path) -> tuple[list[str], np.ndarray, bool]:
    """The words, counts (int64) and ``unk`` flag of a file :func:`write_words_tsv`
    wrote; ``ValueError`` naming the file and line of anything malformed. Unlike
    :meth:`Vocabulary.load_tsv`, counts may all be zero."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    # the header ends at its line end, whichever (a file of lone CRs too)
    header = re.match(r"[^\r\n]*(?:\r\n?|\n)?", text)[0] \
        if text.startswith(_VOCABULARY_MARK) else ""
    flags = header.rstrip("\r\n").split("\t")[1:]
    escaped, unk = "escaped=1" in flags, "unk=1" in flags
    first, text = int(bool(header)), text[len(header):]  # lines numbered after the header
    if not escaped:  # line ends as Python's text files read them (CRLF, a lone CR)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    with _collection_paused():  # millions of new strings, none of them garbage
        # a good line holds one tab (an escaped file's words hold none either): split at
        # both, every other field is a word
        fields = text.replace("\n", "\t").split("\t")
        fields.pop()  # after the last line end
        words, counts = fields[0::2], fields[1::2]
    lines = text.count("\n")
    digits = "".join(counts)
    if len(fields) != 2 * lines or not all(counts) \
            or (digits and not (digits.isascii() and digits.isdigit())) \
            or any(int(c) > _MAX_COUNT for c in counts if len(c) > 18):
        _refuse_line(path, text.split("\n"), first, escaped)
    values = np.array(counts, dtype=np.str_).astype(np.int64) if counts \
        else np.zeros(0, np.int64)
    if escaped:
        try:
            words = [_unescape(w) for w in words]
        except ValueError:
            _refuse_line(path, text.split("\n"), first, escaped)
    return words, values, unk


@contextlib.contextmanager
def _collection_paused():
    """No cyclic garbage collection for the duration: building millions of strings
    otherwise sets off full collections that find nothing to free (about half the time
    of reading a large vocabulary)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refuse_line(path: str | Path, lines: list[str], first: int, escaped: bool) -> None:
    """Raise the ``ValueError`` naming the first of ``lines`` (those after the
    ``first`` lines of ``path``) that is not ``word<TAB>count`` (a count up to
    :data:`_MAX_COUNT`)."""
    for lineno, line in enumerate(lines, first + 1):
        word, tab, count = line.rpartition("\t")
        good = bool(tab) and count.isascii() and count.isdigit() and "\t" not in word \
            and int(count) <= _MAX_COUNT
        if good and escaped:
            try:
                _unescape(word)
            except ValueError:
                good = False
        if not good:
            raise ValueError(f"{path}:{lineno}: expected 'word<TAB>count' (a count up to "
                             f"{_MAX_COUNT:,}), got {shorten(line)}")
    raise AssertionError("no malformed line found")  # pragma: no cover


def _is_vocabulary_file(path: Path) -> bool:
    """Whether ``path`` starts as :meth:`Vocabulary.save_tsv` writes a file."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_VOCABULARY_MARK)) == _VOCABULARY_MARK.encode()
    except OSError:
        return False


def unknown_word_message(word: object, vocabulary: list[str]) -> str:
    """A KeyError message naming the word and a few close spellings: the same word in
    another case first (``King`` in a lowercased vocabulary is ``king``), then the
    closest spellings whatever their case (difflib alone would offer ``wing``)."""
    text = str(word)
    spelling: dict[str, str] = {}  # each casefolded word's first (most frequent) spelling
    for w in vocabulary[:50000]:
        spelling.setdefault(w.casefold(), w)
    folded = text.casefold()
    close = [spelling[folded]] if folded in spelling and spelling[folded] != text else []
    close += [spelling[c] for c in difflib.get_close_matches(folded, list(spelling), n=3,
                                                             cutoff=0.6)
              if spelling[c] not in close and spelling[c] != text][:3 - len(close)]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"word {word!r} is not in the vocabulary{hint}"
